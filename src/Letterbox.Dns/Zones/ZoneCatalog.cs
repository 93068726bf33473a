using System.Net;
using Letterbox.Config;
using Letterbox.Dns.Challenges;
using Letterbox.Dns.Generation;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Zones;

/// <summary>
/// Every zone this host serves, built from what the appliance knows: one generated zone per
/// mail domain (<see cref="MailZone"/>), the user's master files in <c>&lt;data&gt;/dns/zones/</c>
/// (<c>NAME.zone</c>, merged into the mail zone of the same name or served as a zone of its own),
/// and the ACME challenge TXT records. A file with an error is reported and left out; it never
/// takes the generated records down with it.
/// </summary>
public static class ZoneCatalog
{
    public static string ZonesDirectory(string dataDirectory) => Path.Combine(dataDirectory, "dns", "zones");

    public sealed record Result(ZoneSet Zones, IReadOnlyList<string> Problems);

    public static Result Build(LetterboxConfig config, string dataDirectory, IEnumerable<string> mailDomains,
        Func<string, IReadOnlyList<DkimPublicKey>> dkim, ZoneSerials serials, bool persistSerials)
    {
        var problems = new List<string>();
        var host = DnsName.Parse(config.Hostname + ".");
        var records = new Dictionary<string, (DnsName Apex, List<ResourceRecord> Generated, List<ResourceRecord> User)>(StringComparer.Ordinal);

        foreach (var domain in mailDomains.Select(d => d.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal))
        {
            var input = Input(config, domain, dkim(domain));
            var apex = DnsName.Parse(domain + ".");
            records[apex.Key] = (apex, MailZone.Records(input), []);
        }

        var dir = ZonesDirectory(dataDirectory);
        if (Directory.Exists(dir))
        {
            foreach (var path in Directory.GetFiles(dir, "*.zone").Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileNameWithoutExtension(path);
                try
                {
                    var apex = DnsName.Parse(name.TrimEnd('.') + ".");
                    var user = MasterFile.Read(File.ReadAllText(path), apex, path);
                    if (records.TryGetValue(apex.Key, out var known))
                    {
                        // A mail domain: the user adds records; the SOA stays ours (serials are managed here).
                        known.User.AddRange(user.Where(r => r.Type != DnsType.SOA));
                    }
                    else
                    {
                        var generated = new List<ResourceRecord>();
                        if (!user.Any(r => r.Type == DnsType.SOA))
                            generated.Add(new ResourceRecord(apex, MailZone.DefaultTtl, MailZone.Soa(apex, host)));
                        if (!user.Any(r => r.Type == DnsType.NS && r.Name.Equals(apex)))
                            foreach (var ns in config.Dns.Nameservers.Prepend(config.Hostname))
                                generated.Add(new ResourceRecord(apex, MailZone.DefaultTtl, new NameRData(DnsType.NS, DnsName.Parse(ns + "."))));
                        records[apex.Key] = (apex, generated, user);
                    }
                }
                catch (Exception e) when (e is ZoneException or FormatException or IOException)
                {
                    problems.Add(e.Message);
                }
            }
        }

        var challenges = new Dictionary<string, List<ResourceRecord>>(StringComparer.Ordinal);
        foreach (var (fqdn, values) in ChallengeRecords.All(dataDirectory))
        {
            if (!DnsName.TryParse(fqdn + ".", out var owner))
                continue;
            var apex = records.Values.Select(z => z.Apex).Where(a => owner!.IsAtOrBelow(a)).MaxBy(a => a.LabelCount);
            if (apex is null)
                continue; // not a zone of ours: the ACME client must publish it elsewhere
            if (!challenges.TryGetValue(apex.Key, out var list))
                challenges[apex.Key] = list = [];
            foreach (var v in values)
                list.Add(new ResourceRecord(owner!, ChallengeRecords.Ttl, TxtRData.FromValue(v)));
        }

        var zones = new List<Zone>();
        foreach (var (key, (apex, generated, user)) in records)
        {
            var dynamic = challenges.GetValueOrDefault(key) ?? [];
            Zone zone;
            try
            {
                zone = Zone.Build(apex, [.. generated, .. user, .. dynamic]);
            }
            catch (ZoneException e)
            {
                problems.Add($"{apex}: {e.Message}; serving it without the records from {Path.Combine(dir, apex.ToString().TrimEnd('.') + ".zone")}");
                try
                {
                    zone = Zone.Build(apex, [.. generated, .. dynamic]);
                }
                catch (ZoneException e2)
                {
                    problems.Add($"{apex}: {e2.Message}; not served");
                    continue;
                }
            }
            zones.Add(serials.Assign(zone, persistSerials));
        }
        return new Result(new ZoneSet(zones), problems);
    }

    /// <summary>The generator's input for one domain, from the config.</summary>
    public static MailZoneInput Input(LetterboxConfig config, string domain, IReadOnlyList<DkimPublicKey> dkim)
    {
        var ports = config.Network.Ports;
        return new MailZoneInput(
            domain,
            config.Hostname,
            HostAddresses(config),
            config.Dns.Nameservers,
            config.Relay?.Host.Host,
            dkim,
            MailZone.CaaIssuerFor(config.Tls.AcmeDirectory),
            new MailPorts(ports.Submission, ports.Submissions, ports.Imap, ports.Imaps, ports.Pop3s));
    }

    /// <summary>The host's public addresses; failing those (development), the specific addresses it listens on.</summary>
    public static IReadOnlyList<IPAddress> HostAddresses(LetterboxConfig config)
    {
        var list = new List<IPAddress>();
        if (config.Network.PublicIpv4 is { } v4)
            list.Add(v4);
        if (config.Network.PublicIpv6 is { } v6)
            list.Add(v6);
        if (list.Count == 0)
            list.AddRange(config.Network.Listen.Where(a => !a.Equals(IPAddress.Any) && !a.Equals(IPAddress.IPv6Any)));
        return list;
    }
}
