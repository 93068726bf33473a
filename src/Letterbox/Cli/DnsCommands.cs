using System.CommandLine;
using Letterbox.Dns.Generation;
using Letterbox.Dns.Zones;
using Letterbox.Net.Unix;
using Letterbox.Protocol.Dns;

namespace Letterbox.Cli;

/// <summary>
/// `letterbox dns zone DOMAIN` prints a zone in RFC 1035 master-file format (NSD, Knot and BIND
/// load it), for a secondary or for hosting DNS elsewhere; `letterbox dns records DOMAIN` prints
/// only the mail records of a domain, the ones to enter at a DNS provider. Both show what the
/// dns daemon serves: same generator, same data directory, same serial.
/// </summary>
public static class DnsCommands
{
    public static void Add(RootCommand root, Option<string?> data)
    {
        var dns = new Command("dns", "The DNS zones this host serves (or that you publish elsewhere).");
        var domain = new Argument<string>("DOMAIN") { Description = "A zone we serve, e.g. example.com." };
        var dev = new Option<bool>("--dev") { Description = "Use dev mode's configuration (as `letterbox dev`)." };
        var offset = new Option<int?>("--port-offset") { Description = "With --dev: the port offset the dev instance runs with (SRV records name its ports)." };
        var configFile = new Option<string?>("--config") { Description = "An extra config file, applied over every other source." };

        var zone = new Command("zone", "Print a zone in RFC 1035 master-file format.") { Arguments = { domain }, Options = { dev, offset, configFile } };
        zone.SetAction((pr, ct) => ZoneAsync(pr.GetValue(data), pr.GetValue(domain)!, pr.GetValue(dev), pr.GetValue(offset), pr.GetValue(configFile), mailOnly: false, ct));
        var records = new Command("records", "Print a mail domain's records (MX, SPF, DKIM, DMARC, MTA-STS, SRV...) to publish at another DNS provider.")
        {
            Arguments = { domain },
            Options = { dev, offset, configFile },
        };
        records.SetAction((pr, ct) => ZoneAsync(pr.GetValue(data), pr.GetValue(domain)!, pr.GetValue(dev), pr.GetValue(offset), pr.GetValue(configFile), mailOnly: true, ct));
        dns.Subcommands.Add(zone);
        dns.Subcommands.Add(records);
        DnsTsigCommand.Add(dns, data);
        DnsDsCommand.Add(dns, data);
        root.Subcommands.Add(dns);
    }

    /// <summary>
    /// What every per-zone dns command starts from: the data directory (it must exist; taken over
    /// when run as root, so files the command writes belong to the daemons) and the zone's apex.
    /// </summary>
    internal static (string Data, DnsName Apex) DataAndApex(string? dataOption, string domain, bool dev)
    {
        var data = Commands.ResolveDataDirectory(dataOption, dev ? DevCommand.DefaultDataDirectory : Commands.DefaultDataDirectory);
        if (!Directory.Exists(data))
            throw new CliException(ExitCodes.RuntimeFailure, $"data directory {data} does not exist (start letterbox once, or pass --data)");
        if (UnixUser.IsRoot)
            UnixUser.BecomeOwnerOf(data);
        if (!DnsName.TryParse(domain.TrimEnd('.') + ".", out var apex))
            throw new CliException(ExitCodes.UsageOrConfig, $"'{domain}' is not a domain name");
        return (data, apex!);
    }

    private static async Task<int> ZoneAsync(string? dataOption, string domain, bool dev, int? offset, string? configFile, bool mailOnly, CancellationToken ct)
    {
        var sources = dev ? ConfigBridge.DevSources(offset, configFile) : ConfigBridge.ApplianceSources(configFile);
        var result = await ConfigBridge.LoadValidAsync(sources, ct);
        var config = result.Config!;
        var (data, apex) = DataAndApex(dataOption, domain, dev);

        // Read-only: the daemon owns the serial file; a zone it has not served yet shows the serial it will get.
        var loaded = ServedZones.Load(config, data, persistSerials: false);
        foreach (var problem in loaded.Problems)
            Console.Error.WriteLine("warning: " + problem);
        var zone = loaded.Zones.Get(apex) ?? throw new CliException(ExitCodes.UsageOrConfig,
            $"no zone {apex}: zones are the mail domains (`letterbox domain list`) and the files in {ZoneCatalog.ZonesDirectory(data)}");
        if (!mailOnly)
        {
            // With DNSSEC the served serial also counts signing epochs (ZoneSigner): print that one.
            if (config.Dns.Dnssec)
                zone = zone.WithSerial(Letterbox.Dns.Dnssec.ZoneSigner.ServedSerial(zone.Soa.Serial, DateTimeOffset.UtcNow));
            Console.Write(MasterFile.Write(zone));
            return ExitCodes.Ok;
        }
        var input = ZoneCatalog.Input(config, apex.ToString().TrimEnd('.'), ServedZones.Dkim(data, apex.ToString().TrimEnd('.')));
        Console.WriteLine($"; the mail records of {apex}, to publish at the domain's DNS provider (the host {config.Hostname} included)");
        foreach (var r in MailZone.Records(input).Where(r => r.Type is not (DnsType.SOA or DnsType.NS)))
            Console.WriteLine(r.ToText());
        return ExitCodes.Ok;
    }
}
