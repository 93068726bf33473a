using System.CommandLine;
using Letterbox.Supervisor;

namespace Letterbox.Cli;

/// <summary>The command tree. Each action lives in its own file under Cli/; this file only wires names to them.</summary>
public static class Commands
{
    public const string DefaultDataDirectory = "/var/lib/letterbox";

    public static RootCommand Build()
    {
        var data = new Option<string?>("--data")
        {
            Description = $"State directory (mail, keys, certificates). Default: $LETTERBOX_DATA, else {DefaultDataDirectory} ({DevCommand.DefaultDataDirectory} for dev).",
            Recursive = true,
        };
        var configFile = new Option<string?>("--config")
        {
            Description = "An extra config file, applied over every other source.",
        };

        var root = new RootCommand("Letterbox: a mail appliance (SMTP, IMAP, POP3, DNS, ACME) in one binary.\n" +
                                   "Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.");
        root.Options.Add(data);

        var run = new Command("run", "Appliance mode: load the config from instance metadata and files, start the supervisor and every enabled daemon.");
        run.Options.Add(configFile);
        run.SetAction((pr, ct) => RunCommand.RunAsync(pr.GetValue(data), pr.GetValue(configFile), ct));
        root.Subcommands.Add(run);

        var offset = new Option<int?>("--port-offset")
        {
            Description = $"Added to every standard port (default {DevCommand.DefaultPortOffset}: 25 -> 10025). Same as network.port_offset.",
        };
        var dev = new Command("dev", "Run the whole appliance on 127.0.0.1 for a try-out: example.test, self-signed TLS, every service on its port + 10000.");
        dev.Options.Add(offset);
        dev.Options.Add(configFile);
        dev.SetAction((pr, ct) => DevCommand.RunAsync(pr.GetValue(data), pr.GetValue(offset), pr.GetValue(configFile), ct));
        root.Subcommands.Add(dev);

        var config = new Command("config", "Check or show the configuration.");
        var file = new Argument<string?>("FILE") { Arity = ArgumentArity.ZeroOrOne, Description = "A config file to check; without it, every source the appliance reads." };
        var check = new Command("check", "Validate a config file (or the appliance's sources) and report every problem. Exit 2 when invalid.");
        check.Arguments.Add(file);
        check.SetAction((pr, ct) => ConfigCommands.CheckAsync(pr.GetValue(file), ct));
        config.Subcommands.Add(check);
        var devFlag = new Option<bool>("--dev") { Description = "Show dev mode's configuration instead of the appliance's." };
        var show = new Command("show", "Print the effective configuration: every key, its value (secrets masked) and the source it came from.");
        show.Options.Add(devFlag);
        show.Options.Add(configFile);
        show.SetAction((pr, ct) => ConfigCommands.ShowAsync(pr.GetValue(devFlag), pr.GetValue(configFile), ct));
        config.Subcommands.Add(show);
        var docs = new Command("docs", "Print docs/configuration.md, generated from the schema.") { Hidden = true };
        docs.SetAction(_ => ConfigCommands.Docs());
        config.Subcommands.Add(docs);
        root.Subcommands.Add(config);

        AccountCommands.Add(root, data);
        CertCommands.Add(root, data);
        DnsCommands.Add(root, data);
        DkimCommands.Add(root, data);
        QueueCommands.Add(root, data);

        var status = new Command("status", "Ask the running supervisor for the state of every daemon (JSON, as /healthz).");
        status.SetAction((pr, ct) => StatusCommand.RunAsync(pr.GetValue(data), ct));
        root.Subcommands.Add(status);

        var version = new Command("version", "Print the version.");
        version.SetAction(_ =>
        {
            Console.WriteLine($"letterbox {BuildInfo.Version} ({BuildInfo.Runtime}, native AOT)");
            return ExitCodes.Ok;
        });
        root.Subcommands.Add(version);

        // Started by the supervisor only: one protocol daemon with its inherited sockets.
        var name = new Argument<string>("NAME") { Description = "Daemon name." };
        var effective = new Option<string>("--config-file") { Description = "The effective config the supervisor wrote.", Required = true };
        var daemon = new Command("daemon", "Run one daemon (started by the supervisor).") { Hidden = true };
        daemon.Arguments.Add(name);
        var user = new Option<string?>("--user") { Description = "Drop root to this account once the sockets are adopted." };
        daemon.Options.Add(effective);
        daemon.Options.Add(user);
        daemon.SetAction((pr, ct) => DaemonCommand.RunAsync(pr.GetValue(name)!, pr.GetValue(data), pr.GetValue(effective)!, pr.GetValue(user), ct));
        root.Subcommands.Add(daemon);

        return root;
    }

    /// <summary>--data, else $LETTERBOX_DATA, else the mode's default; always absolute.</summary>
    public static string ResolveDataDirectory(string? option, string fallback)
    {
        var chosen = option ?? Environment.GetEnvironmentVariable("LETTERBOX_DATA");
        return Path.GetFullPath(string.IsNullOrEmpty(chosen) ? fallback : chosen);
    }
}
