using Letterbox.Dns.Zones;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Journal;

/// <summary>One step of a zone's history: what went from serial <see cref="From"/> to <see cref="To"/> (RFC 1995 §4).</summary>
public sealed record ZoneDiff(ResourceRecord OldSoa, ResourceRecord NewSoa, IReadOnlyList<ResourceRecord> Deleted, IReadOnlyList<ResourceRecord> Added)
{
    public uint From => ((SoaRData)OldSoa.Data).Serial;
    public uint To => ((SoaRData)NewSoa.Data).Serial;
    public int Size => Deleted.Count + Added.Count + 2;
}

/// <summary>
/// The recent history of every zone, kept in memory so an IXFR (RFC 1995) from a serial we have
/// seen gets only the changes. Bounded in steps and in records per zone: the oldest steps go
/// first, and a secondary further behind gets the whole zone instead (§4 allows that). A
/// restart forgets the history; the first transfer after it is then a full one.
/// </summary>
public sealed class ZoneJournal(int maxSteps = 64, int maxRecords = 100_000)
{
    private readonly Dictionary<string, List<ZoneDiff>> _byApex = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Records the step from <paramref name="before"/> to <paramref name="after"/>; a zone seen for the first time has no step yet.</summary>
    public void Record(Zone? before, Zone after)
    {
        if (before is null || before.Soa.Serial == after.Soa.Serial)
            return;
        var diff = Diff(before, after);
        lock (_lock)
        {
            if (!_byApex.TryGetValue(after.Apex.Key, out var steps))
                _byApex[after.Apex.Key] = steps = [];
            // A history that does not end where this step starts (a zone dropped and re-added) is useless.
            if (steps.Count > 0 && steps[^1].To != diff.From)
                steps.Clear();
            steps.Add(diff);
            int total = steps.Sum(s => s.Size);
            while (steps.Count > maxSteps || (total > maxRecords && steps.Count > 0))
            {
                total -= steps[0].Size;
                steps.RemoveAt(0);
            }
        }
    }

    /// <summary>
    /// The steps from serial <paramref name="from"/> to the zone's current serial
    /// <paramref name="to"/>, or null when the journal does not reach that far back.
    /// </summary>
    public IReadOnlyList<ZoneDiff>? Since(DnsName apex, uint from, uint to)
    {
        lock (_lock)
        {
            if (!_byApex.TryGetValue(apex.Key, out var steps))
                return null;
            int first = steps.FindIndex(s => s.From == from);
            if (first < 0 || steps[^1].To != to)
                return null;
            return steps.Skip(first).ToList();
        }
    }

    /// <summary>
    /// Deleted: in the old zone, not the new; added: the reverse. A TTL change is both (RFC 1995 §4
    /// compares whole RRs). A signed zone is compared as transferred, DNSKEY, NSEC and RRSIG
    /// included, so a secondary following by IXFR gets the new signatures too.
    /// </summary>
    public static ZoneDiff Diff(Zone before, Zone after)
    {
        var oldRecords = Transferred(before);
        var newRecords = Transferred(after);
        var old = oldRecords.ToHashSet();
        var fresh = newRecords.ToHashSet();
        return new ZoneDiff(
            new ResourceRecord(before.Apex, before.SoaSet.Ttl, before.Soa),
            new ResourceRecord(after.Apex, after.SoaSet.Ttl, after.Soa),
            oldRecords.Where(r => !fresh.Contains(r)).ToList(),
            newRecords.Where(r => !old.Contains(r)).ToList());
    }

    private static List<ResourceRecord> Transferred(Zone zone) =>
        Dnssec.ZoneSigner.SignedRecords(zone).Where(r => r.Type != DnsType.SOA).ToList();
}
