using Letterbox.Daemons;
using Letterbox.Logging;
using Letterbox.Monitoring;
using Letterbox.Net.Listeners;
using Letterbox.Net.Unix;

namespace Letterbox.Cli;

/// <summary>`letterbox daemon NAME`: started by the supervisor with its sockets; never by hand.</summary>
public static class DaemonCommand
{
    public static async Task<int> RunAsync(string name, string? dataOption, string configFile, string? user, CancellationToken ct)
    {
        var definition = DaemonCatalog.Find(name)
            ?? throw new CliException(ExitCodes.UsageOrConfig, $"no daemon named '{name}' (known: {string.Join(", ", DaemonCatalog.All.Select(d => d.Name))})");
        var listeners = ListenerHandoff.Adopt();
        if (listeners.Count == 0 && definition.Listeners.Count > 0) // acme has no socket of its own
            throw new CliException(ExitCodes.UsageOrConfig, $"daemon {name} has no sockets: it is started by `letterbox run` or `letterbox dev`, not by hand");

        var settings = ConfigBridge.LoadDaemonFile(configFile);
        Log.MinimumLevel = RunCommand.LevelOf(settings.Log.Level);
        var data = Commands.ResolveDataDirectory(dataOption, Commands.DefaultDataDirectory);
        UnixUser? dropTo = null;
        if (user is not null)
            dropTo = UnixUser.Find(user) ?? throw new CliException(ExitCodes.UsageOrConfig, $"no Unix account named '{user}' to run as");

        var context = new DaemonContext(name, data, Path.Combine(data, "run", "control.sock"), listeners,
            settings, new Log(name), new Metrics());
        return await DaemonHost.RunAsync(definition.Create(), context, dropTo);
    }
}
