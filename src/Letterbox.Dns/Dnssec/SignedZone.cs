using Letterbox.Dns.Zones;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Dnssec;

/// <summary>
/// A zone with its DNSSEC data: the zone as served (the DNSKEY RRset added at the apex), the NSEC
/// chain over every authoritative name, and one RRSIG per authoritative RRset. Immutable; made by
/// <see cref="ZoneSigner"/>. NSEC and RRSIG live beside the zone rather than in it because they are
/// the only types that may share a name with a CNAME (RFC 4035 §2.5), and because an RRSIG "RRset"
/// holds signatures of differing TTLs.
/// </summary>
public sealed class SignedZone
{
    private readonly DnsName[] _chain;
    private readonly Dictionary<string, RRset> _nsec;
    private readonly Dictionary<(string, DnsType), RRset> _signatures;
    private readonly Dictionary<string, RRset> _signaturesByName;

    internal SignedZone(Zone zone, DnssecKey key, uint unsignedSerial, long epoch, DnsName[] chain, Dictionary<string, RRset> nsec,
        Dictionary<(string, DnsType), RRset> signatures, IReadOnlyDictionary<string, RrsigRData> signaturesByData)
    {
        SignaturesByData = signaturesByData;
        Zone = zone;
        Key = key;
        UnsignedSerial = unsignedSerial;
        Epoch = epoch;
        _chain = chain;
        _nsec = nsec;
        _signatures = signatures;
        _signaturesByName = signatures.Values.GroupBy(s => s.Name.Key, StringComparer.Ordinal).ToDictionary(g => g.Key,
            g => new RRset(g.First().Name, DnsType.RRSIG, g.Min(s => s.Ttl), g.SelectMany(s => s.Records).ToList()), StringComparer.Ordinal);
    }

    /// <summary>The zone as served: what was given, with the DNSKEY RRset and the signing serial.</summary>
    public Zone Zone { get; }

    public DnssecKey Key { get; }

    /// <summary>The serial the zone had before signing; with <see cref="Epoch"/> it says whether a cached signing still fits.</summary>
    public uint UnsignedSerial { get; }

    /// <summary>The start of the signatures' validity period (Unix seconds), see <see cref="ZoneSigner.EpochOf"/>.</summary>
    public long Epoch { get; }

    /// <summary>Every signature by the SHA-256 of its signing data, for the next signing of this zone to reuse.</summary>
    internal IReadOnlyDictionary<string, RrsigRData> SignaturesByData { get; }

    /// <summary>The names that own an NSEC record, in canonical order.</summary>
    public IReadOnlyList<DnsName> Chain => _chain;

    /// <summary>The RRSIG over one RRset (owner as in the zone, e.g. "*.wild" for a wildcard), or null for unsigned data (glue, a delegation's NS).</summary>
    public RRset? Signature(DnsName owner, DnsType covered) => _signatures.GetValueOrDefault((owner.Key, covered));

    /// <summary>Every signature at a name, as one set: the answer to a query for type RRSIG.</summary>
    public RRset? SignaturesAt(DnsName owner) => _signaturesByName.GetValueOrDefault(owner.Key);

    /// <summary>The NSEC RRset owned by <paramref name="owner"/>, or null when the name is not in the chain.</summary>
    public RRset? Nsec(DnsName owner) => _nsec.GetValueOrDefault(owner.Key);

    /// <summary>
    /// The NSEC that proves <paramref name="name"/> does not exist (or is an empty non-terminal):
    /// the one whose owner is the last chain name before it in canonical order (RFC 4034 §4.1.1).
    /// </summary>
    public RRset Covering(DnsName name)
    {
        int at = Array.BinarySearch(_chain, name, CanonicalNameOrder.Instance);
        int index = at >= 0 ? at : ~at - 1;
        // The apex sorts first and every name asked about lies below it; a wrap covers names past the last.
        if (index < 0)
            index = _chain.Length - 1;
        return _nsec[_chain[index].Key];
    }

    /// <summary>Every record for a zone transfer: the zone's own, then each chain name's NSEC and signatures.</summary>
    public IEnumerable<ResourceRecord> Records()
    {
        foreach (var r in Zone.Records())
            yield return r;
        foreach (var name in _chain)
        {
            var nsec = _nsec[name.Key];
            yield return new ResourceRecord(nsec.Name, nsec.Ttl, nsec.Records[0]);
        }
        foreach (var set in _signatures.Values.OrderBy(s => s.Name, CanonicalNameOrder.Instance).ThenBy(s => (int)((RrsigRData)s.Records[0]).TypeCovered))
            foreach (var r in set.Records)
                yield return new ResourceRecord(set.Name, set.Ttl, r);
    }
}
