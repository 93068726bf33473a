using System.Text;
using System.Text.Unicode;

namespace Letterbox.Protocol.Imap;

/// <summary>
/// Mailbox names on the wire: modified UTF-7 (RFC 3501 §5.1.3, RFC 9051 appendix A.1) for IMAP4rev1
/// sessions, plain UTF-8 once the client has enabled IMAP4rev2 or UTF8=ACCEPT (RFC 9051 §5.1,
/// RFC 6855 §3). Decoders are strict and never throw: anything not exactly valid is refused.
/// </summary>
/// <remarks>
/// <para>Modified UTF-7 rules enforced (RFC 3501 §5.1.3): only printable US-ASCII (0x20-0x7E) on the
/// wire; "&amp;-" is "&amp;"; "&amp;" starts modified BASE64 (with "," for "/") of UTF-16BE, ended
/// by "-" — an unterminated run is refused; no padding, and the leftover bits (fewer than 6) must be
/// zero; BASE64 "MUST NOT be used to represent any printing US-ASCII character which can represent
/// itself"; null shifts ("-&amp;" while in BASE64: two adjacent encoded runs) are not permitted; the
/// UTF-16 must be well formed (no lone surrogates).</para>
/// <para>Either way, a name that decodes to control characters (U+0000-U+001F, U+007F-U+009F) is
/// refused: mailbox names are Net-Unicode (RFC 9051 §5.1, RFC 5198 §2).</para>
/// </remarks>
public static class ImapMailboxName
{
    /// <summary>The one name that is case-insensitive (RFC 9051 §5.1).</summary>
    public const string Inbox = "INBOX";

    private const string Base64Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

    /// <summary>Any case of "INBOX" becomes "INBOX" (RFC 9051 §9 mailbox); other names are unchanged.</summary>
    public static string Normalize(string name) =>
        string.Equals(name, Inbox, StringComparison.OrdinalIgnoreCase) ? Inbox : name;

    /// <summary>The wire form of a name: UTF-8 as is when <paramref name="utf8"/>, else modified UTF-7.</summary>
    public static string Encode(string name, bool utf8) => utf8 ? name : EncodeModifiedUtf7(name);

    /// <summary>Decodes a name as received: UTF-8 when <paramref name="utf8"/>, else modified UTF-7.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> wire, bool utf8, out string? name)
    {
        name = null;
        string? decoded;
        if (utf8)
        {
            if (!Utf8.IsValid(wire))
                return false;
            decoded = Encoding.UTF8.GetString(wire);
        }
        else if (!TryDecodeModifiedUtf7(wire, out decoded))
            return false;
        foreach (char c in decoded!)
            if (c < 0x20 || (c >= 0x7F && c <= 0x9F))
                return false;
        name = decoded;
        return true;
    }

    /// <summary>Encodes a name in modified UTF-7 (RFC 3501 §5.1.3). Lone surrogates become U+FFFD.</summary>
    public static string EncodeModifiedUtf7(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var sb = new StringBuilder(name.Length + 8);
        int i = 0;
        while (i < name.Length)
        {
            char c = name[i];
            if (c >= 0x20 && c <= 0x7E)
            {
                sb.Append(c == '&' ? "&-" : c.ToString());
                i++;
                continue;
            }
            int start = i;
            while (i < name.Length && !(name[i] >= 0x20 && name[i] <= 0x7E))
                i++;
            sb.Append('&');
            int bits = 0, nbits = 0;
            for (int k = start; k < i; k++)
            {
                char u = name[k];
                if (char.IsHighSurrogate(u) && k + 1 < i && char.IsLowSurrogate(name[k + 1]))
                {
                    Emit(sb, u, ref bits, ref nbits);
                    u = name[++k];
                }
                else if (char.IsSurrogate(u))
                    u = '\uFFFD';
                Emit(sb, u, ref bits, ref nbits);
            }
            if (nbits > 0)
                sb.Append(Base64Chars[(bits << (6 - nbits)) & 0x3F]);
            sb.Append('-');
        }
        return sb.ToString();
    }

    private static void Emit(StringBuilder sb, char unit, ref int bits, ref int nbits)
    {
        bits = (bits << 16) | unit;
        nbits += 16;
        while (nbits >= 6)
        {
            nbits -= 6;
            sb.Append(Base64Chars[(bits >> nbits) & 0x3F]);
        }
        bits &= (1 << nbits) - 1;
    }

    /// <summary>Decodes modified UTF-7 (RFC 3501 §5.1.3) strictly; false for anything malformed.</summary>
    public static bool TryDecodeModifiedUtf7(ReadOnlySpan<byte> wire, out string? name)
    {
        name = null;
        var sb = new StringBuilder(wire.Length);
        bool afterRun = false; // the previous thing was an encoded run: "&" + BASE64 now would be a null shift
        int i = 0;
        while (i < wire.Length)
        {
            byte b = wire[i];
            if (b < 0x20 || b > 0x7E)
                return false;
            if (b != (byte)'&')
            {
                sb.Append((char)b);
                afterRun = false;
                i++;
                continue;
            }
            i++;
            if (i < wire.Length && wire[i] == (byte)'-')
            {
                sb.Append('&');
                afterRun = false;
                i++;
                continue;
            }
            if (afterRun)
                return false;
            int bits = 0, nbits = 0, units = 0;
            char pendingHigh = '\0';
            while (i < wire.Length && wire[i] != (byte)'-')
            {
                int v = Base64Chars.IndexOf((char)wire[i]);
                if (v < 0)
                    return false;
                bits = (bits << 6) | v;
                nbits += 6;
                if (nbits >= 16)
                {
                    nbits -= 16;
                    char u = (char)((bits >> nbits) & 0xFFFF);
                    bits &= (1 << nbits) - 1;
                    units++;
                    if (pendingHigh != '\0')
                    {
                        if (!char.IsLowSurrogate(u))
                            return false;
                        sb.Append(pendingHigh).Append(u);
                        pendingHigh = '\0';
                    }
                    else if (char.IsHighSurrogate(u))
                        pendingHigh = u;
                    else if (char.IsLowSurrogate(u) || (u >= 0x20 && u <= 0x7E))
                        return false; // lone low surrogate; or printable ASCII that must stand for itself
                    else
                        sb.Append(u);
                }
                i++;
            }
            if (i == wire.Length)
                return false; // unterminated: names "MUST end in US-ASCII"
            i++; // the "-"
            if (units == 0 || nbits >= 6 || bits != 0 || pendingHigh != '\0')
                return false;
            afterRun = true;
        }
        name = sb.ToString();
        return true;
    }
}
