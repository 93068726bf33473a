using System.Buffers.Binary;
using Letterbox.Dns.Journal;
using Letterbox.Dns.Tsig;
using Letterbox.Dns.Zones;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Answering;

/// <summary>Who may transfer, and with what: asked once per request.</summary>
public sealed class TransferPolicy
{
    /// <summary>The client's address is in dns.secondaries.</summary>
    public bool AddressAllowed { get; init; }

    /// <summary>dns.tsig: when set, an unsigned request, or one signed with another key, is refused.</summary>
    public DnsName? RequiredKey { get; init; }

    /// <summary>Looks a TSIG key up by name; null for one we do not know (BADKEY).</summary>
    public Func<DnsName, TsigKey?> Keys { get; init; } = _ => null;

    /// <summary>Recent history for IXFR; without it every IXFR gets the whole zone.</summary>
    public ZoneJournal? Journal { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Told what each request got, for the log: "axfr", "ixfr" (incremental), "ixfr-full", "ixfr-current", or the refusal.</summary>
    public Action<TransferOutcome>? Served { get; init; }
}

/// <summary>What one transfer request got.</summary>
public sealed record TransferOutcome(DnsName Zone, string Kind, int Records, string? Key);

/// <summary>
/// AXFR (RFC 5936) and IXFR (RFC 1995) over TCP to the secondaries in dns.secondaries, TSIG-signed
/// (RFC 8945) when the request was. AXFR is SOA, every other record, SOA; IXFR from a serial the
/// journal knows is SOA new, then per step [SOA old, deleted, SOA step, added], then SOA new; from
/// the current serial (or a newer one) it is the SOA alone; from anything else the whole zone,
/// which §4 allows. Records are packed into messages of about 16 KB, each compressed on its own.
/// </summary>
public static class ZoneTransfer
{
    private const int MessageTarget = 16 * 1024;

    public static bool IsTransfer(DnsType type) => type is DnsType.AXFR or DnsType.IXFR;

    /// <summary>Unsigned transfers with an address check only (no keys, no history).</summary>
    public static List<byte[]> Respond(ZoneSet zones, ReadOnlySpan<byte> query, in DnsQuery q, bool allowed) =>
        Respond(zones, query, q, new TransferPolicy { AddressAllowed = allowed });

    /// <summary>The response messages to a transfer request; one error message when it cannot be served.</summary>
    public static List<byte[]> Respond(ZoneSet zones, ReadOnlySpan<byte> query, in DnsQuery q, TransferPolicy policy)
    {
        int at = DnsHeader.Size;
        DnsNameReader.TryRead(query, ref at, out var qname);
        ulong now = TsigSigner.Now(policy.Time);
        var tsig = TsigSigner.Verify(query, policy.Keys, now);

        // RFC 8945 §5.2: a TSIG we cannot parse is FORMERR; a key we do not have or a MAC that does not
        // match is NOTAUTH with an unsigned TSIG naming the error; a stale time is NOTAUTH, signed.
        string? keyName = tsig.Record?.KeyName.ToString();
        if (tsig.Presence == TsigPresence.Malformed)
        {
            policy.Served?.Invoke(new TransferOutcome(qname!, "formerr-tsig", 0, null));
            return [Single(q, qname!, DnsRcode.FormErr)];
        }
        if (tsig.Presence == TsigPresence.Present && tsig.Error is TsigError.BadKey or TsigError.BadSig or TsigError.BadTrunc)
        {
            policy.Served?.Invoke(new TransferOutcome(qname!, tsig.Error.ToString().ToLowerInvariant(), 0, keyName));
            return [TsigSigner.AppendUnsigned(Single(q, qname!, DnsRcode.NotAuth), tsig.Record!, tsig.Error)];
        }
        if (tsig.Error == TsigError.BadTime)
        {
            policy.Served?.Invoke(new TransferOutcome(qname!, "badtime", 0, keyName));
            return [TsigSigner.Sign(Single(q, qname!, DnsRcode.NotAuth), tsig.Key!, tsig.Record!.Mac, tsig.Record.TimeSigned,
                error: TsigError.BadTime, otherData: TsigSigner.TimeAsOtherData(now)).Message];
        }

        var messages = Unsigned(zones, query, q, qname!, policy, tsig, out string kind, out int count);
        policy.Served?.Invoke(new TransferOutcome(qname!, kind, count, keyName));
        return tsig.Verified ? SignAll(messages, tsig, now) : messages;
    }

    private static List<byte[]> Unsigned(ZoneSet zones, ReadOnlySpan<byte> query, in DnsQuery q, DnsName qname, TransferPolicy policy, TsigCheck tsig,
        out string kind, out int count)
    {
        count = 0;
        // RFC 5936 §6: refuse whoever is not on the list, and (dns.tsig) whoever did not sign with the key.
        kind = "refused";
        if (!policy.AddressAllowed)
            return [Single(q, qname, DnsRcode.Refused)];
        if (policy.RequiredKey is { } required && !(tsig.Verified && tsig.Key!.Name.Equals(required)))
            return [Single(q, qname, DnsRcode.Refused)];
        // §2.2.1: NOTAUTH for a zone we do not have.
        kind = "notauth";
        var zone = zones.Get(qname);
        if (zone is null)
            return [Single(q, qname, DnsRcode.NotAuth)];
        List<ResourceRecord> records;
        if (q.QType != DnsType.IXFR)
        {
            kind = "axfr";
            records = AxfrRecords(zone);
        }
        else
        {
            // RFC 1995 §3: the client's SOA travels in the authority section.
            kind = "formerr";
            if (!TryReadClientSerial(query, q, out uint serial))
                return [Single(q, qname, DnsRcode.FormErr)];
            records = IxfrRecords(zone, serial, policy.Journal, out bool incremental);
            kind = records.Count == 1 ? "ixfr-current" : incremental ? "ixfr" : "ixfr-full";
        }
        count = records.Count;
        return Pack(q, qname, records);
    }

    /// <summary>The answer to an IXFR over UDP: the zone's SOA alone; null for a name that is not one of our zone apexes.</summary>
    public static Answer? UdpIxfrAnswer(ZoneSet zones, ReadOnlySpan<byte> query)
    {
        int at = DnsHeader.Size;
        if (DnsNameReader.TryRead(query, ref at, out var qname) != DnsNameError.None || zones.Get(qname!) is not { } zone)
            return null;
        var answer = new Answer { Rcode = DnsRcode.NoError, Authoritative = true };
        answer.AnswerSection.Add(new AnswerSet(zone.Apex, zone.SoaSet, zone.SoaSet.Ttl));
        return answer;
    }

    /// <summary>SOA, every other record, SOA (RFC 5936 §2.2).</summary>
    public static List<ResourceRecord> AxfrRecords(Zone zone)
    {
        var soa = new ResourceRecord(zone.Apex, zone.SoaSet.Ttl, zone.Soa);
        var records = new List<ResourceRecord> { soa };
        // A signed zone goes out with its DNSKEY, NSEC and RRSIG records, so a secondary serves it signed.
        records.AddRange(Dnssec.ZoneSigner.SignedRecords(zone).Where(r => r.Type != DnsType.SOA));
        records.Add(soa);
        return records;
    }

    /// <summary>The records of an IXFR answer from the client's <paramref name="serial"/> (RFC 1995 §4).</summary>
    public static List<ResourceRecord> IxfrRecords(Zone zone, uint serial, ZoneJournal? journal) => IxfrRecords(zone, serial, journal, out _);

    private static List<ResourceRecord> IxfrRecords(Zone zone, uint serial, ZoneJournal? journal, out bool incremental)
    {
        incremental = false;
        var soa = new ResourceRecord(zone.Apex, zone.SoaSet.Ttl, zone.Soa);
        // §2: the client is up to date (or ahead, in RFC 1982 serial arithmetic): the SOA alone says so.
        if (serial == zone.Soa.Serial || ZoneSerials32.IsNewer(serial, zone.Soa.Serial))
            return [soa];
        var steps = journal?.Since(zone.Apex, serial, zone.Soa.Serial);
        if (steps is null)
            return AxfrRecords(zone);
        incremental = true;
        var records = new List<ResourceRecord> { soa };
        foreach (var step in steps)
        {
            records.Add(step.OldSoa);
            records.AddRange(step.Deleted);
            records.Add(step.NewSoa);
            records.AddRange(step.Added);
        }
        records.Add(soa);
        return records;
    }

    /// <summary>The serial of the SOA in an IXFR request's authority section.</summary>
    private static bool TryReadClientSerial(ReadOnlySpan<byte> query, in DnsQuery q, out uint serial)
    {
        serial = 0;
        int at = q.QuestionEnd;
        for (int i = 0; i < q.Header.AnCount + q.Header.NsCount; i++)
        {
            if (DnsNameReader.Skip(query, ref at) != DnsNameError.None || at + 10 > query.Length)
                return false;
            var type = (DnsType)BinaryPrimitives.ReadUInt16BigEndian(query[at..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(query[(at + 8)..]);
            if (at + 10 + length > query.Length)
                return false;
            if (i >= q.Header.AnCount && type == DnsType.SOA)
            {
                try
                {
                    serial = ((SoaRData)RData.Read(DnsType.SOA, query, at + 10, length)).Serial;
                    return true;
                }
                catch (DnsFormatException)
                {
                    return false;
                }
            }
            at += 10 + length;
        }
        return false;
    }

    /// <summary>
    /// Signs every message (RFC 8945 §5.3.1 allows gaps of up to 99; signing all is simplest and
    /// lets the client stop at the first bad one): the first over the request's MAC and the full
    /// variables, each later one over the previous MAC and the timers only.
    /// </summary>
    private static List<byte[]> SignAll(List<byte[]> messages, TsigCheck tsig, ulong now)
    {
        var signed = new List<byte[]>(messages.Count);
        byte[] prior = tsig.Record!.Mac;
        for (int i = 0; i < messages.Count; i++)
        {
            var (message, mac) = TsigSigner.Sign(messages[i], tsig.Key!, prior, now, timersOnly: i > 0);
            signed.Add(message);
            prior = mac;
        }
        return signed;
    }

    private static List<byte[]> Pack(in DnsQuery q, DnsName qname, List<ResourceRecord> records)
    {
        var messages = new List<byte[]>();
        DnsWriter? w = null;
        DnsHeader h = default;
        foreach (var r in records)
        {
            if (w is null)
            {
                h = Header(q, DnsRcode.NoError, questions: messages.Count == 0 ? 1 : 0);
                w = new DnsWriter(MessageTarget + 1024);
                w.WriteHeader(h);
                if (messages.Count == 0)
                    WriteQuestion(w, qname, q);
            }
            w.WriteRecord(r);
            h.AnCount++;
            if (w.Position >= MessageTarget)
            {
                w.PatchHeader(h);
                messages.Add(w.ToArray());
                w = null;
            }
        }
        if (w is not null)
        {
            w.PatchHeader(h);
            messages.Add(w.ToArray());
        }
        return messages;
    }

    private static DnsHeader Header(in DnsQuery q, DnsRcode rcode, int questions) => new()
    {
        Id = q.Header.Id,
        IsResponse = true,
        Opcode = DnsOpcode.Query,
        Authoritative = rcode == DnsRcode.NoError,
        Rcode = rcode,
        QdCount = (ushort)questions,
    };

    private static void WriteQuestion(DnsWriter w, DnsName qname, in DnsQuery q)
    {
        w.WriteName(qname);
        w.WriteUInt16((ushort)q.QType);
        w.WriteUInt16((ushort)q.QClass);
    }

    private static byte[] Single(in DnsQuery q, DnsName qname, DnsRcode rcode)
    {
        var w = new DnsWriter();
        w.WriteHeader(Header(q, rcode, 1));
        WriteQuestion(w, qname, q);
        return w.ToArray();
    }
}

/// <summary>RFC 1982 serial number arithmetic on 32 bits.</summary>
public static class ZoneSerials32
{
    /// <summary>True when <paramref name="a"/> is after <paramref name="b"/> (§3.2); undefined pairs (exactly 2^31 apart) are not newer.</summary>
    public static bool IsNewer(uint a, uint b) => a != b && (int)(a - b) > 0;
}
