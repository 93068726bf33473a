using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Letterbox.Net.Tls;

/// <summary>
/// The certificate a TLS listener presents, read from PEM files and read again when they change
/// (checked at most every few seconds), so a renewed certificate is used by the next handshake
/// without a restart and without touching open connections.
/// </summary>
/// <remarks>
/// With a fallback pair, the fallback is served while the primary files do not both exist: an
/// ACME certificate replaces the self-signed one the moment it is written.
/// </remarks>
public sealed class CertificateSource(string certificatePath, string keyPath, string? fallbackCertificatePath = null, string? fallbackKeyPath = null)
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private X509Certificate2? _current;
    private DateTime _certWritten, _keyWritten, _nextCheck;
    private string? _loadedFrom;
    private SslStreamCertificateContext? _context;

    /// <summary>
    /// An RSA certificate for clients whose ClientHello offers no ECDSA (old TLS 1.2 stacks);
    /// <see cref="TlsPolicy.AcceptAsync"/> picks it per connection.
    /// </summary>
    public CertificateSource? Alternate { get; init; }

    /// <summary>Whether this source's files are there and load (a missing alternate is simply not offered).</summary>
    public bool IsUsable
    {
        get
        {
            try
            {
                return File.Exists(CertificatePath) && File.Exists(KeyPath) && Current is not null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                return false;
            }
        }
    }

    public string CertificatePath { get; } = certificatePath;
    public string KeyPath { get; } = keyPath;

    /// <summary>
    /// The certificate with the intermediates that follow it in the chain file, as a handshake
    /// sends them (RFC 8446 §4.4.2: leaf first, then the certificates that certify it).
    /// </summary>
    public SslStreamCertificateContext Context
    {
        get
        {
            var current = Current;
            lock (_gate)
                return _context ??= SslStreamCertificateContext.Create(current, null, offline: true);
        }
    }

    private static SslStreamCertificateContext ContextOf(X509Certificate2 leaf, string chainPath)
    {
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(chainPath);
        var intermediates = new X509Certificate2Collection();
        foreach (var c in all.Skip(1))
            intermediates.Add(c);
        // offline: never fetch missing issuers from the network during a handshake.
        return SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
    }

    /// <summary>The certificate to present now; the last good one if the files are being replaced.</summary>
    public X509Certificate2 Current
    {
        get
        {
            lock (_gate)
            {
                var now = DateTime.UtcNow;
                if (_current is not null && now < _nextCheck)
                    return _current;
                _nextCheck = now + CheckInterval;
                var (certPath, keyPath) = fallbackCertificatePath is not null && fallbackKeyPath is not null
                    && !(File.Exists(CertificatePath) && File.Exists(KeyPath))
                    ? (fallbackCertificatePath, fallbackKeyPath)
                    : (CertificatePath, KeyPath);
                var certWritten = File.GetLastWriteTimeUtc(certPath);
                var keyWritten = File.GetLastWriteTimeUtc(keyPath);
                if (_current is null || certWritten != _certWritten || keyWritten != _keyWritten || certPath != _loadedFrom)
                {
                    try
                    {
                        var loaded = X509Certificate2.CreateFromPemFile(certPath, keyPath);
                        _context = ContextOf(loaded, certPath);
                        _current = loaded;
                        (_certWritten, _keyWritten, _loadedFrom) = (certWritten, keyWritten, certPath);
                    }
                    catch (Exception e) when (_current is not null && e is IOException or System.Security.Cryptography.CryptographicException)
                    {
                        // Half-written during a renewal: keep serving the last good one and look again soon.
                    }
                }
                return _current;
            }
        }
    }
}
