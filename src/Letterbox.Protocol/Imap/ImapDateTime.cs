using System.Globalization;
using System.Text;

namespace Letterbox.Protocol.Imap;

/// <summary>
/// IMAP dates (RFC 9051 §9): date-time "25-Nov-2026 21:00:00 +0000" (INTERNALDATE, APPEND) and
/// date-text "25-Nov-2026" (SEARCH BEFORE/ON/SINCE...). Parsers never throw.
/// </summary>
/// <remarks>
/// Grammar: date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE,
/// date-day-fixed = (SP DIGIT) / 2DIGIT, date-text = date-day "-" date-month "-" date-year with
/// date-day = 1*2DIGIT, time = 2DIGIT ":" 2DIGIT ":" 2DIGIT, zone = ("+" / "-") 4DIGIT. Month names
/// are case-insensitive (RFC 9051 §9 note 1). The parsers take the text without the quotes. Leniency:
/// a date-time day of one digit without the leading space ("5-Nov-2026 ...") is accepted, as clients
/// send it. Refused: impossible dates, hours past 23, minutes or seconds past 59 (a leap second has no
/// DateTime), and zones beyond ±14:00 or with minutes past 59 (DateTimeOffset's range).
/// </remarks>
public static class ImapDateTime
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>Parses date-time without its quotes: "25-Nov-2026 21:00:00 +0000" or " 5-Nov-2026 ...".</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out DateTimeOffset value)
    {
        value = default;
        if (!text.IsEmpty && text[0] == (byte)' ')
            text = text[1..]; // date-day-fixed "SP DIGIT"
        int i = 0;
        if (!TryDate(text, ref i, out var date))
            return false;
        // SP hh:mm:ss SP (+|-)hhmm
        if (text.Length - i != 15 || text[i] != (byte)' ' || text[i + 3] != (byte)':' || text[i + 6] != (byte)':' || text[i + 9] != (byte)' ')
            return false;
        if (!TwoDigits(text, i + 1, out int hour) || !TwoDigits(text, i + 4, out int minute) || !TwoDigits(text, i + 7, out int second))
            return false;
        byte sign = text[i + 10];
        if ((sign != (byte)'+' && sign != (byte)'-') || !TwoDigits(text, i + 11, out int zh) || !TwoDigits(text, i + 13, out int zm))
            return false;
        if (hour > 23 || minute > 59 || second > 59 || zm > 59 || zh * 60 + zm > 14 * 60)
            return false;
        var offset = new TimeSpan(zh, zm, 0);
        if (sign == (byte)'-')
            offset = -offset;
        var local = date.ToDateTime(new TimeOnly(hour, minute, second));
        // The UTC instant must exist too (0001-01-01 00:00 +0100 does not).
        long utcTicks = local.Ticks - offset.Ticks;
        if (utcTicks < 0 || utcTicks > DateTime.MaxValue.Ticks)
            return false;
        value = new DateTimeOffset(local, offset);
        return true;
    }

    /// <summary>Parses date-text: "25-Nov-2026" or "5-Nov-2026".</summary>
    public static bool TryParseDate(ReadOnlySpan<byte> text, out DateOnly date)
    {
        int i = 0;
        return TryDate(text, ref i, out date) && i == text.Length;
    }

    /// <summary>"25-Nov-2026 21:00:00 +0000" (no quotes; the writer adds them). The day has two digits.</summary>
    public static string Format(DateTimeOffset value)
    {
        var sb = new StringBuilder(26);
        sb.Append(value.Day.ToString("00", CultureInfo.InvariantCulture)).Append('-')
          .Append(Months[value.Month - 1]).Append('-')
          .Append(value.Year.ToString("0000", CultureInfo.InvariantCulture)).Append(' ')
          .Append(value.ToString("HH:mm:ss", CultureInfo.InvariantCulture)).Append(' ');
        var offset = value.Offset;
        sb.Append(offset < TimeSpan.Zero ? '-' : '+');
        offset = offset.Duration();
        sb.Append(offset.Hours.ToString("00", CultureInfo.InvariantCulture)).Append(offset.Minutes.ToString("00", CultureInfo.InvariantCulture));
        return sb.ToString();
    }

    /// <summary>"5-Nov-2026" (date-text, day without padding).</summary>
    public static string FormatDate(DateOnly date) =>
        date.Day.ToString(CultureInfo.InvariantCulture) + "-" + Months[date.Month - 1] + "-" + date.Year.ToString("0000", CultureInfo.InvariantCulture);

    // date-day "-" date-month "-" date-year, from text[i]; advances i.
    private static bool TryDate(ReadOnlySpan<byte> text, ref int i, out DateOnly date)
    {
        date = default;
        int day = 0, digits = 0;
        while (i < text.Length && ImapChars.IsDigit(text[i]) && digits < 2)
        {
            day = day * 10 + (text[i++] - '0');
            digits++;
        }
        if (digits == 0 || i + 9 > text.Length || text[i] != (byte)'-' || text[i + 4] != (byte)'-')
            return false;
        int month = MonthOf(text.Slice(i + 1, 3));
        if (month == 0)
            return false;
        int year = 0;
        for (int k = i + 5; k < i + 9; k++)
        {
            if (!ImapChars.IsDigit(text[k]))
                return false;
            year = year * 10 + (text[k] - '0');
        }
        if (year < 1 || day < 1 || day > DateTime.DaysInMonth(year, month))
            return false;
        i += 9;
        date = new DateOnly(year, month, day);
        return true;
    }

    private static int MonthOf(ReadOnlySpan<byte> name)
    {
        for (int m = 0; m < Months.Length; m++)
            if (System.Text.Ascii.EqualsIgnoreCase(name, Months[m]))
                return m + 1;
        return 0;
    }

    private static bool TwoDigits(ReadOnlySpan<byte> text, int at, out int value)
    {
        value = 0;
        if (!ImapChars.IsDigit(text[at]) || !ImapChars.IsDigit(text[at + 1]))
            return false;
        value = (text[at] - '0') * 10 + (text[at + 1] - '0');
        return true;
    }
}
