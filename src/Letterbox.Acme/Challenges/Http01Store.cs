using Letterbox.Acme.Jws;

namespace Letterbox.Acme.Challenges;

/// <summary>
/// http-01 key authorizations on disk (RFC 8555 §8.3): the ACME process writes
/// &lt;data&gt;/acme/http-01/&lt;token&gt;, and the HTTP daemon answers
/// GET /.well-known/acme-challenge/&lt;token&gt; from it. A file per token keeps the two processes
/// apart: the HTTP daemon never holds the account key.
/// </summary>
public sealed class Http01Store(string dataDirectory)
{
    /// <summary>The URL path prefix the CA fetches (RFC 8555 §8.3).</summary>
    public const string PathPrefix = "/.well-known/acme-challenge/";

    /// <summary>Tokens are base64url (RFC 8555 §8.3, at least 128 bits); anything else is never a file name.</summary>
    public const int MaxTokenLength = 128;

    public string Directory { get; } = Path.Combine(dataDirectory, "acme", "http-01");

    public static bool IsValidToken(string token) =>
        token.Length is >= 16 and <= MaxTokenLength && Base64Url.IsAlphabet(token);

    public void Publish(string token, string keyAuthorization)
    {
        RequireToken(token);
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, token);
        // The key authorization is public (the CA fetches it over plain HTTP), so 0644 is right.
        File.WriteAllText(path + ".tmp", keyAuthorization);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public void Withdraw(string token)
    {
        RequireToken(token);
        File.Delete(Path.Combine(Directory, token));
    }

    /// <summary>The key authorization for <paramref name="token"/>, or null when there is none (or the token is malformed).</summary>
    public string? TryRead(string token)
    {
        if (!IsValidToken(token))
            return null;
        try
        {
            var path = Path.Combine(Directory, token);
            var info = new FileInfo(path);
            // A key authorization is token + "." + 43-character thumbprint; refuse anything odd on disk.
            return info.Exists && info.Length <= MaxTokenLength + 64 ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void RequireToken(string token)
    {
        if (!IsValidToken(token))
            throw new AcmeException($"the CA sent an http-01 token that is not base64url of a sane length: '{token[..Math.Min(token.Length, 40)]}'");
    }
}
