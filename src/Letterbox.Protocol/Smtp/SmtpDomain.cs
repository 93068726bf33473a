using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Unicode;

namespace Letterbox.Protocol.Smtp;

/// <summary>
/// Syntax of the domain part of an address and of the EHLO argument (RFC 5321 §4.1.2, §4.1.3,
/// RFC 6531 §3.3): dot-separated LDH labels, or U-labels when UTF-8 is allowed, or an address
/// literal "[192.0.2.1]" / "[IPv6:2001:db8::1]".
/// </summary>
public static class SmtpDomain
{
    /// <summary>RFC 5321 §4.5.3.1.2.</summary>
    public const int MaxLength = 255;

    /// <summary>RFC 1035 §2.3.4, RFC 5890 §2.3.2.1.</summary>
    public const int MaxLabelLength = 63;

    /// <summary>
    /// True if <paramref name="domain"/> is a syntactically valid domain name: labels of 1 to 63
    /// octets made of letters, digits and hyphens, not starting or ending with a hyphen, at most
    /// 255 octets in all, no trailing dot. With <paramref name="allowUtf8"/>, a label may also hold
    /// UTF-8 (a U-label, RFC 6531 §3.3); the UTF-8 must be valid and free of control characters.
    /// IDNA rules beyond that (which code points, NFC) are not checked.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<byte> domain, bool allowUtf8)
    {
        if (domain.IsEmpty || domain.Length > MaxLength)
            return false;
        var whole = domain;
        bool any8bit = false;
        while (true)
        {
            int dot = domain.IndexOf((byte)'.');
            var label = dot < 0 ? domain : domain[..dot];
            if (label.IsEmpty || label.Length > MaxLabelLength)
                return false;
            if (label[0] == (byte)'-' || label[^1] == (byte)'-')
                return false;
            foreach (byte b in label)
            {
                if (b >= 0x80)
                {
                    if (!allowUtf8)
                        return false;
                    any8bit = true;
                }
                else if (!IsLetDig(b) && b != (byte)'-')
                    return false;
            }
            if (dot < 0)
                break;
            domain = domain[(dot + 1)..];
        }
        return !any8bit || IsCleanUtf8(whole);
    }

    /// <summary>The domain, lower-cased (ASCII case folding for LDH names, invariant for U-labels).</summary>
    internal static string Normalize(ReadOnlySpan<byte> domain)
    {
        string s = Encoding.UTF8.GetString(domain);
        return s.ToLowerInvariant();
    }

    /// <summary>
    /// Parses an address literal including its brackets (RFC 5321 §4.1.3): "[" IPv4 "]" with
    /// exactly four decimal parts of 0-255, or "[IPv6:" address "]". The General-address-literal
    /// form (another tag) names no real address type and is refused.
    /// </summary>
    public static bool TryParseAddressLiteral(ReadOnlySpan<byte> literal, out IPAddress? address)
    {
        address = null;
        if (literal.Length < 3 || literal[0] != (byte)'[' || literal[^1] != (byte)']')
            return false;
        var inner = literal[1..^1];
        if (inner.Length > 5 && Ascii.EqualsIgnoreCase(inner[..5], "IPv6:"u8))
        {
            var v6 = inner[5..];
            // IPAddress.TryParse also takes zone ids, brackets and ports: allow only the
            // characters RFC 5321's IPv6-addr can contain before handing it over.
            if (v6.IsEmpty || v6.Length > 45)
                return false;
            foreach (byte b in v6)
                if (!(IsHex(b) || b == (byte)':' || b == (byte)'.'))
                    return false;
            if (!IPAddress.TryParse(Encoding.ASCII.GetString(v6), out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
                return false;
            address = ip;
            return true;
        }
        return TryParseIPv4(inner, out address);
    }

    /// <summary>The canonical text of an address literal: "[192.0.2.1]" or "[IPv6:2001:db8::1]".</summary>
    public static string FormatAddressLiteral(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[IPv6:{address}]" : $"[{address}]";

    // RFC 5321 §4.1.3: IPv4-address-literal = Snum 3("." Snum), Snum = 1*3DIGIT (0-255).
    // Parsed by hand: IPAddress.TryParse also accepts "1", "0x7f.1" and other historic forms.
    private static bool TryParseIPv4(ReadOnlySpan<byte> text, out IPAddress? address)
    {
        address = null;
        Span<byte> octets = stackalloc byte[4];
        int part = 0;
        while (true)
        {
            int n = 0, value = 0;
            while (n < text.Length && n < 4 && char.IsAsciiDigit((char)text[n]))
                value = value * 10 + (text[n++] - '0');
            if (n == 0 || n > 3 || value > 255)
                return false;
            octets[part++] = (byte)value;
            text = text[n..];
            if (part == 4)
                break;
            if (text.IsEmpty || text[0] != (byte)'.')
                return false;
            text = text[1..];
        }
        if (!text.IsEmpty)
            return false;
        address = new IPAddress(octets);
        return true;
    }

    /// <summary>True for valid UTF-8 that decodes to no control character (C0, DEL or C1).</summary>
    internal static bool IsCleanUtf8(ReadOnlySpan<byte> bytes)
    {
        if (!Utf8.IsValid(bytes))
            return false;
        foreach (var rune in Encoding.UTF8.GetString(bytes).EnumerateRunes())
            if (Rune.IsControl(rune))
                return false;
        return true;
    }

    internal static bool IsLetDig(byte b) => char.IsAsciiLetterOrDigit((char)b);

    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);
}
