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

    /// <summary>Server options that send the certificate with its intermediates (a chain file's leaf alone does not verify).</summary>
    public static SslServerAuthenticationOptions ServerOptions(CertificateSource certificate) => new()
    {
        EnabledSslProtocols = Protocols,
        CipherSuitesPolicy = new CipherSuitesPolicy(CipherSuites),
        ServerCertificateContext = certificate.Context,
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
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(ct);
        handshake.CancelAfter(timeout);
        SslStream? tls = null;
        try
        {
            // With an RSA alternate, look at the ClientHello first to pick the certificate the client can verify.
            var served = certificate;
            if (certificate.Alternate is { } alternate)
            {
                var (hello, peeked) = await PeekClientHelloAsync(inner, handshake.Token);
                inner = new ReplayStream(peeked, inner);
                if (hello is { AcceptsEcdsa: false } && alternate.IsUsable)
                    served = alternate;
            }
            tls = new SslStream(inner, leaveInnerStreamOpen: false);
            await tls.AuthenticateAsServerAsync(ServerOptions(served), handshake.Token);
            return (tls, null);
        }
        catch (Exception e) when (e is IOException or AuthenticationException or OperationCanceledException)
        {
            if (tls is not null)
                await tls.DisposeAsync();
            else
                await inner.DisposeAsync();
            return (null, e.Message);
        }
    }

    /// <summary>
    /// Reads the client's first TLS record (at most one, 16 KiB) without consuming it for the
    /// handshake: the bytes are handed back to be replayed. Anything that is not a ClientHello
    /// ends the peek early and leaves the choice to the default certificate.
    /// </summary>
    private static async Task<(ClientHello? Hello, byte[] Peeked)> PeekClientHelloAsync(Stream inner, CancellationToken ct)
    {
        var buffer = new byte[ClientHello.RecordHeaderSize + ClientHello.MaxRecordLength];
        int filled = 0;
        while (true)
        {
            var status = ClientHello.TryParse(buffer.AsSpan(0, filled), out var hello);
            if (status != ClientHello.Status.NeedMore)
                return (hello, buffer[..filled]);
            int n = await inner.ReadAsync(buffer.AsMemory(filled), ct);
            if (n == 0)
                return (null, buffer[..filled]);
            filled += n;
        }
    }
}
