using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Zones;

/// <summary>The records of one type at one name (RFC 2181 §5: one TTL for all of them).</summary>
public sealed class RRset(DnsName name, DnsType type, uint ttl, IReadOnlyList<RData> records)
{
    public DnsName Name { get; } = name;
    public DnsType Type { get; } = type;
    public uint Ttl { get; } = ttl;
    public IReadOnlyList<RData> Records { get; } = records;
}

/// <summary>A name in a zone. A node with no RRsets is an empty non-terminal: it exists (NODATA, not NXDOMAIN) because names below it do (RFC 8020).</summary>
public sealed class ZoneNode(DnsName name)
{
    public DnsName Name { get; } = name;
    public Dictionary<DnsType, RRset> Sets { get; } = [];

    public RRset? Get(DnsType type) => Sets.GetValueOrDefault(type);
}

/// <summary>A problem that stops a zone from loading, with the record it concerns.</summary>
public sealed class ZoneException(string message) : Exception(message);

/// <summary>
/// One zone in memory, immutable once built: its apex, SOA, and every name (with the empty
/// non-terminals between them and the apex), looked up by <see cref="DnsName.Key"/>.
/// </summary>
public sealed class Zone
{
    private readonly Dictionary<string, ZoneNode> _nodes;

    private Zone(DnsName apex, Dictionary<string, ZoneNode> nodes, RRset soa)
    {
        Apex = apex;
        _nodes = nodes;
        SoaSet = soa;
    }

    public DnsName Apex { get; }

    public RRset SoaSet { get; }

    public SoaRData Soa => (SoaRData)SoaSet.Records[0];

    public IEnumerable<ZoneNode> Nodes => _nodes.Values;

    public ZoneNode? Find(DnsName name) => _nodes.GetValueOrDefault(name.Key);

    public ZoneNode? Find(string key) => _nodes.GetValueOrDefault(key);

    /// <summary>Every record, apex first (SOA leading), then names in DNSSEC canonical order (RFC 4034 §6.1).</summary>
    public IEnumerable<ResourceRecord> Records()
    {
        foreach (var node in _nodes.Values.OrderBy(n => n.Name, CanonicalNameOrder.Instance))
        {
            var sets = node.Sets.Values.OrderBy(s => s.Type == DnsType.SOA ? -1 : (int)s.Type);
            foreach (var set in sets)
                foreach (var r in set.Records)
                    yield return new ResourceRecord(set.Name, set.Ttl, r);
        }
    }

    /// <summary>
    /// Builds a zone, checking what a loader must refuse: records outside the apex, no SOA or
    /// more than one, CNAME beside other data (RFC 1034 §3.6.2), a CNAME at the apex.
    /// Identical records are merged; an RRset with differing TTLs takes the smallest (RFC 2181 §5.2).
    /// </summary>
    public static Zone Build(DnsName apex, IEnumerable<ResourceRecord> records)
    {
        var nodes = new Dictionary<string, ZoneNode>(StringComparer.Ordinal);
        var byNameType = new Dictionary<(string, DnsType), (DnsName Name, uint Ttl, List<RData> Data)>();
        foreach (var r in records)
        {
            if (!r.Name.IsAtOrBelow(apex))
                throw new ZoneException($"{r.Name} is outside the zone {apex}");
            if (r.Type is DnsType.OPT or DnsType.ANY or DnsType.AXFR or DnsType.IXFR or DnsType.TSIG)
                throw new ZoneException($"{r.Name}: type {r.Type} cannot be in a zone");
            var k = (r.Name.Key, r.Type);
            if (byNameType.TryGetValue(k, out var set))
            {
                if (!set.Data.Contains(r.Data))
                    set.Data.Add(r.Data);
                byNameType[k] = (set.Name, Math.Min(set.Ttl, r.Ttl), set.Data);
            }
            else
            {
                byNameType[k] = (r.Name, r.Ttl, [r.Data]);
            }
        }
        foreach (var ((key, type), (name, ttl, data)) in byNameType)
        {
            if (!nodes.TryGetValue(key, out var node))
                nodes[key] = node = new ZoneNode(name);
            node.Sets[type] = new RRset(node.Name, type, ttl, data);
        }
        if (!nodes.TryGetValue(apex.Key, out var top) || top.Get(DnsType.SOA) is not { } soa)
            throw new ZoneException($"zone {apex} has no SOA record at its apex");
        if (soa.Records.Count != 1)
            throw new ZoneException($"zone {apex} has {soa.Records.Count} SOA records");
        foreach (var node in nodes.Values.ToList())
        {
            if (node.Sets.ContainsKey(DnsType.SOA) && node != top)
                throw new ZoneException($"{node.Name}: an SOA below the apex belongs in its own zone");
            if (node.Sets.ContainsKey(DnsType.CNAME) && node.Sets.Count > 1)
                throw new ZoneException($"{node.Name}: a CNAME cannot sit beside other records (RFC 1034 §3.6.2)");
            if (node.Sets.ContainsKey(DnsType.CNAME) && node == top)
                throw new ZoneException($"{node.Name}: the apex cannot be a CNAME");
            // Empty non-terminals: every name between this one and the apex exists.
            for (var up = node.Name.Parent(); up.LabelCount > apex.LabelCount; up = up.Parent())
            {
                if (!nodes.ContainsKey(up.Key))
                    nodes[up.Key] = new ZoneNode(up);
            }
        }
        return new Zone(apex, nodes, soa);
    }

    /// <summary>A copy with another SOA serial (content unchanged otherwise).</summary>
    public Zone WithSerial(uint serial)
    {
        var records = Records().Select(r => r.Data is SoaRData s ? r with { Data = s.WithSerial(serial) } : r);
        return Build(Apex, records);
    }
}

/// <summary>
/// RFC 4034 §6.1 canonical order: labels compared from the root down as octet strings, with only
/// A-Z folded to lower case (so a name with octets above 127 sorts as validators sort it).
/// </summary>
public sealed class CanonicalNameOrder : IComparer<DnsName>
{
    public static readonly CanonicalNameOrder Instance = new();

    public int Compare(DnsName? x, DnsName? y)
    {
        if (x is null || y is null)
            return x is null ? (y is null ? 0 : -1) : 1;
        int i = x.LabelCount - 1, j = y.LabelCount - 1;
        for (; i >= 0 && j >= 0; i--, j--)
        {
            int c = CompareLabel(x.Labels[i], y.Labels[j]);
            if (c != 0)
                return c;
        }
        return x.LabelCount.CompareTo(y.LabelCount);
    }

    private static int CompareLabel(string a, string b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int k = 0; k < n; k++)
        {
            int c = Fold(a[k]) - Fold(b[k]);
            if (c != 0)
                return c;
        }
        return a.Length - b.Length;
    }

    private static int Fold(char c) => c is >= 'A' and <= 'Z' ? c + 32 : c;
}
