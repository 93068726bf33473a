using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Zones;

/// <summary>The zones one server answers for; a name belongs to the zone with the longest matching apex.</summary>
public sealed class ZoneSet
{
    private readonly Dictionary<string, Zone> _byApex;

    public ZoneSet(IEnumerable<Zone> zones)
    {
        _byApex = new(StringComparer.Ordinal);
        foreach (var z in zones)
        {
            if (!_byApex.TryAdd(z.Apex.Key, z))
                throw new ZoneException($"zone {z.Apex} is defined twice");
        }
    }

    public static readonly ZoneSet Empty = new([]);

    public IReadOnlyCollection<Zone> Zones => _byApex.Values;

    public Zone? Get(DnsName apex) => _byApex.GetValueOrDefault(apex.Key);

    /// <summary>The most specific zone containing <paramref name="name"/>, or null (we answer REFUSED).</summary>
    public Zone? FindZone(DnsName name)
    {
        for (int skip = 0; skip <= name.LabelCount; skip++)
        {
            if (_byApex.TryGetValue(name.SuffixKey(skip), out var zone))
                return zone;
        }
        return null;
    }
}
