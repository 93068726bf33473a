using Letterbox.Delivery.Outbound;
using Letterbox.Delivery.Tests.Support;

namespace Letterbox.Delivery.Tests.Outbound;

/// <summary>
/// MX and address answers are kept for their TTL: a queue full of mail for one domain asks nsd once,
/// not once per message, and asks again once the TTL has run out.
/// </summary>
public sealed class MxCacheTests
{
    [Fact]
    public async Task An_answer_is_reused_within_its_ttl_even_when_the_server_is_gone()
    {
        var dns = new Nsd(new Dictionary<string, string>
        {
            ["cached.test"] = """
                @ 3600 IN MX 10 mx.cached.test.
                mx 3600 IN A 127.0.0.1
                """,
        });
        var resolver = new MxResolver([dns.EndPoint]);
        var first = await resolver.ResolveAsync("cached.test", CancellationToken.None);
        Assert.Null(first.Error);

        dns.Dispose(); // nobody answers any more: only a cached answer can route the next message
        var second = await resolver.ResolveAsync("cached.test", CancellationToken.None);

        Assert.Null(second.Error);
        var host = Assert.Single(second.Hosts);
        Assert.Equal("mx.cached.test", host.Name);
        Assert.Equal([System.Net.IPAddress.Loopback], host.Addresses);
    }

    [Fact]
    public async Task An_answer_past_its_ttl_is_asked_for_again()
    {
        var dns = new Nsd(new Dictionary<string, string>
        {
            ["short.test"] = """
                @ 1 IN MX 10 mx.short.test.
                mx 1 IN A 127.0.0.1
                """,
        });
        var resolver = new MxResolver([dns.EndPoint]);
        Assert.Null((await resolver.ResolveAsync("short.test", CancellationToken.None)).Error);

        dns.Dispose();
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // past the 1 s TTL

        var again = await resolver.ResolveAsync("short.test", CancellationToken.None);
        Assert.NotNull(again.Error); // it asked, and nobody answered
        Assert.False(again.Permanent); // DNS trouble is temporary: the message waits for a retry
        Assert.StartsWith("4.", again.Status);
    }
}
