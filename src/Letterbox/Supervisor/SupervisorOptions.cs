using Letterbox.Daemons;
using Letterbox.Monitoring;
using Letterbox.Net.Listeners;
using Letterbox.Net.Unix;

namespace Letterbox.Supervisor;

/// <summary>A daemon to run and the sockets to bind for it.</summary>
public sealed record DaemonPlan(DaemonDefinition Definition, IReadOnlyList<ListenerSpec> Listeners);

public sealed record SupervisorOptions
{
    /// <summary>"appliance" or "dev": shown in /healthz so an operator knows which one answered.</summary>
    public required string Mode { get; init; }
    public required string DataDirectory { get; init; }
    public required IReadOnlyList<DaemonPlan> Daemons { get; init; }

    /// <summary>The command line of `letterbox daemon NAME ...`, without the executable.</summary>
    public required Func<string, IEnumerable<string>> ChildArguments { get; init; }

    /// <summary>The unprivileged account daemons run as when the supervisor runs as root.</summary>
    public UnixUser? DaemonUser { get; init; }

    /// <summary>What /healthz says of the served certificate (read from the certificate file alone, never the key).</summary>
    public Func<TlsHealth?>? Tls { get; init; }

    public string RunDirectory => Path.Combine(DataDirectory, "run");
    public string ControlSocket => Path.Combine(RunDirectory, "control.sock");

    // Probe timings: a wedged daemon is detected after FailuresBeforeKill probes, each at most
    // ProbeInterval + ProbeTimeout apart, and replaced well within the 15 s the appliance promises.
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(2);
    public int FailuresBeforeKill { get; init; } = 2;
    public TimeSpan StartupGrace { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>SIGTERM to SIGKILL: daemons drain for 5 s, so the whole stop fits in 10 s.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(7);
}
