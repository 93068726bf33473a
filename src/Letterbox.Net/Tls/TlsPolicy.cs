using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Letterbox.Net.Tls;

/// <summary>
/// The one TLS policy every listener uses: TLS 1.2 and 1.3 only, the cipher suites of
/// Mozilla's "intermediate" profile (forward secrecy, AEAD only), no renegotiation.
/// Compression is never offered by the OpenSSL that .NET uses on Linux.
/// </summary>
public static class TlsPolicy
{
    public static readonly SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>Mozilla intermediate (v5.7): TLS 1.3 suites, then ECDHE + AES-GCM/ChaCha20 for TLS 1.2.</summary>
    public static readonly TlsCipherSuite[] CipherSuites =
    [
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ];

    /// <summary>Server options for one handshake; the certificate comes from a selector so a renewed one is used at once.</summary>
    public static SslServerAuthenticationOptions ServerOptions(Func<X509Certificate2> certificate) => new()
    {
        EnabledSslProtocols = Protocols,
        CipherSuitesPolicy = new CipherSuitesPolicy(CipherSuites),
        ServerCertificateSelectionCallback = (_, _) => certificate(),
        ClientCertificateRequired = false,
        AllowRenegotiation = false,
        EncryptionPolicy = EncryptionPolicy.RequireEncryption,
    };

    /// <summary>
    /// The server side of one handshake over <paramref name="inner"/> (STARTTLS, STLS, or implicit
    /// TLS on accept), bounded by <paramref name="timeout"/>. Returns the TLS stream, or null and
    /// why not; a failed handshake is the client's problem, never an exception for the session.
    /// </summary>
    public static async Task<(SslStream? Stream, string? Error)> AcceptAsync(Stream inner, CertificateSource certificate,
        TimeSpan timeout, CancellationToken ct)
    {
        var tls = new SslStream(inner, leaveInnerStreamOpen: false);
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(ct);
        handshake.CancelAfter(timeout);
        try
        {
            await tls.AuthenticateAsServerAsync(ServerOptions(() => certificate.Current), handshake.Token);
            return (tls, null);
        }
        catch (Exception e) when (e is IOException or AuthenticationException or OperationCanceledException)
        {
            await tls.DisposeAsync();
            return (null, e.Message);
        }
    }
}
