using Letterbox.Tests.Harness;

namespace Letterbox.Tests.Dns;

/// <summary>
/// One `letterbox dev` for the DNS tests, with user records added the way a user adds them: a
/// master file dropped in &lt;data&gt;/dns/zones/ (one merged into the mail domain, one a zone of
/// its own), picked up by the running daemon without a restart.
/// </summary>
public sealed class DnsAppliance : IDisposable
{
    /// <summary>Records of every type a user may add, and the shapes the answer algorithm must get right.</summary>
    public const string UserRecords = """
        ; user records for example.test, merged into the generated zone
        $TTL 600
        www        IN CNAME mail
        chain      IN CNAME www
        dangling   IN CNAME nowhere
        outside    IN CNAME host.elsewhere.test.
        ipv6       IN AAAA 2001:db8::25
        *.wild     IN TXT  "wildcard"
        *.wild     IN A    192.0.2.80
        a.b.deep   IN A    192.0.2.9
        child      IN NS   ns1.child
                   IN NS   ns.elsewhere.test.
        ns1.child  IN A    192.0.2.53
        _25._tcp.mail IN TLSA 3 1 1 ( 0123456789ABCDEF0123456789ABCDEF
                                      0123456789ABCDEF0123456789ABCDEF )
        mail       IN SSHFP 4 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
        25.2.0.192.in-addr IN PTR mail.example.test.
        long       IN TXT "first string" "second \"quoted\" string"
        """;

    public const string OtherZone = """
        $ORIGIN other.test.
        @    3600 IN A 192.0.2.44
        www  3600 IN CNAME @
        """;

    public DevAppliance App { get; }
    public DnsPeer Dns { get; }
    public int NsdSecondaryPort { get; }

    public DnsAppliance()
    {
        // 127.0.0.1 may transfer the zones (the NSD secondary of the differential test); 127.0.0.2 may not.
        // No rate limiting here: these tests send hundreds of queries a second from one address.
        // NOTIFY goes to the port the secondary test will run NSD on.
        NsdSecondaryPort = NsdServer.FreeUdpAndTcpPort();
        App = new DevAppliance($"[dns]\nsecondaries = [\"127.0.0.1\"]\nnotify = [\"127.0.0.1:{NsdSecondaryPort}\"]\nrate_limit = 0\n");
        Dns = new DnsPeer(App.Offset + 53);
        uint before = Dns.Serial("example.test.");
        var zones = Path.Combine(App.DataDirectory, "dns", "zones");
        Directory.CreateDirectory(zones);
        File.WriteAllText(Path.Combine(zones, "example.test.zone"), UserRecords + "\n");
        File.WriteAllText(Path.Combine(zones, "other.test.zone"), OtherZone + "\n");
        DnsPeer.WaitUntil(() => Dns.Serial("example.test.") != before && Dns.Query("other.test.", Protocol.Dns.DnsType.SOA).Answers.Count == 1,
            TimeSpan.FromSeconds(20), "the user's zone files loaded\n" + App.Process.Output);
    }

    public void Dispose() => App.Dispose();
}

[CollectionDefinition("dns")]
public sealed class DnsCollection : ICollectionFixture<DnsAppliance>;
