using System.Net;
using Letterbox.Protocol.Dns;
using Letterbox.Tests.Harness;

namespace Letterbox.Tests.Dns;

/// <summary>Response rate limiting seen from outside: a flood from one address gets few answers over UDP, and TCP still works.</summary>
public sealed class DnsRateLimitTests
{
    [Fact]
    public void A_flood_from_one_network_is_dropped_and_slipped_but_tcp_still_answers()
    {
        using var app = new DevAppliance("[dns]\nrate_limit = 2\n");
        var dns = new DnsPeer(app.Offset + 53);
        int answered = 0, truncated = 0, silent = 0;
        for (int i = 0; i < 40; i++)
        {
            // From 127.0.0.2: 127.0.0.1 itself (the supervisor's health probe) is exempt.
            var reply = dns.Udp(DnsMessage.Query((ushort)i, DnsName.Parse("example.test."), DnsType.MX), TimeSpan.FromMilliseconds(100), IPAddress.Parse("127.0.0.2"));
            if (reply is null)
                silent++;
            else if (DnsMessage.Parse(reply).Header.Truncated)
                truncated++;
            else
                answered++;
        }
        // Two a second: most of 40 quick queries are withheld, half of those slipped.
        Assert.InRange(answered, 1, 15);
        Assert.True(truncated > 0, $"answered {answered}, truncated {truncated}, silent {silent}");
        Assert.True(silent > 0, $"answered {answered}, truncated {truncated}, silent {silent}");
        Assert.Equal(DnsRcode.NoError, dns.Query("example.test.", DnsType.MX, tcp: true).Rcode);
        Assert.Single(dns.Query("example.test.", DnsType.MX, tcp: true).Answers);
    }
}
