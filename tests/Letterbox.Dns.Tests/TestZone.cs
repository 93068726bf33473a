using Letterbox.Dns.Answering;
using Letterbox.Dns.Zones;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Tests;

/// <summary>A zone with one of everything the answer algorithm distinguishes, and a way to ask it.</summary>
internal static class TestZone
{
    public const string Text = """
        $ORIGIN example.test.
        $TTL 3600
        @       IN SOA  mail.example.test. hostmaster.example.test. ( 1 3600 900 1209600 300 )
                IN NS   mail
                IN MX   10 mail
                IN TXT  "v=spf1 mx -all"
        mail    IN A    192.0.2.25
                IN AAAA 2001:db8::25
        www     IN CNAME mail
        chain   IN CNAME www
        dangling IN CNAME nowhere
        outside IN CNAME host.elsewhere.test.
        *.wild  IN TXT  "wildcard"
        *.wild  IN MX   5 mail
        a.b.deep IN A   192.0.2.9
        child   IN NS   ns1.child
                IN NS   ns.elsewhere.test.
        ns1.child IN A  192.0.2.53
        _imaps._tcp IN SRV 0 1 993 mail
        """;

    public static ZoneSet Zones() =>
        new([Zone.Build(DnsName.Parse("example.test."), MasterFile.Read(Text, DnsName.Parse("example.test."), "test"))]);

    public static DnsMessage Ask(Responder responder, string name, DnsType type, ushort? edns = null, bool tcp = false)
    {
        var query = DnsMessage.Query(0x4242, DnsName.Parse(name), type, edns);
        var buffer = new byte[65535];
        int n = responder.Respond(query, buffer, tcp);
        Assert.True(n > 0, "no response");
        var m = DnsMessage.Parse(buffer.AsSpan(0, n));
        Assert.Equal(0x4242, m.Header.Id);
        Assert.True(m.Header.IsResponse);
        Assert.False(m.Header.RecursionAvailable);
        return m;
    }
}
