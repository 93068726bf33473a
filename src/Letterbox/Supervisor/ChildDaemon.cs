using System.Diagnostics;
using Letterbox.Daemons;
using Letterbox.Logging;
using Letterbox.Monitoring;
using Letterbox.Net.Listeners;
using Letterbox.Net.Unix;

namespace Letterbox.Supervisor;

/// <summary>
/// One supervised daemon: starts `letterbox daemon NAME` with its sockets, probes it in its own
/// protocol, kills it when it stops answering, and starts it again after a backoff delay.
/// </summary>
public sealed class ChildDaemon(DaemonDefinition definition, IReadOnlyList<Listener> listeners, SupervisorOptions options, Metrics metrics, Log log)
{
    // Listeners are made inheritable only around one Process.Start at a time, so that no
    // daemon receives another daemon's sockets.
    private static readonly object SpawnGate = new();

    private readonly TaskCompletionSource _firstHealthy = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _process;
    private DateTime? _startedAt;

    /// <summary>Series start at zero (rather than appearing at the first event) so rate() and alerts see them from the start.</summary>
    public void InitializeMetrics()
    {
        metrics.Increment("letterbox_daemon_restarts_total", 0, ("daemon", Name));
        metrics.Increment("letterbox_daemon_health_failures_total", 0, ("daemon", Name));
        metrics.Set("letterbox_daemon_up", 0, ("daemon", Name));
    }

    public string Name => definition.Name;
    public IReadOnlyList<Listener> Listeners => listeners;
    public string State { get; private set; } = "starting";
    public bool Healthy { get; private set; }
    public int Restarts { get; private set; }
    public string? LastExit { get; private set; }

    /// <summary>Completes when the daemon first answers its probe.</summary>
    public Task FirstHealthy => _firstHealthy.Task;

    public DaemonHealth Snapshot()
    {
        var process = _process;
        var started = _startedAt;
        // Between a daemon's death and the run loop noticing it, the last probe's verdict is stale:
        // a daemon without a live process is never reported healthy.
        bool alive = process is { HasExited: false };
        return new DaemonHealth(State, Healthy && alive, alive ? process!.Id : null, Restarts,
            started is null ? 0 : Math.Round((DateTime.UtcNow - started.Value).TotalSeconds, 1), LastExit,
            listeners.Select(l => l.Spec.ToString()).ToList());
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        var backoff = new Backoff();
        while (!stopping.IsCancellationRequested)
        {
            Process process;
            try
            {
                process = Spawn();
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                log.Error("cannot start daemon", ("daemon", Name), ("error", e.Message));
                State = "restarting";
                await DelayAsync(backoff.Next(TimeSpan.Zero), stopping);
                continue;
            }
            var started = DateTime.UtcNow;
            using var probing = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            var probe = ProbeLoopAsync(process, probing.Token);
            var exited = process.WaitForExitAsync(CancellationToken.None);

            await Task.WhenAny(exited, Task.Delay(Timeout.Infinite, stopping));
            probing.Cancel();
            await probe;

            if (stopping.IsCancellationRequested)
            {
                await TerminateAsync(process, exited);
                break;
            }

            Healthy = false;
            LastExit = DescribeExit(process.ExitCode);
            var delay = backoff.Next(DateTime.UtcNow - started);
            log.Warn("daemon exited; restarting", ("daemon", Name), ("pid", process.Id), ("exit", LastExit), ("delay_ms", (int)delay.TotalMilliseconds));
            process.Dispose();
            State = "restarting";
            metrics.Set("letterbox_daemon_up", 0, ("daemon", Name));
            await DelayAsync(delay, stopping);
            if (stopping.IsCancellationRequested)
                break;
            Restarts++;
            metrics.Increment("letterbox_daemon_restarts_total", 1, ("daemon", Name));
        }
        State = "stopped";
        Healthy = false;
        metrics.Set("letterbox_daemon_up", 0, ("daemon", Name));
    }

    private Process Spawn()
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath ?? throw new InvalidOperationException("no process path"))
        {
            UseShellExecute = false,
        };
        foreach (var arg in options.ChildArguments(Name))
            psi.ArgumentList.Add(arg);
        psi.Environment[ListenerHandoff.EnvironmentVariable] = ListenerHandoff.Describe(listeners);
        Process process;
        lock (SpawnGate)
        {
            using (ListenerHandoff.Inheritable(listeners))
                process = Process.Start(psi) ?? throw new InvalidOperationException("Process.Start returned null");
        }
        _process = process;
        _startedAt = DateTime.UtcNow;
        State = "starting";
        log.Info("daemon starting", ("daemon", Name), ("pid", process.Id));
        return process;
    }

    /// <summary>
    /// Waits for the first good answer (within the start-up grace), then probes at an interval;
    /// after several failures in a row the daemon is killed with SIGKILL, which works on a
    /// stopped or deadlocked process too, and the run loop starts a new one.
    /// </summary>
    private async Task ProbeLoopAsync(Process process, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + options.StartupGrace;
        int failures = 0;
        bool everHealthy = false;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var reason = await ProbeOnceAsync(ct);
                if (ct.IsCancellationRequested)
                    return;
                if (reason is null)
                {
                    failures = 0;
                    if (!everHealthy)
                    {
                        everHealthy = true;
                        log.Info("daemon healthy", ("daemon", Name), ("pid", process.Id));
                        _firstHealthy.TrySetResult();
                    }
                    Healthy = true;
                    State = "running";
                    metrics.Set("letterbox_daemon_up", 1, ("daemon", Name));
                    await Task.Delay(options.ProbeInterval, ct);
                    continue;
                }

                if (!everHealthy)
                {
                    if (DateTime.UtcNow < deadline)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
                        continue;
                    }
                    failures = options.FailuresBeforeKill; // never came up within the grace: replace it now.
                }
                else
                {
                    failures++;
                    metrics.Increment("letterbox_daemon_health_failures_total", 1, ("daemon", Name));
                    log.Warn("health probe failed", ("daemon", Name), ("pid", process.Id), ("failures", failures), ("reason", reason));
                }
                Healthy = false;
                State = "unhealthy";
                metrics.Set("letterbox_daemon_up", 0, ("daemon", Name));
                if (failures >= options.FailuresBeforeKill)
                {
                    log.Error("daemon not answering; killing it", ("daemon", Name), ("pid", process.Id), ("reason", reason));
                    Signals.Send(process.Id, Signals.Kill);
                    return;
                }
                await Task.Delay(options.ProbeInterval, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<string?> ProbeOnceAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.ProbeTimeout);
        try
        {
            return await definition.Probe(listeners.Select(l => l.Spec).ToList(), timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"no answer within {options.ProbeTimeout.TotalSeconds:0.#} s";
        }
        catch (System.Net.Sockets.SocketException e)
        {
            return e.SocketErrorCode.ToString();
        }
        catch (IOException e)
        {
            return e.Message;
        }
    }

    private async Task TerminateAsync(Process process, Task exited)
    {
        State = "stopping";
        Signals.Send(process.Id, Signals.Cont); // a stopped process cannot act on SIGTERM.
        Signals.Send(process.Id, Signals.Term);
        if (await Task.WhenAny(exited, Task.Delay(options.StopTimeout)) != exited)
        {
            log.Warn("daemon did not stop in time; killing it", ("daemon", Name), ("pid", process.Id));
            Signals.Send(process.Id, Signals.Kill);
            await exited;
        }
        LastExit = DescribeExit(process.ExitCode);
        log.Info("daemon stopped", ("daemon", Name), ("pid", process.Id), ("exit", LastExit));
        process.Dispose();
    }

    private static async Task DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }

    // .NET reports a process killed by signal N as exit code 128 + N.
    private static string DescribeExit(int code) => code > 128 && code < 160 ? $"signal {code - 128}" : $"exit {code}";
}
