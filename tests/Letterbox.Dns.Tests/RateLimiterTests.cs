using System.Net;
using Letterbox.Dns.Answering;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Tests;

public class RateLimiterTests
{
    private sealed class ManualClock : TimeProvider
    {
        public long Ticks;
        public override long TimestampFrequency => 1000;
        public override long GetTimestamp() => Ticks;
    }

    [Fact]
    public void Over_the_rate_answers_alternate_drop_and_slip_and_time_refills()
    {
        var clock = new ManualClock();
        var rrl = new ResponseRateLimiter(10, clock);
        var client = IPAddress.Parse("198.51.100.7");
        Assert.All(Enumerable.Range(0, 10), _ => Assert.Equal(ResponseRateLimiter.Decision.Send, rrl.Check(client)));
        Assert.Equal(ResponseRateLimiter.Decision.Drop, rrl.Check(client));
        Assert.Equal(ResponseRateLimiter.Decision.Slip, rrl.Check(client));
        Assert.Equal(ResponseRateLimiter.Decision.Drop, rrl.Check(client));
        // The same /24 shares the bucket; another network has its own.
        Assert.NotEqual(ResponseRateLimiter.Decision.Send, rrl.Check(IPAddress.Parse("198.51.100.200")));
        Assert.Equal(ResponseRateLimiter.Decision.Send, rrl.Check(IPAddress.Parse("198.51.101.7")));
        clock.Ticks += 500; // half a second: five more
        Assert.Equal(5, Enumerable.Range(0, 8).Count(_ => rrl.Check(client) == ResponseRateLimiter.Decision.Send));
    }

    [Fact]
    public void Ipv6_clients_are_counted_per_56()
    {
        var rrl = new ResponseRateLimiter(1, new ManualClock());
        Assert.Equal(ResponseRateLimiter.Decision.Send, rrl.Check(IPAddress.Parse("2001:db8:0:1::1")));
        Assert.NotEqual(ResponseRateLimiter.Decision.Send, rrl.Check(IPAddress.Parse("2001:db8:0:ff::2")));
        Assert.Equal(ResponseRateLimiter.Decision.Send, rrl.Check(IPAddress.Parse("2001:db8:0:100::1")));
    }

    [Fact]
    public void The_loopback_address_the_health_probe_uses_is_exempt()
    {
        var rrl = new ResponseRateLimiter(1, new ManualClock());
        Assert.All(Enumerable.Range(0, 100), _ => Assert.Equal(ResponseRateLimiter.Decision.Send, rrl.Check(IPAddress.Loopback)));
        Assert.Equal(ResponseRateLimiter.Decision.Send, rrl.Check(IPAddress.Parse("127.0.0.2")));
        Assert.NotEqual(ResponseRateLimiter.Decision.Send, rrl.Check(IPAddress.Parse("127.0.0.2")));
    }

    [Fact]
    public void Zero_turns_it_off() =>
        Assert.All(Enumerable.Range(0, 1000), _ => Assert.Equal(ResponseRateLimiter.Decision.Send, new ResponseRateLimiter(0).Check(IPAddress.Loopback)));

    [Fact]
    public void A_slipped_answer_is_the_question_with_tc_set()
    {
        var responder = new Responder(TestZone.Zones());
        var query = DnsMessage.Query(9, DnsName.Parse("example.test."), DnsType.MX, 1232);
        var buffer = new byte[65535];
        int n = responder.Respond(query, buffer, tcp: false);
        int slipped = Responder.Slip(query, buffer, n);
        var m = DnsMessage.Parse(buffer.AsSpan(0, slipped));
        Assert.True(m.Header.Truncated);
        Assert.Equal(9, m.Header.Id);
        Assert.Empty(m.Answers);
        Assert.Equal("example.test.", m.Questions.Single().Name.Key);
    }
}
