using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Letterbox.Dns.Zones;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Dnssec;

/// <summary>
/// Signs zones as they are loaded (RFC 4033-4035, algorithm 13 of RFC 6605): adds the DNSKEY RRset
/// at the apex, builds the NSEC chain over every authoritative name, and signs every authoritative
/// RRset once, so the query path only picks ready signatures.
///
/// Signatures are valid from one hour before the start of a seven-day "epoch" (Unix time rounded
/// down to a multiple of 7 days) to 21 days after it, and a zone is re-signed when the epoch turns,
/// so what is served always has two weeks or more left. The served SOA serial is
/// max(serial, epoch start): re-signing bumps it, so secondaries transfer the fresh signatures
/// before theirs run out, and a zone changed since the epoch began keeps the serial it was given
/// (which is what `letterbox dns zone` prints).
/// </summary>
public sealed class ZoneSigner(DnssecKeyStore keys, TimeProvider? time = null)
{
    public static readonly TimeSpan EpochLength = TimeSpan.FromDays(7);

    /// <summary>Room for clocks that run behind ours (RFC 6781 §4.4.2.2 calls it jitter and skew).</summary>
    public static readonly TimeSpan InceptionSkew = TimeSpan.FromHours(1);

    public static readonly TimeSpan Validity = TimeSpan.FromDays(21);

    /// <summary>The apex's DNSKEY RRset TTL: an hour, as the generated records.</summary>
    public const uint DnskeyTtl = 3600;

    private const DnsType Nsec3 = (DnsType)50, Nsec3Param = (DnsType)51;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<string, SignedZone> _signed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DnssecKey> _keys = new(StringComparer.Ordinal);
    private long _epoch;

    // The signed form of each served zone instance, so the transfer code and the responder, which
    // only see a ZoneSet, find the signatures of exactly the zone they hold (and never a stale one).
    private static readonly ConditionalWeakTable<Zone, SignedZone> ByZone = new();

    /// <summary>The signed form of a zone this signer made, or null for a zone served unsigned.</summary>
    public static SignedZone? Find(Zone zone) => ByZone.TryGetValue(zone, out var signed) ? signed : null;

    /// <summary>The records a zone transfer sends: with DNSKEY, NSEC and RRSIG when the zone is signed (RFC 5936 §2.2 sends the zone as served).</summary>
    public static IEnumerable<ResourceRecord> SignedRecords(Zone zone) => Find(zone) is { } signed ? signed.Records() : zone.Records();

    /// <summary>The start of the validity epoch that <paramref name="now"/> falls in, in Unix seconds.</summary>
    public static long EpochOf(DateTimeOffset now)
    {
        long seconds = now.ToUnixTimeSeconds(), length = (long)EpochLength.TotalSeconds;
        return seconds - seconds % length;
    }

    /// <summary>
    /// The serial a signed zone is served with (see the class summary). ZoneSerials gives a changed
    /// zone max(last + 1, now) in Unix seconds, so a change within an epoch lands above its start
    /// and still shows in the served serial.
    /// </summary>
    public static uint ServedSerial(uint serial, DateTimeOffset now) => Math.Max(serial, (uint)Math.Clamp(EpochOf(now), 0, uint.MaxValue));

    /// <summary>True when the epoch turned since the last <see cref="Sign(ZoneSet)"/>: time to re-sign.</summary>
    public bool ResignDue => _epoch != 0 && EpochOf(_time.GetUtcNow()) != _epoch;

    /// <summary>Every zone of the set signed, reusing the signatures of zones that did not change since the last call.</summary>
    public ZoneSet Sign(ZoneSet zones)
    {
        var now = _time.GetUtcNow();
        long epoch = EpochOf(now);
        var result = new List<Zone>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var zone in zones.Zones)
        {
            string apex = zone.Apex.Key;
            seen.Add(apex);
            if (!_keys.TryGetValue(apex, out var key))
                _keys[apex] = key = keys.GetOrCreate(zone.Apex);
            if (!_signed.TryGetValue(apex, out var signed) || signed.UnsignedSerial != zone.Soa.Serial || signed.Epoch != epoch)
                _signed[apex] = signed = SignZone(zone, key, now, signed?.SignaturesByData);
            result.Add(signed.Zone);
        }
        foreach (var gone in _signed.Keys.Where(k => !seen.Contains(k)).ToList())
            _signed.Remove(gone);
        _epoch = epoch;
        return new ZoneSet(result);
    }

    /// <summary>
    /// Signs one zone with <paramref name="key"/> as of <paramref name="now"/>. An RRset whose
    /// signing data is the same as in <paramref name="previous"/> (same records, TTL and validity)
    /// keeps its signature: ECDSA signatures differ at each signing, and a new one for unchanged
    /// data would put every RRSIG of the zone into each IXFR.
    /// </summary>
    public static SignedZone SignZone(Zone unsigned, DnssecKey key, DateTimeOffset now, IReadOnlyDictionary<string, RrsigRData>? previous = null)
    {
        long epoch = EpochOf(now);
        var apex = unsigned.Apex;
        uint serial = ServedSerial(unsigned.Soa.Serial, now);
        var records = unsigned.Records().Select(r => r.Data is SoaRData soa ? r with { Data = soa.WithSerial(serial) } : r)
            // DNSSEC data from a user's file would contradict ours: the apex keys and every signature and NSEC(3) are made here.
            .Where(r => !(r.Type == DnsType.DNSKEY && r.Name.Equals(apex)) && r.Type is not (DnsType.RRSIG or DnsType.NSEC or Nsec3 or Nsec3Param))
            .Append(new ResourceRecord(apex, DnskeyTtl, key.Dnskey));
        var zone = Zone.Build(apex, records);

        // RFC 4035 §2.2: only authoritative data is signed; below a delegation (glue) nothing is,
        // and at the cut only the DS and the NSEC (§2.3: the NSEC bitmap there shows NS and DS).
        var cuts = zone.Nodes.Where(n => n.Get(DnsType.NS) is not null && !n.Name.Equals(apex)).Select(n => n.Name).ToList();
        bool BelowCut(DnsName name) => cuts.Any(c => !c.Equals(name) && name.IsAtOrBelow(c));
        bool IsCut(DnsName name) => cuts.Any(c => c.Equals(name));

        var chain = zone.Nodes.Where(n => n.Sets.Count > 0 && !BelowCut(n.Name)).Select(n => n.Name)
            .Order(CanonicalNameOrder.Instance).ToArray();
        // RFC 4035 §2.3 (and RFC 9077): the NSEC TTL is the SOA's negative-caching TTL.
        uint nsecTtl = Math.Min(zone.SoaSet.Ttl, zone.Soa.Minimum);
        uint inception = (uint)(epoch - (long)InceptionSkew.TotalSeconds);
        uint expiration = (uint)(epoch + (long)Validity.TotalSeconds);
        var signer = DnsName.Parse(apex.Key);
        var nsec = new Dictionary<string, RRset>(StringComparer.Ordinal);
        var signatures = new Dictionary<(string, DnsType), RRset>();
        var byData = new Dictionary<string, RrsigRData>(StringComparer.Ordinal);
        for (int i = 0; i < chain.Length; i++)
        {
            var node = zone.Find(chain[i])!;
            bool cut = IsCut(node.Name);
            var present = node.Sets.Keys.Where(t => !cut || t is DnsType.NS or DnsType.DS).ToList();
            // The chain's names in lower case: RFC 6840 §5.1 keeps the next name's case out of the
            // canonical form, and a lower-case one sorts the same for every validator.
            var next = DnsName.Parse(chain[(i + 1) % chain.Length].Key);
            var set = new RRset(node.Name, DnsType.NSEC, nsecTtl, [new NsecRData(next, [.. present, DnsType.RRSIG, DnsType.NSEC])]);
            nsec[node.Name.Key] = set;
            var toSign = node.Sets.Values.Where(s => !cut || s.Type == DnsType.DS).Append(set);
            foreach (var s in toSign)
            {
                var rrsig = Signature(s, key, signer, inception, expiration, previous, byData);
                signatures[(node.Name.Key, s.Type)] = new RRset(node.Name, DnsType.RRSIG, s.Ttl, [rrsig]);
            }
        }
        var signed = new SignedZone(zone, key, unsigned.Soa.Serial, epoch, chain, nsec, signatures, byData);
        ByZone.AddOrUpdate(zone, signed);
        return signed;
    }

    /// <summary>One RRSIG over <paramref name="set"/> (RFC 4034 §3.1.8.1, RFC 4035 §2.2).</summary>
    public static RrsigRData Signature(RRset set, DnssecKey key, DnsName signer, uint inception, uint expiration,
        IReadOnlyDictionary<string, RrsigRData>? previous = null, Dictionary<string, RrsigRData>? made = null)
    {
        // §3.1.3: the labels field does not count the root, nor a wildcard's leftmost "*".
        int labels = set.Name.LabelCount - (set.Name.LabelCount > 0 && set.Name.Labels[0] == "*" ? 1 : 0);
        var unsignedSig = new RrsigRData(set.Type, DnssecKey.Algorithm, (byte)labels, set.Ttl, expiration, inception, key.KeyTag, signer, []);
        var data = SigningData(unsignedSig, set.Name, set.Records);
        // The key tag is in the data, so another key's signature is never taken for ours.
        string id = Convert.ToHexString(SHA256.HashData(data));
        if (previous is null || !previous.TryGetValue(id, out var rrsig))
            rrsig = new RrsigRData(set.Type, DnssecKey.Algorithm, (byte)labels, set.Ttl, expiration, inception, key.KeyTag, signer, key.Sign(data));
        if (made is not null)
            made[id] = rrsig;
        return rrsig;
    }

    /// <summary>
    /// RFC 4034 §3.1.8.1: the RRSIG RDATA without its signature, then each RR of the set in
    /// canonical form (§6.2: owner and RDATA names lower case and uncompressed, the original TTL)
    /// and canonical order (§6.3: by RDATA as octet strings, duplicates removed).
    /// </summary>
    public static byte[] SigningData(RrsigRData rrsig, DnsName owner, IEnumerable<RData> records)
    {
        var w = new DnsWriter(512) { Canonical = true };
        rrsig.WriteWithoutSignature(w);
        var rdatas = records.Select(CanonicalRData).ToList();
        rdatas.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
        byte[]? previous = null;
        foreach (var rdata in rdatas)
        {
            if (previous is not null && previous.AsSpan().SequenceEqual(rdata))
                continue;
            previous = rdata;
            w.WriteName(owner);
            w.WriteUInt16((ushort)rrsig.TypeCovered);
            w.WriteUInt16((ushort)DnsClass.IN);
            w.WriteUInt32(rrsig.OriginalTtl);
            w.WriteUInt16((ushort)rdata.Length);
            w.WriteBytes(rdata);
        }
        return w.ToArray();
    }

    public static byte[] CanonicalRData(RData data)
    {
        var w = new DnsWriter(64) { Canonical = true };
        data.Write(w);
        return w.ToArray();
    }
}
