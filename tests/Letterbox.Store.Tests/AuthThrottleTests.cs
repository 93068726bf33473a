using System.Net;

namespace Letterbox.Store.Tests;

/// <summary>Failed logins slow down, then block, per client and per account, across store instances (processes).</summary>
public sealed class AuthThrottleTests : IDisposable
{
    private readonly TestStore store = new();

    public void Dispose() => store.Dispose();

    private AuthThrottle Throttle() => new(AccountStore.Open(store.DataDirectory, TestStore.Options()));

    [Fact]
    public void A_few_failures_are_free_then_each_costs_more_then_the_account_is_blocked()
    {
        var throttle = Throttle();
        var client = IPAddress.Parse("192.0.2.7");
        var delays = new List<TimeSpan>();
        for (int i = 0; i < AuthThrottle.BlockAfter; i++)
        {
            Assert.False(throttle.Check(client, "alice@example.com").Blocked);
            delays.Add(throttle.Failure(client, "alice@example.com"));
        }
        Assert.All(delays.Take(AuthThrottle.FreeFailures), d => Assert.Equal(TimeSpan.Zero, d));
        Assert.True(delays[AuthThrottle.FreeFailures] > TimeSpan.Zero);
        for (int i = AuthThrottle.FreeFailures + 1; i < delays.Count; i++)
            Assert.True(delays[i] >= delays[i - 1] && delays[i] <= AuthThrottle.MaxDelay);

        var verdict = throttle.Check(client, "alice@example.com");
        Assert.True(verdict.Blocked);
        Assert.True(verdict.RetryAfter > TimeSpan.FromMinutes(14));
        // The account is blocked from everywhere, the client for every account.
        Assert.True(Throttle().Check(IPAddress.Parse("198.51.100.1"), "alice@example.com").Blocked);
        Assert.True(Throttle().Check(client, "bob@example.com").Blocked);
        Assert.False(Throttle().Check(IPAddress.Parse("198.51.100.1"), "bob@example.com").Blocked);
    }

    [Fact]
    public void Ipv6_clients_are_counted_per_64()
    {
        var throttle = Throttle();
        for (int i = 0; i < AuthThrottle.BlockAfter; i++)
            throttle.Failure(IPAddress.Parse($"2001:db8:1:2::{i + 1:x}"), null);
        Assert.True(throttle.Check(IPAddress.Parse("2001:db8:1:2:ffff::1"), null).Blocked);
        Assert.False(throttle.Check(IPAddress.Parse("2001:db8:1:3::1"), null).Blocked);
    }

    [Fact]
    public void A_good_login_clears_the_count()
    {
        var throttle = Throttle();
        var client = IPAddress.Parse("192.0.2.8");
        for (int i = 0; i < AuthThrottle.BlockAfter - 1; i++)
            throttle.Failure(client, "carol@example.com");
        throttle.Success(client, "carol@example.com");
        Assert.Equal(TimeSpan.Zero, throttle.Failure(client, "carol@example.com"));
        Assert.False(throttle.Check(client, "carol@example.com").Blocked);
    }
}
