using System.Globalization;
using System.Text;

namespace Letterbox.Protocol.Pop3;

public enum Pop3Verb { Unknown, User, Pass, Auth, Apop, Capa, Stls, Quit, Stat, List, Retr, Dele, Noop, Rset, Top, Uidl }

/// <summary>One POP3 command line (RFC 1939 §3): a keyword and up to two arguments.</summary>
public sealed record Pop3Command(Pop3Verb Verb, string Keyword, IReadOnlyList<string> Arguments)
{
    /// <summary>The whole argument text after the keyword (PASS allows spaces in passwords, RFC 1939 §7 note).</summary>
    public string Rest { get; init; } = "";

    /// <summary>The argument at <paramref name="index"/> as a message number (1-based, positive), or null.</summary>
    public int? Number(int index) =>
        index < Arguments.Count && int.TryParse(Arguments[index], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : null;
}

/// <summary>
/// Reads POP3 command lines. RFC 2449 §4: a command line is at most 255 octets with CRLF; we allow
/// a bit more for AUTH initial responses, and refuse (never buffer) anything longer.
/// </summary>
public static class Pop3CommandParser
{
    public const int MaxLineLength = 512;

    public enum Status { NeedMore, Line, TooLong }

    /// <summary>Finds the next line. Returns its length (without CRLF/LF) and how many bytes it used.</summary>
    public static Status NextLine(ReadOnlySpan<byte> buffer, out int lineLength, out int consumed)
    {
        int lf = buffer.IndexOf((byte)'\n');
        if (lf < 0)
        {
            lineLength = consumed = 0;
            return buffer.Length > MaxLineLength ? Status.TooLong : Status.NeedMore;
        }
        consumed = lf + 1;
        lineLength = lf > 0 && buffer[lf - 1] == (byte)'\r' ? lf - 1 : lf;
        return consumed > MaxLineLength ? Status.TooLong : Status.Line;
    }

    /// <summary>Parses a line; null when it is not printable UTF-8 (control bytes, NUL, bad encoding).</summary>
    public static Pop3Command? Parse(ReadOnlySpan<byte> line)
    {
        foreach (byte b in line)
            if (b < 0x20 && b != (byte)'\t' || b == 0x7f)
                return null;
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(line);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        int space = text.IndexOf(' ');
        var keyword = (space < 0 ? text : text[..space]).ToUpperInvariant();
        var rest = space < 0 ? "" : text[(space + 1)..];
        var args = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var verb = keyword switch
        {
            "USER" => Pop3Verb.User,
            "PASS" => Pop3Verb.Pass,
            "AUTH" => Pop3Verb.Auth,
            "APOP" => Pop3Verb.Apop,
            "CAPA" => Pop3Verb.Capa,
            "STLS" => Pop3Verb.Stls,
            "QUIT" => Pop3Verb.Quit,
            "STAT" => Pop3Verb.Stat,
            "LIST" => Pop3Verb.List,
            "RETR" => Pop3Verb.Retr,
            "DELE" => Pop3Verb.Dele,
            "NOOP" => Pop3Verb.Noop,
            "RSET" => Pop3Verb.Rset,
            "TOP" => Pop3Verb.Top,
            "UIDL" => Pop3Verb.Uidl,
            _ => Pop3Verb.Unknown,
        };
        return new Pop3Command(verb, keyword, args) { Rest = rest };
    }

    /// <summary>
    /// RFC 1939 §3: a multi-line response ends with "." alone; lines of the content that start with
    /// "." get another one. Lines are sent with CRLF whatever the stored line ending.
    /// </summary>
    public static void DotStuff(ReadOnlySpan<byte> content, Stream output, int? maxBodyLines = null)
    {
        bool inHeader = true;
        int bodyLines = 0;
        while (content.Length > 0)
        {
            int lf = content.IndexOf((byte)'\n');
            var line = lf < 0 ? content : content[..lf];
            content = lf < 0 ? default : content[(lf + 1)..];
            if (line.Length > 0 && line[^1] == (byte)'\r')
                line = line[..^1];
            if (!inHeader && maxBodyLines is { } max && bodyLines++ >= max)
                break;
            if (line.Length > 0 && line[0] == (byte)'.')
                output.WriteByte((byte)'.');
            output.Write(line);
            output.Write("\r\n"u8);
            if (inHeader && line.Length == 0)
                inHeader = false;
        }
        output.Write(".\r\n"u8);
    }
}
