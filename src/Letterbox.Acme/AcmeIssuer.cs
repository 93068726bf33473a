using System.Security.Cryptography.X509Certificates;
using Letterbox.Acme.Certificates;
using Letterbox.Acme.Challenges;
using Letterbox.Acme.Protocol;

namespace Letterbox.Acme;

/// <summary>A certificate just issued: the PEM chain (leaf first) and its private key.</summary>
public sealed record IssuedCertificate(CertificateKind Kind, string ChainPem, string KeyPem, DateTime NotBefore, DateTime NotAfter);

/// <summary>One authorization whose challenge the CA refused.</summary>
public sealed class AcmeChallengeException(string message) : AcmeException(message);

/// <summary>
/// One issuance, start to finish (RFC 8555 §7.1 "ordering a certificate"): new order, prove
/// each name with the responder chosen for it, finalize with a fresh key's CSR, wait, download.
/// Challenge answers are withdrawn afterwards whatever happened.
/// </summary>
public sealed class AcmeIssuer(AcmeClient client, Func<string, IChallengeResponder> responderFor)
{
    /// <summary>Log lines for the caller ("authorization valid for x", ...); optional.</summary>
    public Action<string>? Progress { get; init; }

    public async Task<IssuedCertificate> IssueAsync(IReadOnlyList<string> names, CertificateKind kind, CancellationToken ct)
    {
        if (client.AccountUrl is null)
            throw new InvalidOperationException("create or find the account first");
        var (orderUrl, order) = await client.NewOrderAsync(names, ct);
        foreach (var authorizationUrl in order.Authorizations ?? [])
            await AuthorizeAsync(authorizationUrl, ct);

        order = await client.WaitOrderAsync(orderUrl, ct);
        if (order.Status != "ready")
            throw new AcmeException($"the order for {string.Join(", ", names)} is {order.Status}, not ready, after its authorizations"
                + (order.Error is { } e ? $": {AcmeProblemException.ShortTypeOf(e.Type)}: {e.Detail}" : ""));

        using var key = CertificateKeys.NewKey(kind);
        order = await client.FinalizeAsync(order, CertificateKeys.CreateCsr(key, names), ct);
        if (order.Status != "valid")
            order = await client.WaitOrderAsync(orderUrl, ct);
        if (order.Status != "valid" || order.Certificate is null)
            throw new AcmeException($"the order for {string.Join(", ", names)} ended {order.Status} instead of valid"
                + (order.Error is { } e ? $": {AcmeProblemException.ShortTypeOf(e.Type)}: {e.Detail}" : ""));

        var chain = await client.DownloadCertificateAsync(order.Certificate, ct);
        var keyPem = CertificateKeys.ExportPrivateKeyPem(key);
        using var leaf = X509Certificate2.CreateFromPem(chain, keyPem); // proves the chain's leaf is ours
        Progress?.Invoke($"issued {kind.Stem()} certificate for {string.Join(", ", names)} until {leaf.NotAfter.ToUniversalTime():u}");
        return new IssuedCertificate(kind, chain, keyPem, leaf.NotBefore.ToUniversalTime(), leaf.NotAfter.ToUniversalTime());
    }

    private async Task AuthorizeAsync(Uri url, CancellationToken ct)
    {
        var authorization = await client.GetAuthorizationAsync(url, ct);
        var name = authorization.Identifier?.Value ?? throw new AcmeException($"authorization {url.AbsoluteUri} names no identifier");
        if (authorization.Status == "valid")
            return; // proven recently; the CA reuses it (RFC 8555 §7.1.4)
        if (authorization.Status != "pending")
            throw new AcmeChallengeException($"authorization for {name} is {authorization.Status}");

        var responder = responderFor(name);
        var challenge = authorization.Challenges?.FirstOrDefault(c => c.Type == responder.Type)
            ?? throw new AcmeChallengeException($"the CA offers no {responder.Type} challenge for {name} (offered: {string.Join(", ", authorization.Challenges?.Select(c => c.Type) ?? [])})");
        if (challenge.Token is null || challenge.Url is null)
            throw new AcmeException($"the {responder.Type} challenge for {name} has no token or URL");

        await responder.PublishAsync(name, challenge.Token, client.Key, ct);
        try
        {
            await client.AnswerChallengeAsync(challenge.Url, ct);
            authorization = await client.WaitAuthorizationAsync(url, ct);
        }
        finally
        {
            await responder.WithdrawAsync(name, challenge.Token, client.Key, CancellationToken.None);
        }
        if (authorization.Status != "valid")
        {
            var failed = authorization.Challenges?.FirstOrDefault(c => c.Type == responder.Type)?.Error;
            throw new AcmeChallengeException($"{responder.Type} challenge for {name} failed"
                + (failed is null ? $" (authorization {authorization.Status})" : $": {AcmeProblemException.ShortTypeOf(failed.Type)}: {failed.Detail}"));
        }
        Progress?.Invoke($"{responder.Type} authorization valid for {name}");
    }
}
