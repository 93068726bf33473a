using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Letterbox.Tests.Pebble;

/// <summary>
/// A throw-away CA and a 127.0.0.1/localhost server certificate for pebble's own HTTPS listener
/// (Debian's pebble ships no test certificates). The client trusts exactly this CA.
/// </summary>
public sealed class TestCa : IDisposable
{
    public X509Certificate2 Root { get; }
    public string ServerCertPem { get; }
    public string ServerKeyPem { get; }

    public TestCa()
    {
        var now = DateTimeOffset.UtcNow;
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=Letterbox test CA for pebble", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        Root = rootRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(Root, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        ServerCertPem = server.ExportCertificatePem();
        ServerKeyPem = serverKey.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>An HTTP handler that trusts this CA and nothing else (no system roots, no bypass).</summary>
    public HttpMessageHandler Handler() => TrustOnly(Root);

    public static HttpMessageHandler TrustOnly(X509Certificate2 root) => new SocketsHttpHandler
    {
        SslOptions =
        {
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { root },
                RevocationMode = X509RevocationMode.NoCheck,
            },
        },
    };

    public void Dispose() => Root.Dispose();
}
