using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Letterbox.Net.Tls;

namespace Letterbox.Acme.Jws;

/// <summary>
/// The ACME account key: ECDSA P-256, signing with ES256 (RFC 7518 §3.4). Its public half is the
/// JWK sent with newAccount, and its RFC 7638 thumbprint is part of every key authorization.
/// </summary>
public sealed class AccountKey : IDisposable
{
    private readonly ECDsa _key;

    private AccountKey(ECDsa key)
    {
        _key = key;
        var p = key.ExportParameters(includePrivateParameters: false);
        var x = Base64Url.Encode(p.Q.X);
        var y = Base64Url.Encode(p.Q.Y);
        // RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace.
        Jwk = $"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{x}\",\"y\":\"{y}\"}}";
        Thumbprint = Base64Url.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(Jwk)));
    }

    /// <summary>The public key as a JWK, in the canonical form RFC 7638 hashes.</summary>
    public string Jwk { get; }

    /// <summary>base64url(SHA-256(canonical JWK)), RFC 7638 §3.</summary>
    public string Thumbprint { get; }

    public static AccountKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    public static AccountKey FromPem(string pem)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(pem);
        if (key.KeySize != 256)
            throw new AcmeException($"the ACME account key is a {key.KeySize}-bit EC key; P-256 is required");
        return new AccountKey(key);
    }

    /// <summary>
    /// The key in <paramref name="path"/>, made (mode 0600 from creation) when the file is absent.
    /// A key that others may read is tightened to 0600: it signs for the account.
    /// </summary>
    public static AccountKey LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            try
            {
                return FromPem(File.ReadAllText(path));
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                throw new AcmeException($"ACME account key {path} is not a PEM EC private key ({e.Message}); move it away to make a new account");
            }
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var created = Generate();
        SelfSignedCertificate.WriteSecret(path, created.ExportPem());
        return created;
    }

    public string ExportPem() => _key.ExportPkcs8PrivateKeyPem();

    /// <summary>ES256: the 64-byte r||s signature over the JWS signing input (RFC 7518 §3.4).</summary>
    public byte[] Sign(ReadOnlySpan<byte> signingInput) =>
        _key.SignData(signingInput, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>The key authorization for a challenge token (RFC 8555 §8.1).</summary>
    public string KeyAuthorization(string token) => token + "." + Thumbprint;

    /// <summary>The TXT value for dns-01: base64url(SHA-256(key authorization)) (RFC 8555 §8.4).</summary>
    public string Dns01TxtValue(string token) =>
        Base64Url.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(KeyAuthorization(token))));

    /// <summary>The JWK as a JSON element, for embedding in a protected header.</summary>
    internal void WriteJwk(Utf8JsonWriter writer)
    {
        using var doc = JsonDocument.Parse(Jwk);
        doc.RootElement.WriteTo(writer);
    }

    public void Dispose() => _key.Dispose();
}
