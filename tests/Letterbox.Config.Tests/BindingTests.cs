using System.Net;

namespace Letterbox.Config.Tests;

public class BindingTests
{
    [Fact]
    public void Values_bind_to_dotnet_types()
    {
        var result = Toml.Evaluate(
            """
            hostname = "Mail.Example.COM."
            domains = ["example.com", "example.org"]

            [network]
            public_ipv4 = "203.0.113.25"
            listen = ["0.0.0.0", "::"]
            port_offset = 10000

            [smtp]
            max_message_size = 1048576
            trusted_networks = ["192.0.2.0/24", "2001:db8:1::/48"]
            command_timeout = "10m"

            [relay]
            host = "[2001:db8::25]:587"

            [dns]
            resolvers = ["127.0.0.53", "[2001:db8::53]:5353"]

            [backup]
            enabled = true
            target = "/srv/backup"
            key_file = "/etc/letterbox/secrets/backup"
            schedule = "weekly"

            [daemons]
            enabled = ["smtp", "dns"]

            [log]
            level = "warn"
            """);
        Assert.True(result.IsValid, result.Diagnostics.Lines());
        var c = result.Config;

        Assert.Equal("mail.example.com", c.Hostname);
        Assert.Equal("example.com", c.PrimaryDomain);
        Assert.Equal(IPAddress.Parse("203.0.113.25"), c.Network.PublicIpv4);
        Assert.Null(c.Network.PublicIpv6);
        Assert.Equal([IPAddress.Any, IPAddress.IPv6Any], c.Network.Listen);
        Assert.Equal(1048576, c.Smtp.MaxMessageSize);
        Assert.Equal([IPNetwork.Parse("192.0.2.0/24"), IPNetwork.Parse("2001:db8:1::/48")], c.Smtp.TrustedNetworks);
        Assert.Equal(TimeSpan.FromMinutes(10), c.Smtp.CommandTimeout);
        Assert.Equal(new HostEndpoint("2001:db8::25", 587), c.Relay!.Host);
        Assert.Null(c.Relay.Username);
        Assert.Equal([new HostEndpoint("127.0.0.53", 53), new HostEndpoint("2001:db8::53", 5353)], c.Dns.Resolvers);
        Assert.True(c.Backup.Enabled);
        Assert.Equal(BackupSchedule.Weekly, c.Backup.Schedule);
        Assert.Equal(7, c.Backup.Keep);
        Assert.Equal([Daemon.Smtp, Daemon.Dns], c.Daemons.Enabled);
        Assert.Equal(LogSeverity.Warn, c.Log.Level);
        Assert.Equal(TlsMode.Acme, c.Tls.Mode);
    }

    [Fact]
    public void Dns_daemon_runs_only_when_dns_is_enabled_too()
    {
        var on = Toml.WithMinimal("").Config!;
        Assert.True(on.Daemons.Runs(Daemon.Dns));
        Assert.True(on.Daemons.Runs(Daemon.Pop3));

        var off = Toml.WithMinimal("dns.enabled = false\n").Config!;
        Assert.False(off.Daemons.Runs(Daemon.Dns));
        Assert.True(off.Daemons.Runs(Daemon.Smtp));

        var notListed = Toml.WithMinimal("daemons.enabled = [\"smtp\"]\n").Config!;
        Assert.False(notListed.Daemons.Runs(Daemon.Imap));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("10.0.0.1", false)]
    [InlineData("2001:db8::1", false)]
    public void Monitoring_allows_the_default_loopback_networks(string client, bool allowed)
    {
        var config = Toml.WithMinimal("").Config!;
        Assert.Equal(allowed, config.Monitoring.Allows(IPAddress.Parse(client)));
    }

    [Fact]
    public void Service_ports_are_the_standard_ports_plus_the_offset()
    {
        var standard = new ServicePorts(0);
        Assert.Equal(
            [25, 587, 465, 143, 993, 110, 995, 53, 80],
            [standard.Smtp, standard.Submission, standard.Submissions, standard.Imap, standard.Imaps, standard.Pop3, standard.Pop3s, standard.Dns, standard.Http]);

        var dev = Toml.WithMinimal("network.port_offset = 10000\n").Config!.Network.Ports;
        Assert.Equal(
            [10025, 10587, 10465, 10143, 10993, 10110, 10995, 10053, 10080],
            [dev.Smtp, dev.Submission, dev.Submissions, dev.Imap, dev.Imaps, dev.Pop3, dev.Pop3s, dev.Dns, dev.Http]);
    }
}
