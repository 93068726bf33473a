using System.Text;

namespace Letterbox.Protocol.Smtp;

/// <summary>
/// xtext (RFC 3461 §4), the encoding of the ENVID, ORCPT and AUTH= parameter values:
/// <code>
/// xtext   = *( xchar / hexchar )
/// xchar   = any ASCII from "!" (33) to "~" (126) except "+" and "="
/// hexchar = "+" 2HEXDIG
/// </code>
/// RFC 3461 writes the hex digits upper-case; lower-case is accepted on input, since nothing is
/// gained by refusing it.
/// </summary>
public static class Xtext
{
    /// <summary>
    /// Decodes <paramref name="encoded"/>. Fails on a character outside xchar, a truncated or
    /// non-hex "+XX", or a result that is not valid UTF-8 (the decoded values are addresses and
    /// identifiers: text, not arbitrary bytes).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> encoded, out string? decoded)
    {
        decoded = null;
        Span<byte> bytes = encoded.Length <= 512 ? stackalloc byte[encoded.Length] : new byte[encoded.Length];
        int n = 0;
        for (int i = 0; i < encoded.Length; i++)
        {
            byte b = encoded[i];
            if (b == (byte)'+')
            {
                if (i + 2 >= encoded.Length || !TryHex(encoded[i + 1], out int hi) || !TryHex(encoded[i + 2], out int lo))
                    return false;
                bytes[n++] = (byte)(hi << 4 | lo);
                i += 2;
            }
            else if (b >= 33 && b <= 126 && b != (byte)'=')
                bytes[n++] = b;
            else
                return false;
        }
        var result = bytes[..n];
        if (!System.Text.Unicode.Utf8.IsValid(result))
            return false;
        decoded = Encoding.UTF8.GetString(result);
        return true;
    }

    /// <summary>Decodes a string of xtext (see <see cref="TryDecode(ReadOnlySpan{byte}, out string?)"/>).</summary>
    public static bool TryDecode(string encoded, out string? decoded) =>
        TryDecode(Encoding.UTF8.GetBytes(encoded), out decoded);

    /// <summary>Encodes <paramref name="value"/> (as UTF-8): xchars as they are, everything else as "+XX".</summary>
    public static string Encode(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            if (b >= 33 && b <= 126 && b != (byte)'+' && b != (byte)'=')
                sb.Append((char)b);
            else
                sb.Append('+').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static bool TryHex(byte b, out int value)
    {
        value = b switch
        {
            >= (byte)'0' and <= (byte)'9' => b - '0',
            >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
            >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
            _ => -1,
        };
        return value >= 0;
    }
}
