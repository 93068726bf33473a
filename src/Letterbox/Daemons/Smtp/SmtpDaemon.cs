using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Letterbox.Config;
using Letterbox.Delivery.Dkim;
using Letterbox.Delivery.Queue;
using Letterbox.Monitoring;
using Letterbox.Store.Keys;
using Letterbox.Net.Tls;
using Letterbox.Store;

namespace Letterbox.Daemons.Smtp;

/// <summary>
/// The SMTP daemon: port 25 (MX), which accepts mail for our domains only and delivers it into the
/// users' Maildirs before answering 250; and submission, 587 (STARTTLS) and 465 (implicit TLS), where
/// logged-in users send anywhere through the outbound queue, DKIM-signed.
/// </summary>
public sealed class SmtpDaemon : IDaemon
{
    public async Task RunAsync(DaemonContext context, CancellationToken stopping)
    {
        var config = context.Config;
        var metrics = context.Metrics;
        metrics.DeclareCounter("letterbox_smtp_connections_total", "SMTP connections, by listener and outcome (served, or refused by a limit).");
        metrics.DeclareCounter("letterbox_smtp_messages_total", "Messages accepted (250 after the data).");
        metrics.DeclareCounter("letterbox_smtp_rejected_total", "Refusals, by reason: relay_denied, unknown_user, size, quota, bare_newline, early_talker, ...");
        metrics.DeclareCounter("letterbox_smtp_bytes_total", "Bytes of accepted messages.");
        metrics.DeclareCounter("letterbox_smtp_tls_sessions_total", "Sessions that completed STARTTLS, by TLS version.");
        metrics.DeclareCounter("letterbox_smtp_tls_failures_total", "STARTTLS handshakes that failed.");
        metrics.DeclareCounter("letterbox_smtp_timeouts_total", "Sessions closed for idling, by phase (command or data).");
        metrics.DeclareGauge("letterbox_smtp_sessions", "SMTP sessions open now.");

        var accounts = AccountStore.Open(context.DataDirectory, new AccountStoreOptions { DefaultQuotaBytes = config.Store.DefaultQuota });
        // The config's domains are mail domains: make sure the accounts database knows them.
        foreach (var domain in config.Domains)
            if (!accounts.IsLocalDomain(domain))
                accounts.AddDomain(domain);
        var store = new MailStore(accounts);
        var certificate = Certificates.For(config, context.DataDirectory);
        var options = SmtpServerOptions.From(config);
        var limiter = new ConnectionLimiter(config.Smtp.MaxConnections, config.Smtp.MaxConnectionsPerIp);
        Authenticator.DeclareMetrics(metrics);
        var submission = new Submission(
            new Authenticator(accounts, metrics, context.Log),
            new OutboundQueue(context.DataDirectory),
            new MessageSigner(new DkimKeyStore(context.DataDirectory)),
            new SendRateLimit(config.Smtp.MaxMessagesPerHour));

        await TcpAcceptor.RunAsync(context.Listeners, async (socket, listener, ct) =>
        {
            var client = TcpAcceptor.ClientAddress(socket);
            var verdict = limiter.TryEnter(client, out var lease);
            using (lease)
            {
                metrics.Increment("letterbox_smtp_connections_total", 1, ("listener", listener.Spec.Name), ("outcome", verdict.ToString().ToLowerInvariant()));
                if (verdict != ConnectionLimiter.Verdict.Admitted)
                {
                    // RFC 5321 §3.8: a server that cannot serve now says 421 and closes.
                    context.Log.Info("connection refused by limit", ("client", client), ("limit", verdict));
                    await socket.SendAsync("421 4.7.0 Too many connections, try again later\r\n"u8.ToArray(), System.Net.Sockets.SocketFlags.None, ct);
                    return;
                }
                metrics.Set("letterbox_smtp_sessions", limiter.Open);
                var role = listener.Spec.Name switch
                {
                    "submission" => SmtpRole.Submission,
                    "submissions" => SmtpRole.Submissions,
                    _ => SmtpRole.Mx,
                };
                await new SmtpSession(socket, role, options, store, certificate, submission, metrics, context.Log).RunAsync(ct);
                metrics.Set("letterbox_smtp_sessions", limiter.Open - 1);
            }
        }, context.Log, stopping);
    }
}

/// <summary>Which certificate files a TLS daemon serves, by tls.mode.</summary>
public static class Certificates
{
    public static CertificateSource? For(LetterboxConfig config, string dataDirectory)
    {
        var (selfSignedCert, selfSignedKey) = (Path.Combine(dataDirectory, "tls", "self-signed.pem"), Path.Combine(dataDirectory, "tls", "self-signed.key"));
        if (config.Tls.Mode == TlsMode.Acme)
        {
            // The acme daemon writes certs/ecdsa.*; until it has, the self-signed pair is served.
            var (acmeCert, acmeKey) = (Path.Combine(dataDirectory, "certs", "ecdsa.pem"), Path.Combine(dataDirectory, "certs", "ecdsa.key"));
            return File.Exists(acmeCert) || File.Exists(selfSignedCert)
                ? new CertificateSource(acmeCert, acmeKey, selfSignedCert, selfSignedKey)
                {
                    // RSA 2048 for clients that offer no ECDSA; used once the acme daemon has issued it.
                    Alternate = new CertificateSource(Path.Combine(dataDirectory, "certs", "rsa.pem"), Path.Combine(dataDirectory, "certs", "rsa.key")),
                }
                : null;
        }
        var (cert, key) = config.Tls.Mode switch
        {
            TlsMode.Files => (config.Tls.CertFile!, config.Tls.KeyFile!),
            _ => (selfSignedCert, selfSignedKey),
        };
        return File.Exists(cert) && File.Exists(key) ? new CertificateSource(cert, key) : null;
    }

    /// <summary>
    /// What /healthz reports: which of the certificates above the listeners serve now, read from the
    /// certificate file alone (the supervisor never opens a private key). Null when there is none.
    /// </summary>
    public static TlsHealth? Served(LetterboxConfig config, string dataDirectory)
    {
        var acme = Path.Combine(dataDirectory, "certs", "ecdsa.pem");
        var (kind, path) = config.Tls.Mode switch
        {
            TlsMode.Files => ("files", config.Tls.CertFile!),
            TlsMode.Acme when File.Exists(acme) => ("acme", acme),
            _ => ("self-signed", Path.Combine(dataDirectory, "tls", "self-signed.pem")),
        };
        try
        {
            using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(path));
            return new TlsHealth(kind, certificate.Subject, new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            return null;
        }
    }
}
