using System.Security.Cryptography.X509Certificates;
using Letterbox.Net.Tls;

namespace Letterbox.Acme.Certificates;

/// <summary>
/// The issued certificates under &lt;data&gt;/certs/: ecdsa.pem (chain, leaf first) + ecdsa.key,
/// rsa.pem + rsa.key, keys at 0600. Each TLS listener's CertificateSource watches these files,
/// so writing them is all a renewal has to do.
/// </summary>
public sealed class CertificateStore(string dataDirectory)
{
    public string Directory { get; } = Path.Combine(dataDirectory, "certs");

    public string CertificatePath(CertificateKind kind) => Path.Combine(Directory, kind.Stem() + ".pem");
    public string KeyPath(CertificateKind kind) => Path.Combine(Directory, kind.Stem() + ".key");

    /// <summary>
    /// Key first, then chain, each replaced by rename. A reader that sees the new key with the old
    /// chain fails to pair them and keeps its last good certificate until the chain follows.
    /// </summary>
    public void Save(IssuedCertificate issued)
    {
        System.IO.Directory.CreateDirectory(Directory);
        SelfSignedCertificate.WriteSecret(KeyPath(issued.Kind), issued.KeyPem);
        var chainPath = CertificatePath(issued.Kind);
        File.WriteAllText(chainPath + ".tmp", issued.ChainPem);
        File.Move(chainPath + ".tmp", chainPath, overwrite: true);
    }

    /// <summary>The stored certificate with its key, or null when there is none or it cannot be read.</summary>
    public X509Certificate2? Load(CertificateKind kind)
    {
        var cert = CertificatePath(kind);
        var key = KeyPath(kind);
        if (!File.Exists(cert) || !File.Exists(key))
            return null;
        try
        {
            return X509Certificate2.CreateFromPemFile(cert, key);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Whether the stored certificate names every one of <paramref name="names"/>.</summary>
    public static bool Covers(X509Certificate2 certificate, IEnumerable<string> names) =>
        names.All(n => certificate.MatchesHostname(n, allowWildcards: false, allowCommonName: false));
}
