using System.CommandLine;
using Letterbox.Dns.Tsig;
using Letterbox.Net.Unix;

namespace Letterbox.Cli;

/// <summary>
/// `letterbox dns tsig-key NAME`: creates the TSIG secret a secondary shares with this host
/// (&lt;data&gt;/dns/tsig/NAME.key, mode 0600) and prints what goes on the other side: the
/// NSD, BIND and Knot config lines and dig's -y argument. An existing key is shown, not replaced,
/// unless --rotate is given.
/// </summary>
public static class DnsTsigCommand
{
    public static void Add(Command dns, Option<string?> data)
    {
        var name = new Argument<string>("NAME") { Description = "The key's name, as both ends know it, e.g. letterbox-xfr." };
        var algorithm = new Option<string>("--algorithm") { Description = "hmac-sha256 (default) or hmac-sha512.", DefaultValueFactory = _ => "hmac-sha256" };
        var rotate = new Option<bool>("--rotate") { Description = "Replace an existing key with a new secret." };
        var command = new Command("tsig-key", "Create (or show) a TSIG key for zone transfers and NOTIFY, and print the secondary's config for it.")
        {
            Arguments = { name },
            Options = { algorithm, rotate },
        };
        command.SetAction(pr => Run(pr.GetValue(data), pr.GetValue(name)!, pr.GetValue(algorithm)!, pr.GetValue(rotate)));
        dns.Subcommands.Add(command);
    }

    private static int Run(string? dataOption, string nameText, string algorithmText, bool rotate)
    {
        var data = Commands.ResolveDataDirectory(dataOption, Commands.DefaultDataDirectory);
        if (!Directory.Exists(data))
            throw new CliException(ExitCodes.RuntimeFailure, $"data directory {data} does not exist (start letterbox once, or pass --data)");
        if (UnixUser.IsRoot)
            UnixUser.BecomeOwnerOf(data);
        if (!TsigKeyFile.IsValidName(nameText, out var name))
            throw new CliException(ExitCodes.UsageOrConfig, $"'{nameText}' is not a key name (letters, digits, '-', '_' and dots)");
        var algorithm = TsigAlgorithm.Find(algorithmText)
            ?? throw new CliException(ExitCodes.UsageOrConfig, $"unknown algorithm '{algorithmText}': hmac-sha256 or hmac-sha512");

        var key = rotate ? null : TsigKeyFile.Load(data, name!, out _);
        string path = TsigKeyFile.PathOf(data, name!);
        if (key is null)
        {
            if (!rotate && File.Exists(path))
                throw new CliException(ExitCodes.RuntimeFailure, $"{path} exists but is unusable; fix it or pass --rotate");
            key = TsigKey.Generate(name!, algorithm);
            path = TsigKeyFile.Write(data, key, overwrite: rotate);
            Console.Error.WriteLine($"created {path} (mode 0600)");
        }
        string keyName = key.Name.ToString().TrimEnd('.');
        string secret = Convert.ToBase64String(key.Secret);
        Console.WriteLine($"""
            # letterbox config
            [dns]
            tsig = "{keyName}"

            # NSD (nsd.conf): and in the zone, request-xfr: <this host> {keyName} / allow-notify: <this host> {keyName}
            key:
                name: "{keyName}"
                algorithm: {key.Algorithm.Id}
                secret: "{secret}"

            # BIND (named.conf): and in the zone, primaries {"{"} <this host> key "{keyName}"; {"}"};
            key "{keyName}" {"{"} algorithm {key.Algorithm.Id}; secret "{secret}"; {"}"};

            # Knot (knot.conf)
            key:
              - id: {keyName}
                algorithm: {key.Algorithm.Id}
                secret: {secret}

            # dig / kdig
            dig -y {key.DigArgument} @<this host> <zone> AXFR
            """);
        return ExitCodes.Ok;
    }
}
