namespace Letterbox.Supervisor;

/// <summary>
/// Restart delays for a daemon that keeps exiting: 0.5 s, 1 s, 2 s ... capped at 30 s, so a
/// crash loop neither spins the CPU nor leaves a service down for long once the cause is fixed.
/// A daemon that then runs for a minute is considered recovered and starts again from the bottom.
/// </summary>
public sealed class Backoff
{
    public static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan Cap = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan StableAfter = TimeSpan.FromMinutes(1);

    private int _failures;

    /// <summary>The delay before the next start, given how long the last run lasted.</summary>
    public TimeSpan Next(TimeSpan lastRun)
    {
        if (lastRun >= StableAfter)
            _failures = 0;
        var delay = TimeSpan.FromTicks(Math.Min(Cap.Ticks, Initial.Ticks << Math.Min(_failures, 16)));
        _failures++;
        return delay;
    }
}
