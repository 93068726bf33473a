using System.Net;
using Letterbox.Logging;
using Letterbox.Monitoring;
using Letterbox.Store;

namespace Letterbox.Daemons;

/// <summary>
/// Password logins for every protocol (IMAP, POP3, submission), with the throttle they share:
/// a blocked client or account is refused before any hash is computed, a failure waits out its
/// delay before the session answers, a success clears the count.
/// </summary>
public sealed class Authenticator(AccountStore store, Metrics metrics, Log log)
{
    private readonly AuthThrottle _throttle = new(store);

    // Argon2id takes tens of milliseconds and 19 MiB per login. Unbounded, a burst of logins (every
    // client of an office reconnecting) fills the thread pool and memory, and the supervisor's probe
    // then finds no thread to greet it within its 2 s and kills the daemon. One core stays free; the
    // rest wait without a thread.
    private readonly SemaphoreSlim _hashing = new(Math.Max(1, Environment.ProcessorCount - 1));

    public enum Outcome { Ok, Failed, Blocked }

    public sealed record Result(Outcome Outcome, UserAccount? User, TimeSpan RetryAfter);

    public static void DeclareMetrics(Metrics metrics) =>
        metrics.DeclareCounter("letterbox_auth_total", "Login attempts, by protocol and result (ok, failed, blocked).");

    public async Task<Result> LoginAsync(string protocol, IPAddress client, string user, string password, CancellationToken ct)
    {
        var verdict = _throttle.Check(client, user);
        if (verdict.Blocked)
        {
            metrics.Increment("letterbox_auth_total", 1, ("protocol", protocol), ("result", "blocked"));
            log.Info("login blocked", ("protocol", protocol), ("client", client), ("user", user), ("retry_after_s", (int)verdict.RetryAfter.TotalSeconds));
            return new Result(Outcome.Blocked, null, verdict.RetryAfter);
        }
        // Argon2id costs tens of milliseconds of CPU by design: keep it off the I/O threads.
        UserAccount? account;
        await _hashing.WaitAsync(ct);
        try
        {
            account = await Task.Run(() => store.VerifyPassword(user, password), ct);
        }
        finally
        {
            _hashing.Release();
        }
        if (account is null)
        {
            var delay = _throttle.Failure(client, user);
            metrics.Increment("letterbox_auth_total", 1, ("protocol", protocol), ("result", "failed"));
            log.Info("login failed", ("protocol", protocol), ("client", client), ("user", user), ("delay_ms", (int)delay.TotalMilliseconds));
            if (delay > TimeSpan.Zero)
                await Task.Delay(delay, ct);
            return new Result(Outcome.Failed, null, TimeSpan.Zero);
        }
        _throttle.Success(client, account.Address);
        metrics.Increment("letterbox_auth_total", 1, ("protocol", protocol), ("result", "ok"));
        log.Info("login", ("protocol", protocol), ("client", client), ("user", account.Address));
        return new Result(Outcome.Ok, account, TimeSpan.Zero);
    }
}
