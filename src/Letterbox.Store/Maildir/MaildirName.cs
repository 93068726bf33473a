using System.Globalization;
using System.Text;

namespace Letterbox.Store;

/// <summary>
/// Unique Maildir file names, <c>&lt;secs&gt;.M&lt;usec&gt;P&lt;pid&gt;Q&lt;n&gt;.&lt;host&gt;,S=&lt;size&gt;</c>, the form
/// Dovecot writes (its <c>S=</c> lets quota be counted from names alone). Unique because no two
/// deliveries share seconds+microseconds, process id and this process's counter.
/// </summary>
internal static class MaildirName
{
    private static long counter;
    private static readonly string Host = EscapeHost(Environment.MachineName);
    private static readonly int ProcessId = Environment.ProcessId;

    /// <summary>A name for a message of <paramref name="size"/> bytes in new/ or tmp/.</summary>
    public static string Create(long size) => string.Create(CultureInfo.InvariantCulture, $"{Unique()},S={size}");

    /// <summary>The unique part alone: <c>&lt;secs&gt;.M&lt;usec&gt;P&lt;pid&gt;Q&lt;n&gt;.&lt;host&gt;</c>.</summary>
    public static string Unique()
    {
        long ticks = DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks;
        long seconds = ticks / TimeSpan.TicksPerSecond;
        long microseconds = ticks % TimeSpan.TicksPerSecond / 10;
        long n = Interlocked.Increment(ref counter);
        return string.Create(CultureInfo.InvariantCulture, $"{seconds}.M{microseconds}P{ProcessId}Q{n}.{Host}");
    }

    /// <summary>The S= size in a Maildir name, or null when there is none.</summary>
    public static long? SizeOf(string name)
    {
        int start = name.IndexOf(",S=", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }
        start += 3;
        int end = start;
        while (end < name.Length && char.IsAsciiDigit(name[end]))
        {
            end++;
        }
        return long.TryParse(name.AsSpan(start, end - start), NumberStyles.None, CultureInfo.InvariantCulture, out long size)
            ? size
            : null;
    }

    // Maildir: '/' and ':' in the host name are written as \057 and \072; ',' too, as it separates S=.
    private static string EscapeHost(string host)
    {
        var escaped = new StringBuilder(host.Length);
        foreach (char c in host)
        {
            escaped.Append(c switch
            {
                '/' => @"\057",
                ':' => @"\072",
                ',' => @"\054",
                _ => c.ToString(),
            });
        }
        return escaped.Length == 0 ? "localhost" : escaped.ToString();
    }
}
