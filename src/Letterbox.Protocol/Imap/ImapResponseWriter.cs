using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Letterbox.Protocol.Imap;

/// <summary>
/// Writes server responses into an <see cref="IBufferWriter{T}"/> (a PipeWriter, say): the pieces
/// of untagged data (atoms, numbers, NIL, strings, lists, flags, dates, mailbox names) and whole
/// status and continuation lines. Calls chain: <c>w.Untagged().Number(3).Space().Atom("EXISTS").EndLine()</c>.
/// </summary>
/// <remarks>
/// <para>Strings: a quoted string when the value can be one, else a literal. A literal is chosen for
/// CR, LF, NUL and other control characters, for '"' and '\' (no escaping), for 8-bit octets unless
/// <see cref="Utf8"/> (then valid UTF-8 may be quoted: RFC 9051 §9 QUOTED-CHAR, RFC 6855 §3), and for
/// values longer than <see cref="MaxQuotedLength"/>. So nothing a message or a user controls can end
/// the line or break out of the string.</para>
/// <para>Mailbox names go out in modified UTF-7 unless <see cref="Utf8"/> (RFC 9051 §5.1, RFC 6855 §3).</para>
/// <para>Arguments that must be protocol tokens (atoms, flags) are checked and throw when invalid:
/// that is a programming error, never the client's input.</para>
/// </remarks>
public sealed class ImapResponseWriter
{
    /// <summary>Longer strings go out as literals.</summary>
    public const int MaxQuotedLength = 1024;

    private readonly IBufferWriter<byte> _output;

    public ImapResponseWriter(IBufferWriter<byte> output, bool utf8 = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        Utf8 = utf8;
    }

    /// <summary>The client enabled IMAP4rev2 or UTF8=ACCEPT: UTF-8 in quoted strings, text and mailbox names.</summary>
    public bool Utf8 { get; set; }

    /// <summary>"* ": starts an untagged response.</summary>
    public ImapResponseWriter Untagged() => Raw("* "u8);

    /// <summary>"+ text" CRLF (RFC 9051 §7.6); "+ Ready" when no text is given.</summary>
    public ImapResponseWriter Continuation(string? text = null)
    {
        var sb = new StringBuilder("+ ");
        ImapStatusResponse.AppendText(sb, string.IsNullOrEmpty(text) ? "Ready" : text, Utf8);
        if (sb.Length > 2 && sb[2] == '[')
            sb[2] = '(';
        return Raw(Encoding.UTF8.GetBytes(sb.Append("\r\n").ToString()));
    }

    /// <summary>"+ base64" CRLF: a SASL challenge (RFC 9051 §6.2.2); empty data gives "+ " CRLF.</summary>
    public ImapResponseWriter Challenge(ReadOnlySpan<byte> data)
    {
        Raw("+ "u8);
        Raw(Encoding.ASCII.GetBytes(Convert.ToBase64String(data)));
        return EndLine();
    }

    /// <summary>A whole status response line (tagged or untagged), CRLF included.</summary>
    public ImapResponseWriter Status(ImapStatusResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.WriteTo(_output, Utf8);
        return this;
    }

    public ImapResponseWriter Raw(ReadOnlySpan<byte> bytes)
    {
        _output.Write(bytes);
        return this;
    }

    public ImapResponseWriter Space() => Raw(" "u8);

    public ImapResponseWriter EndLine() => Raw("\r\n"u8);

    public ImapResponseWriter Nil() => Raw("NIL"u8);

    public ImapResponseWriter Number(ulong value)
    {
        Span<byte> buffer = stackalloc byte[20];
        value.TryFormat(buffer, out int written, default, CultureInfo.InvariantCulture);
        return Raw(buffer[..written]);
    }

    /// <summary>An atom (a keyword such as "EXISTS" or "FETCH"); throws when it is not one.</summary>
    public ImapResponseWriter Atom(string atom)
    {
        ArgumentNullException.ThrowIfNull(atom);
        if (!ImapChars.IsAtom(atom))
            throw new ArgumentException("Not an atom.", nameof(atom));
        return Raw(Encoding.ASCII.GetBytes(atom));
    }

    /// <summary>A FETCH response item name: "BODY[HEADER.FIELDS (FROM)]&lt;0&gt;" (<see cref="ImapFetchItem.ResponseName"/>).</summary>
    public ImapResponseWriter FetchItemName(ImapFetchItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return Raw(Encoding.ASCII.GetBytes(item.ResponseName));
    }

    public ImapResponseWriter BeginList() => Raw("("u8);

    public ImapResponseWriter EndList() => Raw(")"u8);

    /// <summary>A string, or NIL for null (nstring).</summary>
    public ImapResponseWriter String(string? value) => value is null ? Nil() : String(Encoding.UTF8.GetBytes(value));

    /// <summary>A string: quoted when it can be, else a literal.</summary>
    public ImapResponseWriter String(ReadOnlySpan<byte> value)
    {
        if (NeedsLiteral(value, Utf8))
            return Literal(value);
        Raw("\""u8);
        Raw(value);
        return Raw("\""u8);
    }

    /// <summary>An astring: a bare atom when every character allows it, else a string.</summary>
    public ImapResponseWriter AString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return ImapChars.IsAStringAtom(value) ? Raw(Encoding.ASCII.GetBytes(value)) : String(value);
    }

    /// <summary>A mailbox name, encoded for the session (modified UTF-7 or UTF-8).</summary>
    public ImapResponseWriter Mailbox(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return AString(ImapMailboxName.Encode(name, Utf8));
    }

    /// <summary>"{n}" CRLF and the octets.</summary>
    public ImapResponseWriter Literal(ReadOnlySpan<byte> data)
    {
        LiteralHeader(data.Length);
        return Raw(data);
    }

    /// <summary>
    /// "{n}" CRLF (or "~{n}" CRLF for a literal8, RFC 3516 §4.2): the caller then writes exactly
    /// <paramref name="length"/> octets, streaming a message body without holding it.
    /// </summary>
    public ImapResponseWriter LiteralHeader(long length, bool binary = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (binary)
            Raw("~"u8);
        Raw("{"u8);
        Number((ulong)length);
        return Raw("}\r\n"u8);
    }

    /// <summary>"(\Seen \Answered $Label)": a flag list; each flag is checked.</summary>
    public ImapResponseWriter FlagList(IEnumerable<string> flags)
    {
        ArgumentNullException.ThrowIfNull(flags);
        BeginList();
        bool first = true;
        foreach (var flag in flags)
        {
            if (flag is null || !IsFlag(flag))
                throw new ArgumentException($"Not a flag: '{flag}'.", nameof(flags));
            if (!first)
                Space();
            Raw(Encoding.ASCII.GetBytes(flag));
            first = false;
        }
        return EndList();
    }

    /// <summary>A quoted date-time: "25-Nov-2026 21:00:00 +0000" (INTERNALDATE).</summary>
    public ImapResponseWriter DateTime(DateTimeOffset value) => Raw(Encoding.ASCII.GetBytes("\"" + ImapDateTime.Format(value) + "\""));

    /// <summary>Whether a value must go out as a literal rather than a quoted string.</summary>
    public static bool NeedsLiteral(ReadOnlySpan<byte> value, bool utf8)
    {
        if (value.Length > MaxQuotedLength)
            return true;
        bool eightBit = false;
        foreach (byte b in value)
        {
            if (b < 0x20 || b == 0x7F || b == (byte)'"' || b == (byte)'\\')
                return true;
            eightBit |= b >= 0x80;
        }
        return eightBit && (!utf8 || !System.Text.Unicode.Utf8.IsValid(value));
    }

    private static bool IsFlag(string flag) =>
        flag.StartsWith('\\') ? flag == "\\*" || ImapChars.IsAtom(flag[1..]) : ImapChars.IsAtom(flag);
}
