using Letterbox.Acme.Certificates;
using Letterbox.Acme.Challenges;

namespace Letterbox.Acme;

/// <summary>What to keep issued: the names, the account details, the kinds of key.</summary>
public sealed record RenewalSettings(
    IReadOnlyList<string> Names,
    string? Email,
    ExternalAccountKey? ExternalAccount,
    IReadOnlyList<CertificateKind> Kinds);

/// <summary>The result of one pass: what was issued, what failed, and when to look again.</summary>
public sealed record RenewalOutcome(IReadOnlyList<IssuedCertificate> Issued, IReadOnlyList<string> Errors, DateTime NextWake);

/// <summary>
/// Keeps each certificate kind issued and fresh: issues when there is none (or it no longer covers
/// the names), renews at two thirds of its lifetime, and after a failure waits 1, 2, 4... minutes
/// (at most 6 h, longer if the CA's Retry-After says so) before the next try.
/// </summary>
public sealed class CertificateRenewer(
    AcmeClient client, CertificateStore store, string dataDirectory,
    Func<string, IChallengeResponder> responderFor, RenewalSettings settings)
{
    public Action<string>? Progress { get; init; }

    public async Task<RenewalOutcome> RunOnceAsync(DateTime now, bool force, CancellationToken ct)
    {
        var state = RenewalState.Load(dataDirectory);
        var issued = new List<IssuedCertificate>();
        var errors = new List<string>();
        var wake = DateTime.MaxValue; // the daemon caps its sleep; this is the true next moment

        foreach (var kind in settings.Kinds)
        {
            var key = kind.Stem();
            var previous = state.Kinds.GetValueOrDefault(key) ?? new KindState(0, null, null, null, null);
            using var current = store.Load(kind);
            var renewAt = current is not null && CertificateStore.Covers(current, settings.Names)
                ? RenewalPolicy.RenewAt(current.NotBefore.ToUniversalTime(), current.NotAfter.ToUniversalTime())
                : now;
            var due = force || now >= renewAt;
            if (!force && previous.NextAttempt is { } retry && retry > now)
            {
                wake = Min(wake, retry);
                continue;
            }
            if (!due)
            {
                wake = Min(wake, renewAt);
                continue;
            }

            try
            {
                if (client.AccountUrl is null)
                {
                    // Terms of service: running the appliance in ACME mode is the operator's agreement (docs/tls.md says so).
                    await client.NewAccountAsync(settings.Email, agreeToTerms: true, settings.ExternalAccount, ct);
                    state = state with { Account = client.AccountUrl!.AbsoluteUri, Directory = client.DirectoryUrl.AbsoluteUri };
                }
                var certificate = await new AcmeIssuer(client, responderFor) { Progress = Progress }.IssueAsync(settings.Names, kind, ct);
                store.Save(certificate);
                issued.Add(certificate);
                state.Kinds[key] = new KindState(0, null, null, now, now);
                state.Save(dataDirectory); // each outcome is on disk as soon as it is known (`letterbox cert` reads it)
                wake = Min(wake, RenewalPolicy.RenewAt(certificate.NotBefore, certificate.NotAfter));
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // Whatever went wrong (the CA, the disk, a bug), the daemon must live on and retry
                // with backoff rather than crash-loop; the message says what happened.
                int failures = previous.Failures + 1;
                var next = now + RenewalPolicy.RetryAfterFailures(failures);
                if (e is AcmeProblemException { RetryAfter: { } caSays } && caSays.UtcDateTime > next)
                    next = caSays.UtcDateTime;
                var message = e is AcmeException ? e.Message : $"{e.GetType().Name}: {e.Message}";
                state.Kinds[key] = previous with { Failures = failures, NextAttempt = next, LastError = message, LastAttempt = now };
                state.Save(dataDirectory);
                errors.Add($"{key}: {message}");
                Progress?.Invoke($"{key} certificate not issued (failure {failures}, next try {next:u}): {message}");
                wake = Min(wake, next);
            }
        }
        state.Save(dataDirectory);
        return new RenewalOutcome(issued, errors, wake);
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
}
