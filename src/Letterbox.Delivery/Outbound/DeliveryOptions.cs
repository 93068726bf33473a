using System.Net;

namespace Letterbox.Delivery.Outbound;

/// <summary>A smarthost: every message goes there, with AUTH and TLS required.</summary>
/// <param name="Host">Host name or address.</param>
/// <param name="Port">Port: 465 means implicit TLS (RFC 8314), anything else STARTTLS.</param>
/// <param name="Username">Login name, or null for no AUTH.</param>
/// <param name="Password">The password read from relay.password_file.</param>
public sealed record RelayHost(string Host, int Port, string? Username, string? Password);

/// <summary>How the queue delivers: from the config, with test seams (port, resolvers, clock-free schedule).</summary>
public sealed record DeliveryOptions
{
    /// <summary>Our host name: the EHLO name and the DSN's Reporting-MTA.</summary>
    public required string Hostname { get; init; }

    /// <summary>Recursive resolvers for MX/A/AAAA; empty means the system's.</summary>
    public IReadOnlyList<IPEndPoint> Resolvers { get; init; } = [];

    /// <summary>The port of remote MX hosts: 25, except in tests (queue.mx_port).</summary>
    public int MxPort { get; init; } = 25;

    /// <summary>Deliver everything through this host instead of MX hosts.</summary>
    public RelayHost? Relay { get; init; }

    /// <summary>How long a message is retried before it bounces (RFC 5321 §4.5.4.1: at least 4-5 days).</summary>
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromDays(5);

    /// <summary>The first retry's delay; later ones grow (<see cref="RetrySchedule"/>).</summary>
    public TimeSpan FirstRetry { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Messages being delivered at once, over all destinations (Postfix: 100 smtp processes).</summary>
    public int Concurrency { get; init; } = 100;

    /// <summary>
    /// Messages being delivered at once to one destination domain (or the relay host), so one busy
    /// domain neither takes every slot nor gets more connections than it likes (Postfix:
    /// default_destination_concurrency_limit 20).
    /// </summary>
    public int DestinationConcurrency { get; init; } = 20;

    /// <summary>TCP connect and TLS handshake limit per address.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Limit on each SMTP reply (RFC 5321 §4.5.3.2 suggests minutes; 5 covers DATA's end).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>True when the domain is one of ours: its recipients are delivered to local mailboxes.</summary>
    public Func<string, bool> IsLocalDomain { get; init; } = _ => false;
}

/// <summary>
/// When to try again: the first retry after <see cref="DeliveryOptions.FirstRetry"/>, then each delay
/// doubled, capped at four hours, each with ±20 % jitter so that a queue full of mail for one domain
/// does not knock on its door all at once.
/// </summary>
public static class RetrySchedule
{
    private static readonly TimeSpan Cap = TimeSpan.FromHours(4);

    /// <summary>The delay after the <paramref name="attempts"/>-th failed attempt (1 is the first).</summary>
    public static TimeSpan Delay(TimeSpan first, int attempts, Random? random = null)
    {
        double factor = Math.Pow(2, Math.Clamp(attempts - 1, 0, 20));
        double ms = Math.Min(first.TotalMilliseconds * factor, Math.Max(Cap.TotalMilliseconds, first.TotalMilliseconds));
        double jitter = 0.8 + 0.4 * (random ?? Random.Shared).NextDouble();
        return TimeSpan.FromMilliseconds(ms * jitter);
    }
}
