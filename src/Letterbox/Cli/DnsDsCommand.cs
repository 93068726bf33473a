using System.CommandLine;
using Letterbox.Dns.Dnssec;
using Letterbox.Dns.Generation;
using Letterbox.Dns.Zones;
using Letterbox.Net.Unix;
using Letterbox.Protocol.Dns;

namespace Letterbox.Cli;

/// <summary>
/// `letterbox dns ds DOMAIN`: the DS record (SHA-256, RFC 4509) of the zone's signing key, which
/// is what the registrar needs to make the zone validate, and the DNSKEY itself for registrars
/// that ask for the key instead. The key is made here if the daemon has not made it yet, so the
/// DS can be set up before the first signed answer goes out; it is the one the daemon signs with.
/// </summary>
public static class DnsDsCommand
{
    public static void Add(Command dns, Option<string?> data)
    {
        var domain = new Argument<string>("DOMAIN") { Description = "A zone we serve, e.g. example.com." };
        var dev = new Option<bool>("--dev") { Description = "Use dev mode's configuration and data directory (as `letterbox dev`)." };
        var configFile = new Option<string?>("--config") { Description = "An extra config file, applied over every other source." };
        var command = new Command("ds", "Print the DS record (and DNSKEY) to enter at the domain's registrar for DNSSEC.")
        {
            Arguments = { domain },
            Options = { dev, configFile },
        };
        command.SetAction((pr, ct) => RunAsync(pr.GetValue(data), pr.GetValue(domain)!, pr.GetValue(dev), pr.GetValue(configFile), ct));
        dns.Subcommands.Add(command);
    }

    private static async Task<int> RunAsync(string? dataOption, string domain, bool dev, string? configFile, CancellationToken ct)
    {
        var sources = dev ? ConfigBridge.DevSources(null, configFile) : ConfigBridge.ApplianceSources(configFile);
        var config = (await ConfigBridge.LoadValidAsync(sources, ct)).Config!;
        var (data, apex) = DnsCommands.DataAndApex(dataOption, domain, dev);
        var zone = ServedZones.Load(config, data, persistSerials: false).Zones.Get(apex) ?? throw new CliException(ExitCodes.UsageOrConfig,
            $"no zone {apex}: zones are the mail domains (`letterbox domain list`) and the files in {ZoneCatalog.ZonesDirectory(data)}");
        if (!config.Dns.Dnssec)
            Console.Error.WriteLine("warning: dns.dnssec is false: the zone is served unsigned, so do not publish this DS until it is true");

        var key = new DnssecKeyStore(data).GetOrCreate(zone.Apex);
        Console.WriteLine($"; DNSSEC for {zone.Apex}: key tag {key.KeyTag}, algorithm 13 (ECDSA P-256 with SHA-256), digest type 2 (SHA-256).");
        Console.WriteLine("; Enter the DS record at the registrar of the domain:");
        Console.WriteLine(new ResourceRecord(zone.Apex, ZoneSigner.DnskeyTtl, key.Ds).ToText());
        Console.WriteLine("; Registrars that ask for the public key instead take this DNSKEY (flags 257, protocol 3, algorithm 13):");
        Console.WriteLine(new ResourceRecord(zone.Apex, ZoneSigner.DnskeyTtl, key.Dnskey).ToText());
        return ExitCodes.Ok;
    }
}
