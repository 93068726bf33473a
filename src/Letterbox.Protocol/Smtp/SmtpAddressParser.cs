using System.Net;
using System.Text;

namespace Letterbox.Protocol.Smtp;

/// <summary>Which of the two envelope paths is being parsed.</summary>
public enum SmtpPathKind
{
    /// <summary>MAIL FROM: "&lt;&gt;" is allowed.</summary>
    Reverse,
    /// <summary>RCPT TO: "&lt;Postmaster&gt;" without a domain is allowed, "&lt;&gt;" is not.</summary>
    Forward,
}

/// <summary>Why an address was refused; <see cref="SmtpAddressError.None"/> when it was not.</summary>
public enum SmtpAddressError
{
    None,
    /// <summary>Not a path: missing or unbalanced brackets, spaces, control characters, bad local part or domain, malformed source route.</summary>
    Syntax,
    /// <summary>Local part over 64 octets (RFC 5321 §4.5.3.1.1).</summary>
    LocalPartTooLong,
    /// <summary>Domain over 255 octets (RFC 5321 §4.5.3.1.2) or a label over 63.</summary>
    DomainTooLong,
    /// <summary>Path over 256 octets, brackets included (RFC 5321 §4.5.3.1.3).</summary>
    PathTooLong,
    /// <summary>Bytes that are not UTF-8 (always refused, with or without SMTPUTF8).</summary>
    InvalidUtf8,
    /// <summary>"&lt;&gt;" as a forward-path.</summary>
    NullNotAllowed,
    /// <summary>Well-formed UTF-8 but the transaction did not declare SMTPUTF8 (RFC 6531 §3.4): 553 5.6.7.</summary>
    NeedsSmtpUtf8,
}

/// <summary>
/// Parses reverse- and forward-paths (RFC 5321 §4.1.2, RFC 6531 §3.3):
/// <code>
/// Path         = "&lt;" [ A-d-l ":" ] Mailbox "&gt;"
/// A-d-l        = At-domain *( "," At-domain )        ; source route: checked, then ignored
/// Mailbox      = Local-part "@" ( Domain / address-literal )
/// Local-part   = Dot-string / Quoted-string          ; UTF-8 allowed under SMTPUTF8
/// </code>
/// Never throws on input; every refusal is an <see cref="SmtpAddressError"/>.
/// </summary>
public static class SmtpAddressParser
{
    /// <summary>RFC 5321 §4.5.3.1.1.</summary>
    public const int MaxLocalPartLength = 64;

    /// <summary>RFC 5321 §4.5.3.1.3, brackets and route included.</summary>
    public const int MaxPathLength = 256;

    /// <summary>
    /// Parses the path at the start of <paramref name="input"/> (which must begin with "&lt;").
    /// <paramref name="consumed"/> is the length through the closing "&gt;"; what follows is the
    /// caller's (ESMTP parameters).
    /// </summary>
    /// <param name="allowUtf8">The transaction declared SMTPUTF8: UTF-8 local parts and U-labels are allowed.</param>
    public static SmtpAddressError TryParsePath(ReadOnlySpan<byte> input, SmtpPathKind kind, bool allowUtf8, out SmtpAddress? address, out int consumed)
    {
        address = null;
        consumed = 0;
        if (input.IsEmpty || input[0] != (byte)'<')
            return SmtpAddressError.Syntax;

        if (input.Length >= 2 && input[1] == (byte)'>')
        {
            if (kind == SmtpPathKind.Forward)
                return SmtpAddressError.NullNotAllowed;
            address = SmtpAddress.Null;
            consumed = 2;
            return SmtpAddressError.None;
        }

        int i = 1;
        bool routed = false;
        if (i < input.Length && input[i] == (byte)'@')
        {
            // Source route (RFC 5321 §4.1.2, appendix C): "@a.example,@b.example:". Each hop must
            // be a valid domain; then the route is dropped.
            routed = true;
            while (true)
            {
                if (i >= input.Length || input[i] != (byte)'@')
                    return SmtpAddressError.Syntax;
                i++;
                int n = ScanDomain(input[i..]);
                if (n == 0)
                    return SmtpAddressError.Syntax;
                var hop = input.Slice(i, n);
                if (!SmtpDomain.IsValid(hop, allowUtf8: true))
                    return n > SmtpDomain.MaxLength || HasLongLabel(hop) ? SmtpAddressError.DomainTooLong : SmtpAddressError.Syntax;
                if (!allowUtf8 && !Ascii.IsValid(hop))
                    return SmtpAddressError.NeedsSmtpUtf8;
                i += n;
                if (i >= input.Length)
                    return SmtpAddressError.Syntax;
                if (input[i] == (byte)',')
                {
                    i++;
                    continue;
                }
                if (input[i] != (byte)':')
                    return SmtpAddressError.Syntax;
                i++;
                break;
            }
        }

        var error = ParseMailbox(input, ref i, kind == SmtpPathKind.Forward && !routed, out string? local, out string? domain, out IPAddress? literal);
        if (error != SmtpAddressError.None)
            return error;
        if (i >= input.Length || input[i] != (byte)'>')
            return SmtpAddressError.Syntax;
        i++;
        if (i > MaxPathLength)
            return SmtpAddressError.PathTooLong;

        address = SmtpAddress.Create(local!, domain!, literal);
        if (address.RequiresSmtpUtf8 && !allowUtf8)
        {
            address = null;
            return SmtpAddressError.NeedsSmtpUtf8;
        }
        consumed = i;
        return SmtpAddressError.None;
    }

    /// <summary>
    /// Parses a whole mailbox without brackets ("user@example.com"), as in VRFY arguments or
    /// configuration. The whole input must be the mailbox.
    /// </summary>
    public static SmtpAddressError TryParseMailbox(ReadOnlySpan<byte> input, bool allowUtf8, out SmtpAddress? address)
    {
        address = null;
        int i = 0;
        var error = ParseMailbox(input, ref i, allowBarePostmaster: false, out string? local, out string? domain, out IPAddress? literal);
        if (error != SmtpAddressError.None)
            return error;
        if (i != input.Length)
            return SmtpAddressError.Syntax;
        var parsed = SmtpAddress.Create(local!, domain!, literal);
        if (parsed.RequiresSmtpUtf8 && !allowUtf8)
            return SmtpAddressError.NeedsSmtpUtf8;
        address = parsed;
        return SmtpAddressError.None;
    }

    /// <summary>The same, from a string.</summary>
    public static SmtpAddressError TryParseMailbox(string input, bool allowUtf8, out SmtpAddress? address) =>
        TryParseMailbox(Encoding.UTF8.GetBytes(input), allowUtf8, out address);

    // Mailbox = Local-part "@" ( Domain / address-literal ), starting at input[i]; leaves i after it.
    private static SmtpAddressError ParseMailbox(ReadOnlySpan<byte> input, ref int i, bool allowBarePostmaster,
        out string? localPart, out string? domain, out IPAddress? literal)
    {
        localPart = null;
        domain = null;
        literal = null;

        int start = i;
        if (i < input.Length && input[i] == (byte)'"')
        {
            // Quoted-string = DQUOTE *QcontentSMTP DQUOTE; decoded into the local part.
            var decoded = new List<byte>();
            i++;
            while (true)
            {
                if (i >= input.Length)
                    return SmtpAddressError.Syntax;
                byte b = input[i];
                if (b == (byte)'"')
                {
                    i++;
                    break;
                }
                if (b == (byte)'\\')
                {
                    // quoted-pairSMTP = %d92 %d32-126
                    if (i + 1 >= input.Length || input[i + 1] < 32 || input[i + 1] > 126)
                        return SmtpAddressError.Syntax;
                    decoded.Add(input[i + 1]);
                    i += 2;
                    continue;
                }
                // qtextSMTP = %d32-33 / %d35-91 / %d93-126, plus UTF8-non-ascii (RFC 6531).
                if (b < 32 || b == 127)
                    return SmtpAddressError.Syntax;
                decoded.Add(b);
                i++;
                if (i - start > MaxLocalPartLength)
                    return SmtpAddressError.LocalPartTooLong;
            }
            if (i - start > MaxLocalPartLength)
                return SmtpAddressError.LocalPartTooLong;
            var decodeError = TryDecode([.. decoded], out localPart);
            if (decodeError != SmtpAddressError.None)
                return decodeError;
        }
        else
        {
            // Dot-string = Atom *("." Atom), Atom = 1*atext (UTF-8 allowed by RFC 6531).
            while (i < input.Length && (IsAtext(input[i]) || input[i] == (byte)'.' || input[i] >= 0x80))
                i++;
            var dot = input[start..i];
            if (dot.IsEmpty || dot[0] == (byte)'.' || dot[^1] == (byte)'.' || dot.IndexOf(".."u8) >= 0)
                return SmtpAddressError.Syntax;
            if (dot.Length > MaxLocalPartLength)
                return SmtpAddressError.LocalPartTooLong;
            var decodeError = TryDecode(dot, out localPart);
            if (decodeError != SmtpAddressError.None)
                return decodeError;
        }

        // RFC 5321 §4.5.1: RCPT TO:<Postmaster> (any case, no domain) must be accepted.
        if (allowBarePostmaster && i < input.Length && input[i] == (byte)'>'
            && string.Equals(localPart, "postmaster", StringComparison.OrdinalIgnoreCase) && input[start] != (byte)'"')
        {
            domain = "";
            return SmtpAddressError.None;
        }

        if (i >= input.Length || input[i] != (byte)'@')
            return SmtpAddressError.Syntax;
        i++;

        if (i < input.Length && input[i] == (byte)'[')
        {
            // address-literal = "[" ( IPv4 / IPv6 / General ) "]"; dcontent has no "[", "\" or "]".
            int close = input[i..].IndexOf((byte)']');
            if (close < 0)
                return SmtpAddressError.Syntax;
            var text = input.Slice(i, close + 1);
            if (!SmtpDomain.TryParseAddressLiteral(text, out literal))
                return SmtpAddressError.Syntax;
            domain = SmtpDomain.FormatAddressLiteral(literal!);
            i += close + 1;
            return SmtpAddressError.None;
        }

        int n = ScanDomain(input[i..]);
        if (n == 0)
            return SmtpAddressError.Syntax;
        var name = input.Slice(i, n);
        if (!SmtpDomain.IsValid(name, allowUtf8: true))
        {
            if (!System.Text.Unicode.Utf8.IsValid(name))
                return SmtpAddressError.InvalidUtf8;
            return n > SmtpDomain.MaxLength || HasLongLabel(name) ? SmtpAddressError.DomainTooLong : SmtpAddressError.Syntax;
        }
        domain = SmtpDomain.Normalize(name);
        i += n;
        return SmtpAddressError.None;
    }

    // The run of bytes that can belong to a domain: LDH, dots and (UTF-8) bytes above 0x7F.
    private static int ScanDomain(ReadOnlySpan<byte> s)
    {
        int n = 0;
        while (n < s.Length && (SmtpDomain.IsLetDig(s[n]) || s[n] == (byte)'-' || s[n] == (byte)'.' || s[n] >= 0x80))
            n++;
        return n;
    }

    private static bool HasLongLabel(ReadOnlySpan<byte> name)
    {
        while (true)
        {
            int dot = name.IndexOf((byte)'.');
            if ((dot < 0 ? name.Length : dot) > SmtpDomain.MaxLabelLength)
                return true;
            if (dot < 0)
                return false;
            name = name[(dot + 1)..];
        }
    }

    // Local parts must be UTF-8 (InvalidUtf8 otherwise) without control characters (Syntax).
    private static SmtpAddressError TryDecode(ReadOnlySpan<byte> bytes, out string? text)
    {
        text = null;
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
            return SmtpAddressError.InvalidUtf8;
        if (!SmtpDomain.IsCleanUtf8(bytes))
            return SmtpAddressError.Syntax;
        text = Encoding.UTF8.GetString(bytes);
        return SmtpAddressError.None;
    }

    // RFC 5321 §4.1.2 / RFC 5322 §3.2.3 atext: ALPHA / DIGIT / "!#$%&'*+-/=?^_`{|}~".
    internal static bool IsAtext(byte b) =>
        char.IsAsciiLetterOrDigit((char)b) || (b < 0x80 && "!#$%&'*+-/=?^_`{|}~".Contains((char)b));
}
