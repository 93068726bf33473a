using System.Text;

namespace Letterbox.Protocol.Sasl;

/// <summary>The credentials of one PLAIN exchange (RFC 4616).</summary>
public sealed record PlainCredentials(string AuthorizationId, string AuthenticationId, string Password);

/// <summary>
/// SASL PLAIN (RFC 4616 §2): base64 of `authzid NUL authcid NUL passwd`, all UTF-8. The message is
/// parsed, never trusted: wrong shape, invalid base64 or UTF-8, NULs in a field or overlong fields
/// give null, which every protocol answers as a syntax error of its own kind.
/// </summary>
public static class SaslPlain
{
    public const string Mechanism = "PLAIN";

    /// <summary>RFC 4616 §2: each field is at most 255 octets.</summary>
    public const int MaxFieldBytes = 255;

    public static PlainCredentials? Decode(string base64)
    {
        if (base64.Length == 0 || base64.Length > 4 * ((3 * MaxFieldBytes + 2 + 2) / 3))
            return null;
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return null;
        }
        return Parse(bytes);
    }

    public static PlainCredentials? Parse(ReadOnlySpan<byte> message)
    {
        int first = message.IndexOf((byte)0);
        if (first < 0)
            return null;
        var rest = message[(first + 1)..];
        int second = rest.IndexOf((byte)0);
        if (second < 0)
            return null;
        var authz = message[..first];
        var authc = rest[..second];
        var password = rest[(second + 1)..];
        if (password.IndexOf((byte)0) >= 0 || authc.Length == 0 || password.Length == 0)
            return null;
        if (authz.Length > MaxFieldBytes || authc.Length > MaxFieldBytes || password.Length > MaxFieldBytes)
            return null;
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        try
        {
            return new PlainCredentials(utf8.GetString(authz), utf8.GetString(authc), utf8.GetString(password));
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
