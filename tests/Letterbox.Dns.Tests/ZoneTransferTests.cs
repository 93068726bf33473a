using Letterbox.Dns.Answering;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Tests;

public class ZoneTransferTests
{
    private static List<DnsMessage> Transfer(bool allowed, string zone = "example.test.", DnsType type = DnsType.AXFR)
    {
        var query = DnsMessage.Query(7, DnsName.Parse(zone), type);
        var key = new char[DnsNameReader.MaxKeyLength];
        Assert.Equal(DnsQueryStatus.Ok, DnsQuery.Parse(query, key, out var q));
        return ZoneTransfer.Respond(TestZone.Zones(), query, q, allowed).Select(m => DnsMessage.Parse(m)).ToList();
    }

    [Fact]
    public void A_secondary_gets_the_zone_between_two_soas()
    {
        var messages = Transfer(allowed: true);
        var records = messages.SelectMany(m => m.Answers).ToList();
        Assert.Equal(DnsType.SOA, records[0].Type);
        Assert.Equal(DnsType.SOA, records[^1].Type);
        Assert.Equal(2, records.Count(r => r.Type == DnsType.SOA));
        var zone = TestZone.Zones().Zones.Single();
        Assert.Equal(zone.Records().Count() + 1, records.Count);
        Assert.All(messages, m => Assert.True(m.Header.Authoritative));
        Assert.Single(messages[0].Questions);
    }

    [Fact]
    public void Anyone_else_is_refused_and_unknown_zones_are_notauth()
    {
        Assert.Equal(DnsRcode.Refused, Assert.Single(Transfer(allowed: false)).Rcode);
        Assert.Equal(DnsRcode.NotAuth, Assert.Single(Transfer(allowed: true, zone: "other.test.")).Rcode);
        Assert.Equal(DnsRcode.NotAuth, Assert.Single(Transfer(allowed: true, zone: "mail.example.test.")).Rcode);
    }

    [Fact]
    public void Ixfr_without_history_gets_the_whole_zone()
    {
        var query = IxfrTests.IxfrQuery(7, "example.test.", 0);
        var key = new char[DnsNameReader.MaxKeyLength];
        Assert.Equal(DnsQueryStatus.Ok, DnsQuery.Parse(query, key, out var q));
        var records = ZoneTransfer.Respond(TestZone.Zones(), query, q, allowed: true).Select(m => DnsMessage.Parse(m)).SelectMany(m => m.Answers).ToList();
        Assert.Equal(DnsType.SOA, records[0].Type);
        Assert.True(records.Count > 10);
    }
}

public class NotifyTests
{
    [Fact]
    public void A_notify_carries_the_zone_soa_with_opcode_notify_and_aa()
    {
        var zone = TestZone.Zones().Zones.Single();
        var m = DnsMessage.Parse(Notify.Message(99, zone));
        Assert.Equal(DnsOpcode.Notify, m.Header.Opcode);
        Assert.True(m.Header.Authoritative);
        Assert.False(m.Header.IsResponse);
        Assert.Equal(new DnsQuestion(zone.Apex, DnsType.SOA), m.Questions.Single());
        Assert.Equal(zone.Soa.Serial, ((SoaRData)m.Answers.Single().Data).Serial);

        byte[] ack = [0, 99, 0xA4, 0, 0, 0, 0, 0, 0, 0, 0, 0]; // QR, opcode 4, AA
        Assert.True(Notify.IsAcknowledgement(ack, 99));
        Assert.False(Notify.IsAcknowledgement(ack, 98));
        Assert.False(Notify.IsAcknowledgement([0, 99, 0x84, 0, 0, 0, 0, 0, 0, 0, 0, 0], 99)); // a plain query response
    }
}
