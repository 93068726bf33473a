using Letterbox.Config;
using Letterbox.Logging;
using Letterbox.Monitoring;
using Letterbox.Net.Listeners;

namespace Letterbox.Daemons;

/// <summary>Everything a daemon process is given: its sockets, where the data lives, how to reach the supervisor.</summary>
public sealed record DaemonContext(
    string Name,
    string DataDirectory,
    string ControlSocket,
    IReadOnlyList<Listener> Listeners,
    LetterboxConfig Config,
    Log Log,
    Metrics Metrics);

/// <summary>One protocol server, run in its own process by <see cref="DaemonHost"/>.</summary>
public interface IDaemon
{
    /// <summary>Serves until <paramref name="stopping"/> fires, then finishes what is in flight and returns.</summary>
    Task RunAsync(DaemonContext context, CancellationToken stopping);
}
