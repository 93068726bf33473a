using System.Collections.Concurrent;
using Letterbox.Dns.Zones;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Answering;

/// <summary>
/// Turns a query packet into a response packet for one immutable set of zones. Responses are
/// kept once written, per (name, type, EDNS/DO): a repeat query costs a dictionary lookup and a
/// copy with the ID, flags and the question's spelling patched in, and allocates nothing.
/// A reload builds a new responder, so nothing in here ever goes stale.
/// </summary>
public sealed class Responder(ZoneSet zones, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>
    /// Our EDNS UDP payload size: 1232 keeps answers below the IPv6 minimum MTU with headers, so
    /// they are never fragmented (DNS flag day 2020; NSD's default too).
    /// </summary>
    public const ushort OurPayloadSize = 1232;

    /// <summary>Plain DNS over UDP (RFC 1035 §4.2.1).</summary>
    public const int ClassicUdpSize = 512;

    private const int MaxCachedNames = 100_000;
    private const int OptSize = 11;

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<int, byte[]>> _cache = new(StringComparer.Ordinal);
    private int _cachedNames;

    public ZoneSet Zones { get; } = zones;

    /// <summary>
    /// Writes the response to <paramref name="query"/> into <paramref name="response"/> (which must
    /// hold 65,535 octets) and returns its length; 0 means send nothing.
    /// </summary>
    public int Respond(ReadOnlySpan<byte> query, Span<byte> response, bool tcp) => Respond(query, response, tcp, default);

    /// <summary>
    /// As above; with <paramref name="clientAddress"/> (4 or 16 octets) a query that carries a DNS
    /// cookie gets a server cookie back (RFC 7873).
    /// </summary>
    public int Respond(ReadOnlySpan<byte> query, Span<byte> response, bool tcp, ReadOnlySpan<byte> clientAddress)
    {
        int length = RespondWithoutCookie(query, response, tcp, out var q);
        if (q.ClientCookieAt > 0 && q.Edns is not null && length > 0 && !clientAddress.IsEmpty)
            return ServerCookie.Append(query, q, response, length, clientAddress, (uint)_time.GetUtcNow().ToUnixTimeSeconds());
        return length;
    }

    private int RespondWithoutCookie(ReadOnlySpan<byte> query, Span<byte> response, bool tcp, out DnsQuery q)
    {
        Span<char> key = stackalloc char[DnsNameReader.MaxKeyLength];
        var status = DnsQuery.Parse(query, key, out q);
        switch (status)
        {
            case DnsQueryStatus.Drop:
                return 0;
            case DnsQueryStatus.FormErr:
                return HeaderOnly(q.Header, DnsRcode.FormErr, response);
            case DnsQueryStatus.NotImp:
                return HeaderOnly(q.Header, DnsRcode.NotImp, response);
        }

        int limit = tcp ? DnsWriter.MaxMessageSize : q.Edns is { } e ? Math.Min(e.PayloadSize, OurPayloadSize) : ClassicUdpSize;
        // Room for the cookie option appended afterwards.
        if (q.ClientCookieAt > 0)
            limit -= ServerCookie.OptionSize;
        // RFC 6891 §6.1.3: we speak EDNS version 0 only.
        if (q.Edns is { Version: > 0 })
            return Render(query, q, new Answer { Rcode = DnsRcode.BadVers }, response, limit);
        if (q.QType == DnsType.OPT)
            return Render(query, q, new Answer { Rcode = DnsRcode.FormErr }, response, limit);
        if (q.QClass != DnsClass.IN)
            return Render(query, q, Answer.Refused, response, limit);
        // RFC 1995 §2: an IXFR over UDP gets the current SOA alone, which tells the client to come
        // back over TCP when its serial is older (NSD and Knot do the same); a zone's SOA is public anyway.
        if (q.QType is DnsType.IXFR && !tcp && ZoneTransfer.UdpIxfrAnswer(Zones, query) is { } soaOnly)
            return Render(query, q, soaOnly, response, limit);
        // Zone transfers are TCP-only and need an ACL; MAILA/MAILB and other meta types we do not serve.
        if (q.QType is DnsType.AXFR or DnsType.IXFR)
            return Render(query, q, Answer.Refused, response, limit);
        if ((ushort)q.QType is >= 128 and <= 254)
            return Render(query, q, new Answer { Rcode = DnsRcode.NotImp }, response, limit);

        int variant = ((ushort)q.QType << 2) | (q.Edns is null ? 0 : 1) | (q.Edns is { DnssecOk: true } ? 2 : 0);
        var lookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(key[..q.KeyLength], out var byType) && byType.TryGetValue(variant, out var cached)
            && cached.Length <= limit && TryPatch(query, q, cached, response))
            return cached.Length;

        int nameAt = DnsHeader.Size;
        DnsNameReader.TryRead(query, ref nameAt, out var qname);
        Answer answer;
        try
        {
            // Signed zones (ZoneSigner) add RRSIGs and NSEC proofs when the client set DO (RFC 4035 §3.1).
            answer = Dnssec.DnssecAnswer.Resolve(Zones, qname!, q.QType, q.Edns is { DnssecOk: true });
        }
        catch (Exception ex) when (ex is FormatException or ZoneException)
        {
            // A name we cannot build a wildcard for (the longest names): nothing matches it.
            answer = new Answer { Rcode = DnsRcode.ServFail };
        }
        int length = Render(query, q, answer, response, DnsWriter.MaxMessageSize - ServerCookie.OptionSize);
        Remember(qname!.Key, variant, answer, response[..length]);
        if (length <= limit)
            return length;
        return Render(query, q, answer, response, limit);
    }

    private void Remember(string key, int variant, Answer answer, ReadOnlySpan<byte> bytes)
    {
        // Random names (an NXDOMAIN flood) would fill the cache with junk; keep the room for names that exist.
        int names = Volatile.Read(ref _cachedNames);
        if (names >= MaxCachedNames || (answer.Rcode == DnsRcode.NXDomain && names >= MaxCachedNames / 2))
            return;
        var byType = _cache.GetOrAdd(key, _ =>
        {
            Interlocked.Increment(ref _cachedNames);
            return new ConcurrentDictionary<int, byte[]>();
        });
        byType.TryAdd(variant, bytes.ToArray());
    }

    /// <summary>Copies a kept response, with this query's ID, RD/CD bits and question spelling.</summary>
    private static bool TryPatch(ReadOnlySpan<byte> query, in DnsQuery q, byte[] cached, Span<byte> response)
    {
        // Same name, so the same length, unless the question itself used a pointer (legal, odd): then write afresh.
        if (q.NameEnd - DnsHeader.Size != q.NameWireLength || cached.Length < q.NameEnd)
            return false;
        cached.CopyTo(response);
        response[0] = query[0];
        response[1] = query[1];
        // RFC 1035 §4.1.1: RD is copied into the response; RFC 4035 §3.1.6: so is CD.
        response[2] = (byte)((response[2] & ~0x01) | (query[2] & 0x01));
        response[3] = (byte)((response[3] & ~0x10) | (query[3] & 0x10));
        query[DnsHeader.Size..q.NameEnd].CopyTo(response[DnsHeader.Size..]);
        return true;
    }

    /// <summary>
    /// Turns a response into its "slipped" form for rate limiting: the header with TC set and the
    /// question, nothing else, so the client retries over TCP. Returns the new length.
    /// </summary>
    public static int Slip(ReadOnlySpan<byte> query, Span<byte> response, int length)
    {
        int end = DnsHeader.Size;
        if (length < DnsHeader.Size || DnsNameReader.Skip(query, ref end) != DnsNameError.None || end + 4 > query.Length)
            return Math.Min(length, DnsHeader.Size);
        end += 4;
        if (end > length)
            return length;
        query[DnsHeader.Size..end].CopyTo(response[DnsHeader.Size..]);
        response[2] |= 0x02; // TC
        response[4] = 0;
        response[5] = 1;
        response[6..12].Clear();
        return end;
    }

    private static int HeaderOnly(DnsHeader query, DnsRcode rcode, Span<byte> response)
    {
        var h = new DnsHeader { Id = query.Id, IsResponse = true, Opcode = query.Opcode, RecursionDesired = query.RecursionDesired, Rcode = rcode };
        h.Write(response);
        return DnsHeader.Size;
    }

    /// <summary>
    /// Writes an answer within <paramref name="limit"/> octets. When an answer or authority RRset
    /// does not fit, the response is cut back to the question and TC is set so the client retries
    /// over TCP (RFC 2181 §9, RFC 7766 §5); additional RRsets that do not fit are simply left out.
    /// </summary>
    private static int Render(ReadOnlySpan<byte> query, in DnsQuery q, Answer answer, Span<byte> response, int limit)
    {
        var w = new DnsWriter(512);
        var h = new DnsHeader
        {
            Id = q.Header.Id,
            IsResponse = true,
            Opcode = DnsOpcode.Query,
            Authoritative = answer.Authoritative,
            RecursionDesired = q.Header.RecursionDesired,
            CheckingDisabled = q.Header.CheckingDisabled,
            Rcode = (DnsRcode)((int)answer.Rcode & 0xF),
            QdCount = 1,
        };
        w.WriteHeader(h);
        int nameAt = DnsHeader.Size;
        DnsNameReader.TryRead(query, ref nameAt, out var qname);
        w.WriteName(qname!);
        w.WriteUInt16((ushort)q.QType);
        w.WriteUInt16((ushort)q.QClass);
        int questionEnd = w.Position;
        int room = limit - (q.Edns is null ? 0 : OptSize);

        bool truncated = false;
        int an = WriteSection(w, answer.AnswerSection, room, ref truncated);
        int ns = truncated ? 0 : WriteSection(w, answer.AuthoritySection, room, ref truncated);
        int ar = 0;
        if (truncated)
        {
            w.Truncate(questionEnd);
            an = ns = 0;
            h.Truncated = true;
        }
        else
        {
            bool dropped = false;
            ar = WriteSection(w, answer.AdditionalSection, room, ref dropped);
        }
        if (q.Edns is { } edns)
        {
            DnsMessage.WriteOpt(w, OurPayloadSize, (byte)((int)answer.Rcode >> 4), 0, edns.DnssecOk);
            ar++;
        }
        h.AnCount = (ushort)an;
        h.NsCount = (ushort)ns;
        h.ArCount = (ushort)ar;
        w.PatchHeader(h);
        w.Written.CopyTo(response);
        return w.Position;
    }

    private static int WriteSection(DnsWriter w, List<AnswerSet> sets, int room, ref bool overflow)
    {
        int count = 0;
        foreach (var set in sets)
        {
            int start = w.Position;
            bool full = false;
            try
            {
                foreach (var r in set.Set.Records)
                    w.WriteRecord(set.Owner, set.Ttl, r);
            }
            catch (DnsMessageFullException)
            {
                full = true;
            }
            if (full || w.Position > room)
            {
                w.Truncate(start);
                overflow = true;
                return count;
            }
            count += set.Set.Records.Count;
        }
        return count;
    }
}
