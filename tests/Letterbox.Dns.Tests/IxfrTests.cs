using Letterbox.Dns.Answering;
using Letterbox.Dns.Journal;
using Letterbox.Dns.Zones;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Tests;

/// <summary>IXFR (RFC 1995) from the zone journal: deltas for known serials, the whole zone otherwise.</summary>
public class IxfrTests
{
    private static readonly DnsName Apex = DnsName.Parse("example.test.");

    private static Zone Version(uint serial, string extra) => Zone.Build(Apex, MasterFile.Read(
        TestZone.Text.Replace("( 1 3600", $"( {serial} 3600", StringComparison.Ordinal) + "\n" + extra, Apex, "test"));

    /// <summary>An IXFR request: the question, and the client's SOA in the authority section (§3).</summary>
    public static byte[] IxfrQuery(ushort id, string zone, uint serial)
    {
        var name = DnsName.Parse(zone);
        var w = new DnsWriter();
        w.WriteHeader(new DnsHeader { Id = id, QdCount = 1, NsCount = 1 });
        w.WriteName(name);
        w.WriteUInt16((ushort)DnsType.IXFR);
        w.WriteUInt16((ushort)DnsClass.IN);
        w.WriteRecord(name, 0, new SoaRData(DnsName.Parse("a."), DnsName.Parse("b."), serial, 0, 0, 0, 0));
        return w.ToArray();
    }

    private static List<ResourceRecord> Ixfr(Zone current, uint serial, ZoneJournal journal, byte[]? query = null)
    {
        query ??= IxfrQuery(9, "example.test.", serial);
        var key = new char[DnsNameReader.MaxKeyLength];
        Assert.Equal(DnsQueryStatus.Ok, DnsQuery.Parse(query, key, out var q));
        var messages = ZoneTransfer.Respond(new ZoneSet([current]), query, q, new TransferPolicy { AddressAllowed = true, Journal = journal });
        var parsed = messages.Select(m => DnsMessage.Parse(m)).ToList();
        Assert.All(parsed, m => Assert.Equal(DnsRcode.NoError, m.Rcode));
        return parsed.SelectMany(m => m.Answers).ToList();
    }

    private static uint Serial(ResourceRecord r) => ((SoaRData)r.Data).Serial;

    private static string Text(IEnumerable<ResourceRecord> rs) => string.Join("\n", rs.Select(r => r.ToText()));

    [Fact]
    public void A_known_serial_gets_the_deletions_and_additions_between_soas()
    {
        var v1 = Version(1, "old IN TXT \"going\"\nttl 600 IN A 192.0.2.1\n");
        var v2 = Version(2, "new IN TXT \"coming\"\nttl 300 IN A 192.0.2.1\n");
        var journal = new ZoneJournal();
        journal.Record(null, v1);
        journal.Record(v1, v2);

        var records = Ixfr(v2, 1, journal);
        // SOA 2, [SOA 1, deleted, SOA 2, added], SOA 2
        Assert.Equal([2u, 1u], records.Take(2).Select(Serial));
        int middle = records.FindIndex(2, r => r.Type == DnsType.SOA);
        Assert.Equal(2u, Serial(records[middle]));
        var deleted = records[2..middle];
        var added = records[(middle + 1)..^1];
        Assert.Equal(2u, Serial(records[^1]));
        Assert.Equal(DnsType.SOA, records[^1].Type);
        Assert.Contains("old.example.test.\t3600\tIN\tTXT\t\"going\"", Text(deleted));
        Assert.Contains("ttl.example.test.\t600\tIN\tA\t192.0.2.1", Text(deleted));
        Assert.Contains("new.example.test.\t3600\tIN\tTXT\t\"coming\"", Text(added));
        Assert.Contains("ttl.example.test.\t300\tIN\tA\t192.0.2.1", Text(added));
        Assert.Equal(2, deleted.Count);
        Assert.Equal(2, added.Count);
    }

    [Fact]
    public void A_signed_zone_sends_its_new_signatures_in_the_delta()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ixfr-dnssec-" + Guid.NewGuid().ToString("N"));
        try
        {
            var signer = new Dnssec.ZoneSigner(new Dnssec.DnssecKeyStore(dir));
            // Date-style serials, as ZoneSerials makes them (above the signer's epoch counter).
            var v1 = signer.Sign(new ZoneSet([Version(2026112601, "")])).Zones.Single();
            var v2 = signer.Sign(new ZoneSet([Version(2026112602, "signed IN TXT \"new\"\n")])).Zones.Single();
            var journal = new ZoneJournal();
            journal.Record(v1, v2);
            var records = Ixfr(v2, v1.Soa.Serial, journal);
            int middle = records.FindIndex(2, r => r.Type == DnsType.SOA);
            var added = records[(middle + 1)..^1];
            Assert.Contains(added, r => r.Name.Key == "signed.example.test." && r.Type == DnsType.TXT);
            Assert.Contains(added, r => r.Name.Key == "signed.example.test." && r.Type == DnsType.RRSIG);
            Assert.Contains(added, r => r.Type == DnsType.NSEC);
            // The SOA's signature changed with the serial: the old one goes, the new one comes.
            Assert.Contains(records[2..middle], r => r.Type == DnsType.RRSIG && r.Name.Key == Apex.Key);
            Assert.Contains(added, r => r.Type == DnsType.RRSIG && r.Name.Key == Apex.Key);
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Two_steps_are_sent_in_order_and_a_later_serial_gets_only_its_step()
    {
        var v1 = Version(1, "");
        var v2 = Version(2, "a IN TXT \"a\"\n");
        var v3 = Version(3, "a IN TXT \"a\"\nb IN TXT \"b\"\n");
        var journal = new ZoneJournal();
        journal.Record(v1, v2);
        journal.Record(v2, v3);
        var fromOne = Ixfr(v3, 1, journal);
        Assert.Equal([3u, 1u, 2u, 2u, 3u, 3u], fromOne.Where(r => r.Type == DnsType.SOA).Select(Serial));
        Assert.Equal(2, fromOne.Count(r => r.Type == DnsType.TXT && r.Name.Key != Apex.Key));
        var fromTwo = Ixfr(v3, 2, journal);
        Assert.Equal([3u, 2u, 3u, 3u], fromTwo.Where(r => r.Type == DnsType.SOA).Select(Serial));
        Assert.Single(fromTwo, r => r.Name.Key == "b.example.test.");
    }

    [Fact]
    public void The_current_or_a_newer_serial_gets_the_soa_alone()
    {
        var v5 = Version(5, "");
        var journal = new ZoneJournal();
        Assert.Equal(5u, Serial(Assert.Single(Ixfr(v5, 5, journal))));
        Assert.Equal(5u, Serial(Assert.Single(Ixfr(v5, 6, journal))));
        // RFC 1982: 5 is newer than 0xFFFFFFF0, so that client is behind and gets the zone.
        Assert.True(Ixfr(v5, 0xFFFFFFF0, journal).Count > 2);
    }

    [Fact]
    public void An_unknown_or_forgotten_serial_gets_the_whole_zone_axfr_style()
    {
        var journal = new ZoneJournal(maxSteps: 2);
        var versions = Enumerable.Range(1, 4).Select(i => Version((uint)i, $"v{i} IN TXT \"{i}\"\n")).ToList();
        for (int i = 1; i < versions.Count; i++)
            journal.Record(versions[i - 1], versions[i]);
        var current = versions[^1];
        // Steps 1->2 fell out of the journal (two steps kept): serial 1 gets the zone.
        var full = Ixfr(current, 1, journal);
        Assert.Equal(2, full.Count(r => r.Type == DnsType.SOA));
        Assert.Equal(current.Records().Count() + 1, full.Count);
        Assert.Equal(6, Ixfr(current, 2, journal).Count(r => r.Type == DnsType.SOA)); // SOA 4, [2, 3], [3, 4], SOA 4
        Assert.Equal(current.Records().Count() + 1, Ixfr(current, 0xFFFFFF00, journal).Count); // behind, unknown
        Assert.Equal(current.Records().Count() + 1, Ixfr(current, 1, new ZoneJournal()).Count);
    }

    [Fact]
    public void The_journal_is_bounded_in_records_too()
    {
        var journal = new ZoneJournal(maxSteps: 100, maxRecords: 50);
        var v1 = Version(1, "");
        var v2 = Version(2, string.Concat(Enumerable.Range(0, 40).Select(i => $"h{i} IN A 192.0.2.{i}\n")));
        var v3 = Version(3, string.Concat(Enumerable.Range(0, 40).Select(i => $"g{i} IN A 192.0.2.{i}\n")));
        journal.Record(v1, v2);
        journal.Record(v2, v3);
        Assert.Null(journal.Since(Apex, 1, 3));
        Assert.Null(journal.Since(Apex, 2, 3)); // 80 changes alone exceed 50
        journal.Record(v3, Version(4, string.Concat(Enumerable.Range(0, 40).Select(i => $"g{i} IN A 192.0.2.{i}\n")) + "x IN A 192.0.2.1\n"));
        Assert.NotNull(journal.Since(Apex, 3, 4));
    }

    [Fact]
    public void An_ixfr_without_the_clients_soa_is_formerr_and_udp_ixfr_gets_the_soa()
    {
        var query = DnsMessage.Query(3, Apex, DnsType.IXFR);
        var key = new char[DnsNameReader.MaxKeyLength];
        Assert.Equal(DnsQueryStatus.Ok, DnsQuery.Parse(query, key, out var q));
        var reply = Assert.Single(ZoneTransfer.Respond(TestZone.Zones(), query, q, new TransferPolicy { AddressAllowed = true }));
        Assert.Equal(DnsRcode.FormErr, DnsMessage.Parse(reply).Rcode);

        // Over UDP: the SOA alone (RFC 1995 §2), which sends the client to TCP if it is behind.
        var responder = new Responder(TestZone.Zones());
        var buffer = new byte[65535];
        int n = responder.Respond(IxfrQuery(4, "example.test.", 0), buffer, tcp: false);
        var m = DnsMessage.Parse(buffer.AsSpan(0, n));
        Assert.Equal(DnsRcode.NoError, m.Rcode);
        Assert.Equal(DnsType.SOA, Assert.Single(m.Answers).Type);
        // A name that is not a zone apex is still refused, and AXFR over UDP too.
        n = responder.Respond(IxfrQuery(5, "mail.example.test.", 0), buffer, tcp: false);
        Assert.Equal(DnsRcode.Refused, DnsMessage.Parse(buffer.AsSpan(0, n)).Rcode);
        Assert.Equal(DnsRcode.Refused, TestZone.Ask(responder, "example.test.", DnsType.AXFR).Rcode);
    }

    [Fact]
    public void Hostile_ixfr_authority_sections_are_formerr_not_exceptions()
    {
        var good = IxfrQuery(6, "example.test.", 1);
        var key = new char[DnsNameReader.MaxKeyLength];
        for (int length = DnsHeader.Size; length < good.Length; length++)
        {
            var cut = good[..length];
            if (DnsQuery.Parse(cut, key, out var q) != DnsQueryStatus.Ok)
                continue;
            var reply = ZoneTransfer.Respond(TestZone.Zones(), cut, q, new TransferPolicy { AddressAllowed = true });
            Assert.Equal(DnsRcode.FormErr, DnsMessage.Parse(reply[0]).Rcode);
        }
        // An SOA whose RDATA is too short for its fields: RDLENGTH says 4 of the 26 octets, the rest trails.
        var shortSoa = good.ToArray();
        shortSoa[^28] = 0;
        shortSoa[^27] = 4;
        Assert.Equal(DnsQueryStatus.Ok, DnsQuery.Parse(shortSoa, key, out var q2));
        Assert.Equal(DnsRcode.FormErr, DnsMessage.Parse(ZoneTransfer.Respond(TestZone.Zones(), shortSoa, q2, new TransferPolicy { AddressAllowed = true })[0]).Rcode);
    }
}
