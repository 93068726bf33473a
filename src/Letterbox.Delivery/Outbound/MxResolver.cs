using System.Net;
using DnsClient;
using DnsClient.Protocol;

namespace Letterbox.Delivery.Outbound;

/// <summary>A host to try, with its addresses (IPv6 first, then IPv4).</summary>
public sealed record MxHost(string Name, int Preference, IReadOnlyList<IPAddress> Addresses);

/// <summary>Where a domain's mail goes, or why it cannot go anywhere now or ever.</summary>
/// <param name="Hosts">Hosts in the order to try.</param>
/// <param name="Error">Set when there is nowhere to go: <see cref="Permanent"/> tells whether to bounce now.</param>
/// <param name="Status">Enhanced status code of the error.</param>
/// <param name="Permanent">True: bounce at once (null MX, no such domain); false: retry later.</param>
public sealed record MxRoute(IReadOnlyList<MxHost> Hosts, string? Error = null, string Status = "2.0.0", bool Permanent = false);

/// <summary>
/// MX lookup as RFC 5321 §5.1 describes it, through the configured resolvers (DnsClient):
/// MX hosts in preference order (equal ones shuffled), the domain itself when it has no MX
/// (the implicit MX), a null MX (RFC 7505) or a domain that does not exist bounces at once, and
/// DNS trouble is temporary.
/// </summary>
public sealed class MxResolver
{
    private readonly LookupClient client;

    public MxResolver(IReadOnlyList<IPEndPoint> resolvers)
    {
        var options = resolvers.Count == 0
            ? new LookupClientOptions()
            : new LookupClientOptions(resolvers.ToArray());
        options.UseCache = true;
        options.Timeout = TimeSpan.FromSeconds(5);
        options.Retries = 2;
        options.ThrowDnsErrors = false;
        options.UseTcpFallback = true;
        options.ContinueOnDnsError = true;
        client = new LookupClient(options);
    }

    public async Task<MxRoute> ResolveAsync(string domain, CancellationToken ct)
    {
        IDnsQueryResponse mx;
        try
        {
            mx = await client.QueryAsync(domain, QueryType.MX, QueryClass.IN, ct);
        }
        catch (DnsResponseException e)
        {
            return new MxRoute([], $"DNS lookup of MX {domain} failed: {e.Message}", "4.4.3");
        }
        if (mx.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
            return new MxRoute([], $"domain {domain} does not exist (NXDOMAIN)", "5.1.2", Permanent: true);
        if (mx.HasError)
            return new MxRoute([], $"DNS lookup of MX {domain} failed: {mx.ErrorMessage}", "4.4.3");

        var records = mx.Answers.MxRecords().ToList();
        // RFC 7505 §3: a single MX with preference 0 and the root as exchange: the domain takes no mail.
        if (records.Count == 1 && IsRoot(records[0].Exchange.Value))
            return new MxRoute([], $"domain {domain} accepts no mail (null MX, RFC 7505)", "5.1.10", Permanent: true);

        var names = records.Count == 0
            ? [(Name: domain, Preference: 0)] // RFC 5321 §5.1: no MX, the domain itself is the implicit MX
            : records.Where(r => !IsRoot(r.Exchange.Value))
                .GroupBy(r => r.Preference)
                .OrderBy(g => g.Key)
                .SelectMany(g => g.OrderBy(_ => Random.Shared.Next()))
                .Select(r => (Name: r.Exchange.Value.TrimEnd('.'), Preference: (int)r.Preference))
                .ToList();

        var hosts = new List<MxHost>();
        string? lastError = null;
        foreach (var (name, preference) in names)
        {
            var addresses = new List<IPAddress>();
            foreach (var type in new[] { QueryType.AAAA, QueryType.A })
            {
                try
                {
                    var answer = await client.QueryAsync(name, type, QueryClass.IN, ct);
                    if (answer.HasError && answer.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
                        lastError = $"DNS lookup of {type} {name} failed: {answer.ErrorMessage}";
                    addresses.AddRange(answer.Answers.OfType<AddressRecord>().Select(a => a.Address));
                }
                catch (DnsResponseException e)
                {
                    lastError = $"DNS lookup of {type} {name} failed: {e.Message}";
                }
            }
            if (addresses.Count > 0)
                hosts.Add(new MxHost(name, preference, addresses.Distinct().ToList()));
        }
        if (hosts.Count == 0)
        {
            // No address at all: temporary (the records may appear); the lifetime turns it into a bounce.
            return new MxRoute([], lastError ?? $"no address (A/AAAA) for any mail host of {domain}", "4.4.4");
        }
        return new MxRoute(hosts);
    }

    private static bool IsRoot(string name) => name is "" or ".";
}
