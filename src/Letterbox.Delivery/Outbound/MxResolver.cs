using System.Collections.Concurrent;
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
/// DNS trouble is temporary. A domain's route is kept for the smallest TTL of the records behind it
/// (RFC 2308 §5: an empty answer for the SOA's negative TTL), at most an hour, so a queue full of
/// mail for one domain looks it up once; DnsClient's own cache would still ask again for every
/// empty answer, such as the AAAA of an IPv4-only MX host.
/// </summary>
public sealed class MxResolver
{
    private static readonly TimeSpan MaxCacheTime = TimeSpan.FromHours(1);

    /// <summary>Domains kept at once; past this the cache starts over (a bound, not an eviction policy).</summary>
    private const int MaxCachedDomains = 10_000;

    private readonly LookupClient client;
    private readonly TimeProvider clock;
    private readonly ConcurrentDictionary<string, (MxRoute Route, DateTimeOffset Until)> cache = new(StringComparer.OrdinalIgnoreCase);

    public MxResolver(IReadOnlyList<IPEndPoint> resolvers, TimeProvider? clock = null)
    {
        this.clock = clock ?? TimeProvider.System;
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
        var now = clock.GetUtcNow();
        if (cache.TryGetValue(domain, out var hit) && hit.Until > now)
            return hit.Route with { Hosts = Shuffle(hit.Route.Hosts) };
        var ttl = new Ttl();
        var route = await LookupAsync(domain, ttl, ct);
        // Temporary trouble is never kept: the next message asks again.
        if (ttl.Seconds > 0 && (route.Error is null || route.Permanent))
        {
            if (cache.Count >= MaxCachedDomains)
                cache.Clear();
            cache[domain] = (route, now + TimeSpan.FromSeconds(Math.Min(ttl.Seconds, MaxCacheTime.TotalSeconds)));
        }
        return route;
    }

    /// <summary>The smallest TTL seen while resolving one domain.</summary>
    private sealed class Ttl
    {
        public long Seconds { get; private set; } = long.MaxValue;

        public void Take(long seconds) => Seconds = Math.Min(Seconds, Math.Max(0, seconds));

        /// <summary>An answer's records, or for an empty answer the SOA's negative TTL (RFC 2308 §5); nothing to go by means no caching.</summary>
        public void Take(IDnsQueryResponse response)
        {
            if (response.Answers.Count > 0)
            {
                foreach (var record in response.Answers)
                    Take(record.TimeToLive);
                return;
            }
            var soa = response.Authorities.SoaRecords().FirstOrDefault();
            Take(soa is null ? 0 : Math.Min(soa.TimeToLive, soa.Minimum));
        }
    }

    /// <summary>RFC 5321 §5.1: hosts of equal preference in random order, each time.</summary>
    private static List<MxHost> Shuffle(IReadOnlyList<MxHost> hosts) =>
        hosts.GroupBy(h => h.Preference).OrderBy(g => g.Key).SelectMany(g => g.OrderBy(_ => Random.Shared.Next())).ToList();

    private async Task<MxRoute> LookupAsync(string domain, Ttl ttl, CancellationToken ct)
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
        {
            ttl.Take(mx);
            return new MxRoute([], $"domain {domain} does not exist (NXDOMAIN)", "5.1.2", Permanent: true);
        }
        if (mx.HasError)
            return new MxRoute([], $"DNS lookup of MX {domain} failed: {mx.ErrorMessage}", "4.4.3");
        ttl.Take(mx);

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
                    {
                        lastError = $"DNS lookup of {type} {name} failed: {answer.ErrorMessage}";
                        ttl.Take(0);
                    }
                    else
                    {
                        ttl.Take(answer);
                    }
                    addresses.AddRange(answer.Answers.OfType<AddressRecord>().Select(a => a.Address));
                }
                catch (DnsResponseException e)
                {
                    lastError = $"DNS lookup of {type} {name} failed: {e.Message}";
                    ttl.Take(0); // a host whose addresses are unknown now must be looked up again
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
