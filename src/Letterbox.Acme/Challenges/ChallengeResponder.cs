using Letterbox.Acme.Jws;

namespace Letterbox.Acme.Challenges;

/// <summary>Which challenge type proves control of a name.</summary>
public enum ChallengeKind
{
    /// <summary>dns-01 when our DNS server serves the name's zone, else http-01.</summary>
    Auto,
    Dns01,
    Http01,
}

/// <summary>Makes one challenge answerable and takes it down again.</summary>
public interface IChallengeResponder
{
    /// <summary>The ACME challenge type ("http-01", "dns-01").</summary>
    string Type { get; }

    Task PublishAsync(string name, string token, AccountKey key, CancellationToken ct);
    Task WithdrawAsync(string name, string token, AccountKey key, CancellationToken ct);
}

/// <summary>http-01 through files the HTTP daemon serves (RFC 8555 §8.3).</summary>
public sealed class Http01Responder(Http01Store store) : IChallengeResponder
{
    public string Type => "http-01";

    public Task PublishAsync(string name, string token, AccountKey key, CancellationToken ct)
    {
        store.Publish(token, key.KeyAuthorization(token));
        return Task.CompletedTask;
    }

    public Task WithdrawAsync(string name, string token, AccountKey key, CancellationToken ct)
    {
        store.Withdraw(token);
        return Task.CompletedTask;
    }
}

/// <summary>dns-01: a TXT record at _acme-challenge.&lt;name&gt; (RFC 8555 §8.4).</summary>
public sealed class Dns01Responder(IDns01Publisher publisher) : IChallengeResponder
{
    public string Type => "dns-01";

    public static string OwnerName(string name) => "_acme-challenge." + name.TrimEnd('.').ToLowerInvariant();

    public Task PublishAsync(string name, string token, AccountKey key, CancellationToken ct) =>
        publisher.PublishAsync(OwnerName(name), key.Dns01TxtValue(token), ct);

    public Task WithdrawAsync(string name, string token, AccountKey key, CancellationToken ct) =>
        publisher.WithdrawAsync(OwnerName(name), key.Dns01TxtValue(token), ct);
}
