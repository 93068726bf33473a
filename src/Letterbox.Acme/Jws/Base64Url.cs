namespace Letterbox.Acme.Jws;

/// <summary>base64url without padding (RFC 7515 §2, RFC 4648 §5), the encoding of every JWS part.</summary>
public static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Decodes unpadded (or padded) base64url; throws <see cref="FormatException"/> on anything else.</summary>
    public static byte[] Decode(string text)
    {
        if (text.Contains('+', StringComparison.Ordinal) || text.Contains('/', StringComparison.Ordinal))
            throw new FormatException("not base64url: contains '+' or '/'");
        var s = text.Trim().TrimEnd('=').Replace('-', '+').Replace('_', '/');
        s = (s.Length % 4) switch
        {
            2 => s + "==",
            3 => s + "=",
            1 => throw new FormatException("not base64url: impossible length"),
            _ => s,
        };
        return Convert.FromBase64String(s);
    }

    /// <summary>Whether every character is in the base64url alphabet (the charset of ACME tokens, RFC 8555 §8.3).</summary>
    public static bool IsAlphabet(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
            if (!(c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_'))
                return false;
        return true;
    }
}
