using System.Net;
using System.Net.Sockets;

namespace Letterbox.Store;

/// <summary>What the throttle says about a login attempt before the password is even checked.</summary>
/// <param name="Blocked">Refuse without checking: too many failures recently.</param>
/// <param name="RetryAfter">When blocked, how long until another try is allowed.</param>
public readonly record struct ThrottleVerdict(bool Blocked, TimeSpan RetryAfter);

/// <summary>
/// Failed logins, counted per client (IPv4 address or IPv6 /64) and per account in the shared
/// database, so every daemon process (submission, IMAP, POP3) sees the same state. After a few
/// failures each further one costs a growing delay (the session waits before answering); after
/// many, the client or account is blocked for a while. A good login clears the account's and the
/// client's count. Counts older than an hour are forgotten.
/// </summary>
public sealed class AuthThrottle(AccountStore store)
{
    public const int FreeFailures = 3;
    public const int BlockAfter = 10;
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan BlockFor = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan Forget = TimeSpan.FromHours(1);

    public ThrottleVerdict Check(IPAddress client, string? account)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var db = store.Read();
        long until = 0;
        foreach (var key in Keys(client, account))
        {
            var blocked = db.Scalar("SELECT blocked_until FROM auth_failures WHERE key = $k", ("$k", key));
            if (blocked is long b)
                until = Math.Max(until, b);
        }
        return until > now ? new ThrottleVerdict(true, TimeSpan.FromSeconds(until - now)) : default;
    }

    /// <summary>Records a failure; returns how long the session should wait before it answers.</summary>
    public TimeSpan Failure(IPAddress client, string? account)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        long worst = 0;
        using (var db = store.WriteCounters())
        {
            foreach (var key in Keys(client, account))
            {
                db.Execute("""
                    INSERT INTO auth_failures (key, failures, last_failure) VALUES ($k, 1, $now)
                    ON CONFLICT (key) DO UPDATE SET
                        failures = CASE WHEN last_failure < $forget THEN 1 ELSE failures + 1 END,
                        last_failure = $now
                    """, ("$k", key), ("$now", now), ("$forget", now - (long)Forget.TotalSeconds));
                long failures = (long)db.Scalar("SELECT failures FROM auth_failures WHERE key = $k", ("$k", key))!;
                if (failures >= BlockAfter)
                    db.Execute("UPDATE auth_failures SET blocked_until = $u WHERE key = $k", ("$k", key), ("$u", now + (long)BlockFor.TotalSeconds));
                worst = Math.Max(worst, failures);
            }
            db.Commit();
        }
        if (worst <= FreeFailures)
            return TimeSpan.Zero;
        var delay = TimeSpan.FromSeconds(Math.Pow(2, worst - FreeFailures - 1));
        return delay < MaxDelay ? delay : MaxDelay;
    }

    public void Success(IPAddress client, string account)
    {
        using var db = store.WriteCounters();
        foreach (var key in Keys(client, account))
            db.Execute("DELETE FROM auth_failures WHERE key = $k", ("$k", key));
        db.Commit();
    }

    private static IEnumerable<string> Keys(IPAddress client, string? account)
    {
        yield return "ip:" + ClientKey(client);
        if (!string.IsNullOrEmpty(account))
            yield return "account:" + account.ToLowerInvariant();
    }

    private static string ClientKey(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes).ToString() + "/64";
    }

}
