using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Letterbox.Control;
using Letterbox.Logging;
using Letterbox.Monitoring;
using Letterbox.Net.Listeners;
using Letterbox.Net.Systemd;

namespace Letterbox.Supervisor;

/// <summary>
/// The parent process of the appliance. It binds every listening socket (as root, if ports
/// below 1024 are wanted), starts one child per daemon with its sockets, keeps them alive,
/// answers status over the control socket, talks to systemd, and on SIGTERM stops them all.
/// It serves no protocol itself, so a bug in a protocol server can never take it down.
/// </summary>
public sealed class Supervisor(SupervisorOptions options, Log log)
{
    private readonly Metrics _metrics = new();
    private readonly ConcurrentDictionary<string, string> _reports = new();
    private readonly DateTime _started = DateTime.UtcNow;
    private readonly List<ChildDaemon> _children = [];
    private volatile bool _stopping;

    /// <summary>Binds the sockets. Throws <see cref="ListenerBindException"/> before anything has started.</summary>
    public IReadOnlyList<Listener> Bind() =>
        ListenerHandoff.BindAll(options.Daemons.SelectMany(d => d.Listeners));

    public async Task<int> RunAsync(IReadOnlyList<Listener> listeners, CancellationToken stopping)
    {
        _metrics.DeclareGauge("letterbox_build_info", "Always 1; the version label says which build is running.");
        _metrics.DeclareGauge("letterbox_supervisor_uptime_seconds", "Seconds since the supervisor started.");
        _metrics.DeclareGauge("letterbox_daemon_up", "1 while the daemon answers its health probe, else 0.");
        _metrics.DeclareCounter("letterbox_daemon_restarts_total", "Times the daemon was started again after it exited or was killed.");
        _metrics.DeclareCounter("letterbox_daemon_health_failures_total", "Health probes the daemon failed after it had first answered.");
        _metrics.DeclareGauge("letterbox_daemon_uptime_seconds", "Seconds since the daemon's current process started.");
        _metrics.Set("letterbox_build_info", 1, ("version", BuildInfo.Version));

        Directory.CreateDirectory(options.RunDirectory);
        using var control = new ControlServer(options.ControlSocket, HandleControl, log);
        control.Start(options.DaemonUser);
        using var controlStop = new CancellationTokenSource();
        var controlTask = control.RunAsync(controlStop.Token);

        foreach (var plan in options.Daemons)
        {
            var own = listeners.Where(l => plan.Listeners.Contains(l.Spec)).ToList();
            var child = new ChildDaemon(plan.Definition, own, options, _metrics, log);
            child.InitializeMetrics();
            _children.Add(child);
        }

        using var notify = new SdNotify();
        var running = _children.Select(c => c.RunAsync(stopping)).ToList();

        var ready = Task.WhenAll(_children.Select(c => c.FirstHealthy));
        var watchdog = WatchdogAsync(notify, stopping);
        await Task.WhenAny(ready, Task.Delay(Timeout.Infinite, stopping).ContinueWith(_ => { }, TaskScheduler.Default));
        if (ready.IsCompletedSuccessfully)
        {
            var summary = $"serving: {string.Join(", ", _children.Select(c => c.Name))}";
            notify.Ready(summary);
            log.Info("appliance ready", ("daemons", _children.Count), ("startup_ms", (int)(DateTime.UtcNow - _started).TotalMilliseconds));
            // Start-up is the supervisor's one heavy moment (a certificate made, a password hashed
            // with Argon2id's tens of MiB, the configuration read); from here on it only probes and
            // restarts. Hand that memory back to the system, or the idle supervisor keeps it for good.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }

        try
        {
            await Task.Delay(Timeout.Infinite, stopping);
        }
        catch (OperationCanceledException)
        {
        }
        _stopping = true;
        notify.Stopping();
        log.Info("stopping", ("daemons", _children.Count));
        await Task.WhenAll(running);
        await watchdog;
        controlStop.Cancel();
        await controlTask;
        foreach (var l in listeners)
            l.Dispose();
        log.Info("stopped", ("after_ms", (int)(DateTime.UtcNow - _started).TotalMilliseconds));
        return 0;
    }

    /// <summary>
    /// Pets systemd's watchdog only while every daemon is healthy or being replaced, so a supervisor
    /// that itself hangs is restarted by systemd, the one thing above it.
    /// </summary>
    private static async Task WatchdogAsync(SdNotify notify, CancellationToken stopping)
    {
        if (notify.WatchdogInterval is not { } interval)
            return;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                notify.Watchdog();
                await Task.Delay(interval, stopping);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public HealthReport Status()
    {
        var daemons = _children.ToDictionary(c => c.Name, c => c.Snapshot());
        string status = _stopping ? "stopping" : daemons.Values.All(d => d.Healthy) ? "ok" : "degraded";
        return new HealthReport(status, BuildInfo.Version, options.Mode, Math.Round((DateTime.UtcNow - _started).TotalSeconds, 1), daemons)
        {
            Tls = options.Tls?.Invoke(),
        };
    }

    private string? HandleControl(string command, string body)
    {
        if (command == "status")
            return JsonSerializer.Serialize(Status(), MonitoringJson.Default.HealthReport);
        if (command == "metrics")
            return RenderMetrics();
        if (command.StartsWith("report ", StringComparison.Ordinal))
        {
            var name = command["report ".Length..];
            if (_children.Any(c => c.Name == name))
                _reports[name] = body;
            return "ok\n";
        }
        return null;
    }

    private string RenderMetrics()
    {
        _metrics.Set("letterbox_supervisor_uptime_seconds", Math.Round((DateTime.UtcNow - _started).TotalSeconds, 1));
        foreach (var child in _children)
            _metrics.Set("letterbox_daemon_uptime_seconds", child.Snapshot().UptimeSeconds, ("daemon", child.Name));
        var sb = new StringBuilder(_metrics.Render());
        foreach (var (_, report) in _reports.OrderBy(r => r.Key, StringComparer.Ordinal))
            sb.Append(report);
        return sb.ToString();
    }
}

public static class BuildInfo
{
    public static string Version { get; } =
        typeof(BuildInfo).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "0.0.0";

    public static string Runtime => RuntimeInformation.FrameworkDescription;
}
