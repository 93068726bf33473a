using System.Globalization;
using Letterbox.Config;
using Letterbox.Net.Listeners;

namespace Letterbox.Cli;

/// <summary>
/// `letterbox dev`: the whole appliance on 127.0.0.1 for a try-out or for development, from an
/// embedded config (example.test, self-signed TLS), every service on its standard port + offset.
/// </summary>
public static class DevCommand
{
    public const int DefaultPortOffset = 10000;
    public const string DefaultDataDirectory = ".letterbox-dev";

    public static async Task<int> RunAsync(string? dataOption, int? portOffset, string? configFile, CancellationToken ct)
    {
        var result = await ConfigBridge.LoadValidAsync(ConfigBridge.DevSources(portOffset, configFile), ct);
        var data = Commands.ResolveDataDirectory(dataOption, DefaultDataDirectory);
        return await RunCommand.SuperviseAsync("dev", result, data, dropPrivileges: false, announce: (settings, listeners) => Announce(settings, data, listeners));
    }

    /// <summary>What listens where, and a command to try each; a service not built yet is simply not listed.</summary>
    private static void Announce(LetterboxConfig settings, string data, IReadOnlyList<Listener> listeners)
    {
        var w = Console.Out;
        w.WriteLine();
        w.WriteLine($"Letterbox dev: {settings.Hostname} for {string.Join(", ", settings.Domains)}; data in {data}");
        w.WriteLine();
        w.WriteLine($"  {"service",-12} {"listens on",-22} try it");
        foreach (var l in listeners)
        {
            var ep = ListenerSpec.Format(l.Spec.EndPoint);
            w.WriteLine($"  {l.Spec.Name,-12} {ep + "/" + l.Spec.Transport.ToString().ToLowerInvariant(),-22} {TryIt(l.Spec)}");
        }
        w.WriteLine();
        w.WriteLine("Ctrl-C stops everything.");
        w.WriteLine();
        w.Flush();
    }

    private static string TryIt(ListenerSpec spec)
    {
        var host = ListenerSpec.Format(spec.EndPoint);
        return spec.Name switch
        {
            "http" => $"curl http://{host}/healthz",
            _ => "",
        };
    }

    internal static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
