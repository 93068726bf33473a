using System.Security.Cryptography.X509Certificates;

namespace Letterbox.Net.Tls;

/// <summary>
/// The certificate a TLS listener presents, read from PEM files and read again when they change
/// (checked at most every few seconds), so a renewed certificate is used by the next handshake
/// without a restart and without touching open connections.
/// </summary>
public sealed class CertificateSource(string certificatePath, string keyPath)
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private X509Certificate2? _current;
    private DateTime _certWritten, _keyWritten, _nextCheck;

    public string CertificatePath { get; } = certificatePath;
    public string KeyPath { get; } = keyPath;

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
                var certWritten = File.GetLastWriteTimeUtc(CertificatePath);
                var keyWritten = File.GetLastWriteTimeUtc(KeyPath);
                if (_current is null || certWritten != _certWritten || keyWritten != _keyWritten)
                {
                    try
                    {
                        var loaded = X509Certificate2.CreateFromPemFile(CertificatePath, KeyPath);
                        _current = loaded;
                        (_certWritten, _keyWritten) = (certWritten, keyWritten);
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
