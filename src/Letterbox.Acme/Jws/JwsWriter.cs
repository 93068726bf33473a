using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Letterbox.Acme.Jws;

/// <summary>
/// Flattened JWS JSON serialization (RFC 7515 §7.2.2), the only form ACME accepts (RFC 8555 §6.2).
/// Headers are written by hand with <see cref="Utf8JsonWriter"/>: no reflection, exact members.
/// </summary>
public static class JwsWriter
{
    /// <summary>
    /// A request signed by the account key: "jwk" for newAccount (and revocation by key), "kid"
    /// (the account URL) for everything else (RFC 8555 §6.2). A null payload is POST-as-GET (§6.3),
    /// whose payload is the empty string.
    /// </summary>
    public static byte[] Sign(AccountKey key, Uri url, string nonce, string? accountUrl, byte[]? payloadJson)
    {
        var protectedHeader = Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("alg", "ES256");
            if (accountUrl is null)
            {
                w.WritePropertyName("jwk");
                key.WriteJwk(w);
            }
            else
            {
                w.WriteString("kid", accountUrl);
            }
            w.WriteString("nonce", nonce);
            w.WriteString("url", url.AbsoluteUri);
            w.WriteEndObject();
        });
        var p = Base64Url.Encode(protectedHeader);
        var body = payloadJson is null ? "" : Base64Url.Encode(payloadJson);
        var signature = key.Sign(Encoding.ASCII.GetBytes(p + "." + body));
        return Flattened(p, body, Base64Url.Encode(signature));
    }

    /// <summary>
    /// The externalAccountBinding member of newAccount (RFC 8555 §7.3.4): a JWS by the CA-issued
    /// MAC key (HS256) over the account's public JWK, with the EAB key id as "kid".
    /// </summary>
    public static byte[] ExternalAccountBinding(AccountKey key, string eabKeyId, byte[] macKey, Uri newAccountUrl)
    {
        var protectedHeader = Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("alg", "HS256");
            w.WriteString("kid", eabKeyId);
            w.WriteString("url", newAccountUrl.AbsoluteUri);
            w.WriteEndObject();
        });
        var p = Base64Url.Encode(protectedHeader);
        var body = Base64Url.Encode(Encoding.UTF8.GetBytes(key.Jwk));
        var mac = HMACSHA256.HashData(macKey, Encoding.ASCII.GetBytes(p + "." + body));
        return Flattened(p, body, Base64Url.Encode(mac));
    }

    private static byte[] Flattened(string protectedB64, string payloadB64, string signatureB64) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("protected", protectedB64);
        w.WriteString("payload", payloadB64);
        w.WriteString("signature", signatureB64);
        w.WriteEndObject();
    });

    internal static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
            write(w);
        return buffer.ToArray();
    }
}
