using System.Net;
using Letterbox.Dns.Challenges;
using Letterbox.Dns.Generation;
using Letterbox.Dns.Zones;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Tests;

public sealed class MailZoneTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("lb-dns-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private static MailZoneInput Input(IReadOnlyList<DkimPublicKey>? dkim = null, string? relay = null) => new(
        "example.test", "mail.example.test", [IPAddress.Parse("192.0.2.25"), IPAddress.Parse("2001:db8::25")], [], relay,
        dkim ?? [], "letsencrypt.org", new MailPorts(587, 465, 143, 993, 995));

    private static Zone Build(MailZoneInput input) => Zone.Build(DnsName.Parse("example.test."), MailZone.Records(input));

    private static string[] At(Zone zone, string name, DnsType type) =>
        zone.Find(DnsName.Parse(name))?.Get(type)?.Records.Select(r => r.ToText()).ToArray() ?? [];

    [Fact]
    public void A_mail_domain_gets_every_record_it_needs()
    {
        var zone = Build(Input([new DkimPublicKey("lb1", "v=DKIM1; k=rsa; p=" + new string('Q', 400))]));
        Assert.Equal(["mail.example.test."], At(zone, "example.test.", DnsType.NS));
        Assert.Equal(["10 mail.example.test."], At(zone, "example.test.", DnsType.MX));
        Assert.Equal(["\"v=spf1 mx -all\""], At(zone, "example.test.", DnsType.TXT));
        Assert.Equal(["192.0.2.25"], At(zone, "mail.example.test.", DnsType.A));
        Assert.Equal(["2001:db8::25"], At(zone, "mail.example.test.", DnsType.AAAA));
        Assert.Equal(["\"v=DMARC1; p=quarantine\""], At(zone, "_dmarc.example.test.", DnsType.TXT));
        Assert.StartsWith("\"v=STSv1; id=", At(zone, "_mta-sts.example.test.", DnsType.TXT)[0]);
        Assert.Equal(["192.0.2.25"], At(zone, "mta-sts.example.test.", DnsType.A));
        Assert.Equal(["\"v=TLSRPTv1; rua=mailto:postmaster@example.test\""], At(zone, "_smtp._tls.example.test.", DnsType.TXT));
        Assert.Equal(["0 1 465 mail.example.test."], At(zone, "_submissions._tcp.example.test.", DnsType.SRV));
        Assert.Equal(["10 1 587 mail.example.test."], At(zone, "_submission._tcp.example.test.", DnsType.SRV));
        Assert.Equal(["0 1 993 mail.example.test."], At(zone, "_imaps._tcp.example.test.", DnsType.SRV));
        Assert.Equal(["10 1 143 mail.example.test."], At(zone, "_imap._tcp.example.test.", DnsType.SRV));
        Assert.Equal(["10 1 995 mail.example.test."], At(zone, "_pop3s._tcp.example.test.", DnsType.SRV));
        Assert.Equal(["mail.example.test."], At(zone, "autoconfig.example.test.", DnsType.CNAME));
        Assert.Equal(["mail.example.test."], At(zone, "autodiscover.example.test.", DnsType.CNAME));
        Assert.Equal(["0 issue \"letsencrypt.org\""], At(zone, "example.test.", DnsType.CAA));

        var dkim = (TxtRData)zone.Find(DnsName.Parse("lb1._domainkey.example.test."))!.Get(DnsType.TXT)!.Records[0];
        Assert.Equal([255, 163], dkim.Strings.Select(s => s.Length));
        Assert.Equal("v=DKIM1; k=rsa; p=" + new string('Q', 400), dkim.Value);
    }

    [Fact]
    public void Spf_allows_the_relay_host_when_mail_leaves_through_one()
    {
        Assert.Equal("v=spf1 mx a:smtp.relay.test -all", MailZone.Spf("smtp.relay.test"));
        Assert.Equal("v=spf1 mx ip4:198.51.100.7 -all", MailZone.Spf("198.51.100.7"));
        Assert.Equal(["\"v=spf1 mx a:smtp.relay.test -all\""], At(Build(Input(relay: "smtp.relay.test")), "example.test.", DnsType.TXT));
    }

    [Fact]
    public void The_serial_stays_while_the_content_does_and_grows_when_it_changes()
    {
        var serials = new ZoneSerials(_data);
        var first = serials.Assign(Build(Input()), persist: true);
        var again = new ZoneSerials(_data).Assign(Build(Input()), persist: true);
        Assert.Equal(first.Soa.Serial, again.Soa.Serial);

        var changed = serials.Assign(Build(Input(relay: "smtp.relay.test")), persist: true);
        Assert.True(changed.Soa.Serial > first.Soa.Serial);
        var back = serials.Assign(Build(Input()), persist: true);
        Assert.True(back.Soa.Serial > changed.Soa.Serial);
    }

    [Fact]
    public void Challenge_values_are_published_and_withdrawn_one_file_per_name()
    {
        ChallengeRecords.Publish(_data, "_acme-challenge.Mail.Example.Test.", "token-1");
        ChallengeRecords.Publish(_data, "_acme-challenge.mail.example.test", "token-2");
        var path = Path.Combine(_data, "dns", "challenges", "_acme-challenge.mail.example.test");
        Assert.Equal(["token-1", "token-2"], File.ReadAllLines(path));
        Assert.Equal(["token-1", "token-2"], ChallengeRecords.All(_data).Single().Values);

        ChallengeRecords.Withdraw(_data, "_acme-challenge.mail.example.test", "token-1");
        Assert.Equal(["token-2"], File.ReadAllLines(path));
        ChallengeRecords.Withdraw(_data, "_acme-challenge.mail.example.test", "token-2");
        Assert.False(File.Exists(path));
        Assert.Empty(ChallengeRecords.All(_data));
        Assert.Throws<ArgumentException>(() => ChallengeRecords.Publish(_data, "../etc/passwd", "x"));
        Assert.Throws<ArgumentException>(() => ChallengeRecords.Publish(_data, "a.test", "two\nlines"));
    }

    [Fact]
    public void The_master_file_export_reads_back_as_the_same_zone()
    {
        var zone = new ZoneSerials(_data).Assign(Build(Input([new DkimPublicKey("lb1", "v=DKIM1; k=rsa; p=" + new string('Q', 400))])), persist: false);
        var text = MasterFile.Write(zone);
        var back = Zone.Build(zone.Apex, MasterFile.Read(text, DnsName.Root, "export"));
        Assert.Equal(zone.Records().Select(r => r.ToText()), back.Records().Select(r => r.ToText()));
        Assert.Equal(ZoneSerials.ContentHash(zone), ZoneSerials.ContentHash(back));
    }

    [Theory]
    [InlineData("www IN CNAME mail\nwww IN A 192.0.2.1\n", "CNAME cannot sit beside")]
    [InlineData("x.other.test. IN A 192.0.2.1\n", "outside the zone")]
    [InlineData("$INCLUDE /etc/passwd\n", "unsupported directive")]
    [InlineData("x IN A 300.1.1.1\n", "not an IPv4 address")]
    [InlineData("x IN TXT \"unterminated\n", "unterminated")]
    [InlineData("x IN BOGUS 1\n", "unknown record type")]
    public void Bad_master_files_are_refused_with_the_line(string body, string reason)
    {
        var text = "@ IN SOA mail hostmaster 1 3600 900 1209600 300\n@ IN NS mail\n" + body;
        var e = Assert.Throws<ZoneException>(() => Zone.Build(DnsName.Parse("example.test."), MasterFile.Read(text, DnsName.Parse("example.test."), "user.zone")));
        Assert.Contains(reason, e.Message);
    }
}
