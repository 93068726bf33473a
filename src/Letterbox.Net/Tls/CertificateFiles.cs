using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Letterbox.Net.Tls;

/// <summary>
/// What can be wrong with an operator's own certificate and key files (tls.mode = files), found
/// before the daemons would quietly keep serving the last good pair: unreadable or not PEM, a key
/// that others may read, a key that is not the certificate's, a certificate out of its validity.
/// </summary>
public static class CertificateFiles
{
    /// <summary>Every problem, one line each; empty when the pair can be served.</summary>
    public static IReadOnlyList<string> Check(string certificatePath, string keyPath, DateTimeOffset now)
    {
        var problems = new List<string>();
        if (!File.Exists(certificatePath))
            problems.Add($"{certificatePath}: no such file");
        if (!File.Exists(keyPath))
            problems.Add($"{keyPath}: no such file");
        if (problems.Count > 0)
            return problems;

        // A private key others can read is a key others may have copied: refuse it, as sshd does.
        var mode = File.GetUnixFileMode(keyPath);
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            problems.Add($"{keyPath}: mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')} lets others read the private key; chmod 600 {keyPath}");

        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            // .NET says "does not match" with an ArgumentException; a trimmed binary carries only
            // resource keys for its text, so the message is ours.
            problems.Add($"{certificatePath}, {keyPath}: not a certificate and its private key (the key does not match, or a file is not PEM)");
            return problems;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{certificatePath}, {keyPath}: cannot be read ({e.Message.TrimEnd('.')})");
            return problems;
        }
        using (certificate)
        {
            var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
            if (notAfter <= now)
                problems.Add($"{certificatePath}: expired on {notAfter:yyyy-MM-dd HH:mm} UTC; clients will refuse it");
            else if (notBefore > now)
                problems.Add($"{certificatePath}: not valid before {notBefore:yyyy-MM-dd HH:mm} UTC");
        }
        return problems;
    }
}
