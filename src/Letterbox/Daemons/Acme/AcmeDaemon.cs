using Letterbox.Acme;
using Letterbox.Acme.Certificates;
using Letterbox.Acme.Jws;
using Letterbox.Monitoring;

namespace Letterbox.Daemons.Acme;

/// <summary>
/// tls.mode = acme: keeps an ECDSA P-256 and an RSA 2048 certificate issued for the host name,
/// mta-sts.D and autoconfig.D, renews each at two thirds of its lifetime, and backs off after
/// failures. It has no socket: it writes &lt;data&gt;/certs/, which every TLS listener's
/// CertificateSource reloads on its own. Until the first issuance the listeners keep the
/// self-signed certificate. `letterbox cert renew` asks for an early pass through a request file.
/// </summary>
public sealed class AcmeDaemon : IDaemon
{
    public const string ExpiryMetric = "letterbox_tls_certificate_expiry_seconds";

    /// <summary>Even with nothing due, look again this often (names may change with `letterbox domain add`).</summary>
    private static readonly TimeSpan LongestSleep = TimeSpan.FromHours(1);
    private static readonly TimeSpan RequestCheck = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(10);

    public async Task RunAsync(DaemonContext context, CancellationToken stopping)
    {
        var log = context.Log;
        var metrics = context.Metrics;
        metrics.DeclareGauge(ExpiryMetric, "Seconds until the served certificate expires, by key kind (ecdsa, rsa); negative when expired. Alert well before 0.");
        metrics.DeclareGauge("letterbox_tls_certificate_acme", "1 when the certificate of this kind was issued over ACME, 0 while the self-signed one is served.");
        metrics.DeclareCounter("letterbox_acme_issuance_total", "ACME issuance attempts, by kind and outcome (issued, failed).");

        var plan = new AcmePlan(context.Config, context.DataDirectory);
        AccountKey? key = null;
        AcmeClient? client = null;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                bool force = File.Exists(plan.RenewRequestPath);
                if (force)
                    File.Delete(plan.RenewRequestPath);
                var names = plan.Names();
                DateTime wake;
                try
                {
                    key ??= AccountKey.LoadOrCreate(plan.AccountKeyPath);
                    client ??= new AcmeClient(context.Config.Tls.AcmeDirectory, key, plan.ClientOptions());
                    var renewer = new CertificateRenewer(client, plan.Store, context.DataDirectory, plan.Responders(),
                        new RenewalSettings(names, context.Config.Tls.AcmeEmail, plan.ExternalAccount(), AcmePlan.Kinds))
                    {
                        Progress = line => log.Info(line),
                    };
                    var outcome = await renewer.RunOnceAsync(DateTime.UtcNow, force, stopping);
                    foreach (var issued in outcome.Issued)
                    {
                        metrics.Increment("letterbox_acme_issuance_total", 1, ("kind", issued.Kind.Stem()), ("outcome", "issued"));
                        log.Info("certificate issued", ("kind", issued.Kind.Stem()), ("names", string.Join(' ', names)), ("not_after", issued.NotAfter.ToString("u")));
                    }
                    foreach (var error in outcome.Errors)
                    {
                        metrics.Increment("letterbox_acme_issuance_total", 1, ("kind", error.Split(':')[0]), ("outcome", "failed"));
                        log.Error("certificate not issued", ("error", error));
                    }
                    wake = outcome.NextWake;
                }
                catch (AcmeException e)
                {
                    // Configuration trouble (EAB half set, unreadable CA file, a damaged account key): say so, look again later.
                    log.Error("acme not possible", ("error", e.Message));
                    wake = DateTime.UtcNow + RenewalPolicy.LongestRetry;
                }
                Report(plan, metrics, log);

                var until = DateTime.UtcNow + TimeSpan.FromTicks(Math.Min(Math.Max((wake - DateTime.UtcNow).Ticks, 0), LongestSleep.Ticks));
                var nextReport = DateTime.UtcNow + ReportInterval;
                while (DateTime.UtcNow < until && !File.Exists(plan.RenewRequestPath))
                {
                    await Task.Delay(RequestCheck, stopping);
                    if (DateTime.UtcNow >= nextReport)
                    {
                        // Keep the expiry gauge current between passes (it is what alerts read).
                        Report(plan, metrics, log);
                        nextReport = DateTime.UtcNow + ReportInterval;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            client?.Dispose();
            key?.Dispose();
        }
    }

    private static bool _warnedSelfSigned;

    /// <summary>The expiry gauge per kind, and a warning while listeners still serve the self-signed certificate.</summary>
    private static void Report(AcmePlan plan, Metrics metrics, Logging.Log log)
    {
        foreach (var kind in AcmePlan.Kinds)
        {
            using var cert = plan.Store.Load(kind);
            metrics.Set("letterbox_tls_certificate_acme", cert is null ? 0 : 1, ("kind", kind.Stem()));
            if (cert is not null)
                metrics.Set(ExpiryMetric, Math.Round((cert.NotAfter.ToUniversalTime() - DateTime.UtcNow).TotalSeconds), ("kind", kind.Stem()));
        }
        using var ecdsa = plan.Store.Load(CertificateKind.EcdsaP256);
        if (ecdsa is null && !_warnedSelfSigned)
        {
            _warnedSelfSigned = true;
            log.Warn("no ACME certificate yet: TLS listeners serve the self-signed certificate until the first issuance");
        }
    }
}
