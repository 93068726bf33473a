namespace Letterbox.Acme.Challenges;

/// <summary>
/// Publishes and withdraws the TXT record of a dns-01 challenge (RFC 8555 §8.4) at
/// "_acme-challenge.&lt;name&gt;". In the appliance this is Letterbox.Dns's ChallengeRecords (files
/// under &lt;data&gt;/dns/challenges/ that the DNS daemon serves); tests use pebble-challtestsrv.
/// </summary>
public interface IDns01Publisher
{
    Task PublishAsync(string fqdn, string value, CancellationToken ct);
    Task WithdrawAsync(string fqdn, string value, CancellationToken ct);
}
