using System.Globalization;

namespace Letterbox.Config;

/// <summary>Byte counts written as "25M", "512K", "1G" (binary multiples) or a plain number of bytes.</summary>
public static class SizeSyntax
{
    /// <summary>Parses a size; false when the text is not one or overflows.</summary>
    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        var s = text.Trim();
        if (s.Length == 0)
        {
            return false;
        }
        long multiplier = char.ToUpperInvariant(s[^1]) switch
        {
            'K' => 1L << 10,
            'M' => 1L << 20,
            'G' => 1L << 30,
            'T' => 1L << 40,
            _ => 1,
        };
        var digits = multiplier == 1 ? s : s[..^1];
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)
            || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }
        try
        {
            bytes = checked(n * multiplier);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>The shortest exact form: "25M" for 26214400, "1000" for 1000.</summary>
    public static string Format(long bytes)
    {
        foreach (var (suffix, shift) in new[] { ("T", 40), ("G", 30), ("M", 20), ("K", 10) })
        {
            var unit = 1L << shift;
            if (bytes != 0 && bytes % unit == 0)
            {
                return (bytes / unit).ToString(CultureInfo.InvariantCulture) + suffix;
            }
        }
        return bytes.ToString(CultureInfo.InvariantCulture);
    }
}
