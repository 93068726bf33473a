using System.Text;

namespace Letterbox.Protocol.Dns;

/// <summary>One field of a master-file line (RFC 1035 §5.1): its raw text, escapes not yet undone, and whether it was quoted.</summary>
public readonly record struct MasterToken(string Text, bool Quoted)
{
    public override string ToString() => Quoted ? $"\"{Text}\"" : Text;
}

/// <summary>Presentation-format pieces shared by the record types: character-strings and hex.</summary>
public static class DnsText
{
    /// <summary>A character-string in quotes, with '"', '\' and non-printable octets escaped.</summary>
    public static string QuoteCharacterString(ReadOnlySpan<byte> value)
    {
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (byte b in value)
        {
            if (b is (byte)'"' or (byte)'\\')
                sb.Append('\\').Append((char)b);
            else if (b < 0x20 || b >= 0x7F)
                sb.Append('\\').Append((b / 100).ToString(System.Globalization.CultureInfo.InvariantCulture))
                  .Append((b / 10 % 10).ToString(System.Globalization.CultureInfo.InvariantCulture))
                  .Append((b % 10).ToString(System.Globalization.CultureInfo.InvariantCulture));
            else
                sb.Append((char)b);
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Undoes "\X" and "\DDD" escapes; text is taken as UTF-8.</summary>
    public static byte[] DecodeCharacterString(string raw)
    {
        var bytes = new List<byte>(raw.Length);
        var utf8 = Encoding.UTF8;
        Span<byte> one = stackalloc byte[4];
        for (int i = 0; i < raw.Length; i++)
        {
            char c = raw[i];
            if (c == '\\' && i + 1 < raw.Length)
            {
                if (i + 3 < raw.Length && char.IsAsciiDigit(raw[i + 1]) && char.IsAsciiDigit(raw[i + 2]) && char.IsAsciiDigit(raw[i + 3]))
                {
                    int v = (raw[i + 1] - '0') * 100 + (raw[i + 2] - '0') * 10 + (raw[i + 3] - '0');
                    if (v > 255)
                        throw new FormatException($"escape \\{raw.Substring(i + 1, 3)} is above 255");
                    bytes.Add((byte)v);
                    i += 3;
                }
                else
                {
                    bytes.Add((byte)raw[++i]);
                }
            }
            else if (c < 0x80)
            {
                bytes.Add((byte)c);
            }
            else
            {
                int n = utf8.GetBytes(raw.AsSpan(i, char.IsHighSurrogate(c) && i + 1 < raw.Length ? 2 : 1), one);
                for (int k = 0; k < n; k++)
                    bytes.Add(one[k]);
                if (char.IsHighSurrogate(c))
                    i++;
            }
        }
        return bytes.ToArray();
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    /// <summary>Hex that may be split over several fields (RFC 6698 §2.2 allows spaces).</summary>
    public static byte[] ParseHex(IEnumerable<MasterToken> tokens)
    {
        var joined = string.Concat(tokens.Select(t => t.Text));
        if (joined.Length % 2 != 0)
            throw new FormatException("odd number of hex digits");
        return Convert.FromHexString(joined);
    }
}
