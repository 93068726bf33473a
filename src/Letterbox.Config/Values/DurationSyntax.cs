using System.Globalization;

namespace Letterbox.Config;

/// <summary>Spans of time written as "30s", "5m", "1h", "1d" or a sum such as "1h30m".</summary>
public static class DurationSyntax
{
    /// <summary>Parses a duration; false when the text is not one.</summary>
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var s = text.Trim();
        if (s.Length == 0)
        {
            return false;
        }
        long totalSeconds = 0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }
            if (i == start || i == s.Length
                || !long.TryParse(s.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }
            long unit = s[i] switch
            {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86400,
                _ => 0,
            };
            if (unit == 0)
            {
                return false;
            }
            i++;
            try
            {
                totalSeconds = checked(totalSeconds + (n * unit));
            }
            catch (OverflowException)
            {
                return false;
            }
        }
        if (totalSeconds > (long)TimeSpan.MaxValue.TotalSeconds)
        {
            return false;
        }
        duration = TimeSpan.FromSeconds(totalSeconds);
        return true;
    }

    /// <summary>The shortest exact form: "5m" for five minutes, "1h30m" for ninety.</summary>
    public static string Format(TimeSpan duration)
    {
        var seconds = (long)duration.TotalSeconds;
        if (seconds == 0)
        {
            return "0s";
        }
        var parts = new List<string>();
        foreach (var (suffix, unit) in new[] { ("d", 86400L), ("h", 3600L), ("m", 60L), ("s", 1L) })
        {
            if (seconds >= unit)
            {
                parts.Add((seconds / unit).ToString(CultureInfo.InvariantCulture) + suffix);
                seconds %= unit;
            }
        }
        return string.Concat(parts);
    }
}
