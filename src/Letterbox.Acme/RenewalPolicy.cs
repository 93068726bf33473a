namespace Letterbox.Acme;

/// <summary>
/// When to renew and how long to wait after a failure. Pure arithmetic, so the tests can ask
/// about any moment without waiting for it.
/// </summary>
public static class RenewalPolicy
{
    public static readonly TimeSpan FirstRetry = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan LongestRetry = TimeSpan.FromHours(6);

    /// <summary>Two thirds into the lifetime: 60 of 90 days for Let's Encrypt, leaving a month to fix trouble.</summary>
    public static DateTime RenewAt(DateTime notBefore, DateTime notAfter) =>
        notBefore + (notAfter - notBefore) * 2 / 3;

    /// <summary>1 min, 2, 4, ... doubling after each consecutive failure, at most 6 h.</summary>
    public static TimeSpan RetryAfterFailures(int failures)
    {
        if (failures <= 0)
            return TimeSpan.Zero;
        var ticks = FirstRetry.Ticks * Math.Pow(2, Math.Min(failures - 1, 30));
        return ticks >= LongestRetry.Ticks ? LongestRetry : TimeSpan.FromTicks((long)ticks);
    }
}
