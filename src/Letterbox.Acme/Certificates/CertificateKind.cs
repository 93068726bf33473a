using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Letterbox.Acme.Certificates;

/// <summary>The two certificates Letterbox keeps: ECDSA for current clients, RSA for old ones.</summary>
public enum CertificateKind
{
    EcdsaP256,
    Rsa2048,
}

public static class CertificateKeys
{
    /// <summary>File stem under &lt;data&gt;/certs/: ecdsa.pem + ecdsa.key, rsa.pem + rsa.key.</summary>
    public static string Stem(this CertificateKind kind) => kind == CertificateKind.EcdsaP256 ? "ecdsa" : "rsa";

    public static AsymmetricAlgorithm NewKey(CertificateKind kind) => kind switch
    {
        CertificateKind.EcdsaP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        _ => RSA.Create(2048),
    };

    /// <summary>
    /// A PKCS#10 request (RFC 2986) for <paramref name="names"/>: every name in the SAN (the CA
    /// takes the names from there, RFC 8555 §7.4), the first also as CN for old clients.
    /// </summary>
    public static byte[] CreateCsr(AsymmetricAlgorithm key, IReadOnlyList<string> names)
    {
        var subject = new X500DistinguishedName("CN=" + names[0]);
        var request = key switch
        {
            ECDsa ec => new CertificateRequest(subject, ec, HashAlgorithmName.SHA256),
            RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => throw new ArgumentException("unsupported key type", nameof(key)),
        };
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var ip))
                san.AddIpAddress(ip);
            else
                san.AddDnsName(name);
        }
        request.CertificateExtensions.Add(san.Build());
        return request.CreateSigningRequest();
    }

    public static string ExportPrivateKeyPem(AsymmetricAlgorithm key) => key switch
    {
        ECDsa ec => ec.ExportPkcs8PrivateKeyPem(),
        RSA rsa => rsa.ExportPkcs8PrivateKeyPem(),
        _ => throw new ArgumentException("unsupported key type", nameof(key)),
    };
}
