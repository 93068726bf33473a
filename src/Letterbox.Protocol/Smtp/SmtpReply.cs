using System.Buffers;
using System.Text;

namespace Letterbox.Protocol.Smtp;

/// <summary>
/// One SMTP reply: a code, an optional enhanced status code (RFC 2034, RFC 3463) and one or more
/// lines of text. <see cref="ToString"/> gives the wire form: "250-a\r\n250 b\r\n".
/// </summary>
/// <remarks>
/// The text is made safe once, at construction: RFC 5321 §4.2 allows only HT and printable
/// US-ASCII in reply text, so CR, LF and every other control character become a space and
/// anything beyond ASCII becomes '?'. A reply therefore can never split into extra lines or
/// smuggle a second reply, whatever a caller puts into it (an address echoed back, say).
/// Each line is cut so it fits in 512 octets with its code and CRLF (RFC 5321 §4.5.3.1.5).
/// </remarks>
public sealed class SmtpReply
{
    /// <summary>RFC 5321 §4.5.3.1.5: the longest reply line, code and CRLF included.</summary>
    public const int MaxLineLength = 512;

    private readonly string[] _lines;

    public SmtpReply(int code, EnhancedStatusCode? status, params string[] lines)
        : this(code, status, (IEnumerable<string>)lines)
    {
    }

    public SmtpReply(int code, EnhancedStatusCode? status, IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        // Codes are 2yz..5yz (RFC 5321 §4.2); 1yz is unused in SMTP.
        ArgumentOutOfRangeException.ThrowIfLessThan(code, 200);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(code, 599);
        Code = code;
        Status = status;
        int prefix = 4 + (status is { } s ? s.Format(code).Length + 1 : 0);
        var clean = new List<string>();
        foreach (var line in lines)
            clean.Add(Sanitize(line ?? "", MaxLineLength - 2 - prefix));
        if (clean.Count == 0)
            clean.Add("");
        _lines = [.. clean];
    }

    public int Code { get; }

    /// <summary>The enhanced status code, or null for replies that carry none (the greeting and the EHLO/HELO answer, RFC 2034 §3).</summary>
    public EnhancedStatusCode? Status { get; }

    /// <summary>The text lines, already made safe.</summary>
    public IReadOnlyList<string> Lines => _lines;

    /// <summary>"5.5.2" for a 500 reply with status x.5.2; null when there is no enhanced code.</summary>
    public string? EnhancedCode => Status?.Format(Code);

    /// <summary>2yz or 3yz.</summary>
    public bool IsPositive => Code < 400;

    /// <summary>4yz: the client may try again later.</summary>
    public bool IsTransient => Code is >= 400 and < 500;

    /// <summary>5yz.</summary>
    public bool IsPermanent => Code >= 500;

    /// <summary>The reply as it goes on the wire, every line ending in CRLF.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        string? enhanced = EnhancedCode;
        for (int i = 0; i < _lines.Length; i++)
        {
            sb.Append(Code).Append(i == _lines.Length - 1 ? ' ' : '-');
            if (enhanced is not null)
                sb.Append(enhanced).Append(_lines[i].Length > 0 ? " " : "");
            sb.Append(_lines[i]).Append("\r\n");
        }
        // RFC 5321 §4.2 makes the text optional; a last line with neither text nor enhanced code
        // is just "250\r\n".
        if (enhanced is null && _lines[^1].Length == 0)
            sb.Remove(sb.Length - 3, 1);
        return sb.ToString();
    }

    /// <summary>The wire form as ASCII bytes.</summary>
    public byte[] ToBytes() => Encoding.ASCII.GetBytes(ToString());

    /// <summary>Writes the wire form to <paramref name="output"/> and returns the number of bytes written.</summary>
    public int WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        string text = ToString();
        var span = output.GetSpan(text.Length);
        int n = Encoding.ASCII.GetBytes(text, span);
        output.Advance(n);
        return n;
    }

    private static string Sanitize(string text, int maxLength)
    {
        if (text.Length > maxLength)
            text = text[..maxLength];
        bool clean = true;
        foreach (char c in text)
            if (!IsTextChar(c))
            {
                clean = false;
                break;
            }
        if (clean)
            return text;
        return string.Create(text.Length, text, static (dest, src) =>
        {
            for (int i = 0; i < src.Length; i++)
            {
                char c = src[i];
                dest[i] = IsTextChar(c) ? c : c < 0x80 ? ' ' : '?';
            }
        });
    }

    // RFC 5321 §4.2: textstring = 1*(%d09 / %d32-126).
    private static bool IsTextChar(char c) => c == '\t' || (c >= ' ' && c <= '~');
}

/// <summary>
/// Replies the protocol layer's own outcomes call for, so the session and the tests agree
/// on one wording. The session builds the rest itself.
/// </summary>
public static class SmtpReplies
{
    /// <summary>A command line longer than the limit (RFC 5321 §4.5.3.1.4: "500 ... line too long").</summary>
    public static readonly SmtpReply LineTooLong =
        new(SmtpReplyCode.SyntaxError, EnhancedStatus.SyntaxError, "Line too long");

    /// <summary>
    /// A bare LF in DATA (or, if the server refuses them, in a command). The wording and
    /// 5.5.2 follow Postfix's smtpd_forbid_bare_newline = reject, whose reply code
    /// (smtpd_forbid_bare_newline_reject_code) defaults to 550.
    /// </summary>
    public static readonly SmtpReply BareLineFeed =
        new(SmtpReplyCode.MailboxUnavailable, EnhancedStatus.SyntaxError, "Error: bare <LF> received");

    /// <summary>A bare CR in DATA: same treatment as a bare LF.</summary>
    public static readonly SmtpReply BareCarriageReturn =
        new(SmtpReplyCode.MailboxUnavailable, EnhancedStatus.SyntaxError, "Error: bare <CR> received");

    /// <summary>The message went past the size limit (RFC 1870 §6.3: 552 after the data).</summary>
    public static readonly SmtpReply MessageTooBig =
        new(SmtpReplyCode.ExceededStorage, EnhancedStatus.MessageTooBig, "Message size exceeds fixed maximum message size");

    /// <summary>The answer to DATA (RFC 5321 §4.3.2); 354 carries no enhanced code.</summary>
    public static readonly SmtpReply StartMailInput =
        new(SmtpReplyCode.StartMailInput, null, "End data with <CR><LF>.<CR><LF>");
}
