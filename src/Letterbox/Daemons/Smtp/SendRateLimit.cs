namespace Letterbox.Daemons.Smtp;

/// <summary>
/// Messages per user per sliding hour on the submission ports (smtp.max_messages_per_hour). Kept in
/// the SMTP daemon's memory, the one process that submits: a restart forgives, which is fine for
/// a brake on a stolen password. Memory is bounded by users × limit timestamps.
/// </summary>
public sealed class SendRateLimit(int perHour, TimeProvider? clock = null)
{
    private static readonly TimeSpan Window = TimeSpan.FromHours(1);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Dictionary<string, Queue<DateTimeOffset>> _sent = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether the user may send one more message now.</summary>
    public bool Allows(string user)
    {
        lock (_sent)
            return !_sent.TryGetValue(user, out var times) || Prune(times) < perHour;
    }

    /// <summary>Counts one accepted message.</summary>
    public void Record(string user)
    {
        lock (_sent)
        {
            if (!_sent.TryGetValue(user, out var times))
                _sent[user] = times = new Queue<DateTimeOffset>();
            Prune(times);
            if (times.Count < perHour)
                times.Enqueue(_clock.GetUtcNow());
        }
    }

    private int Prune(Queue<DateTimeOffset> times)
    {
        var cutoff = _clock.GetUtcNow() - Window;
        while (times.Count > 0 && times.Peek() <= cutoff)
            times.Dequeue();
        return times.Count;
    }
}
