using System.Runtime.InteropServices;
using Letterbox.Control;
using Letterbox.Logging;
using Letterbox.Monitoring;
using Letterbox.Net.Listeners;
using Letterbox.Net.Unix;

namespace Letterbox.Daemons;

/// <summary>
/// The life of a daemon process (`letterbox daemon NAME`), the same for every protocol:
/// adopt the sockets the supervisor bound, give up root, serve, report metrics, and stop
/// cleanly on SIGTERM or when the supervisor is gone.
/// </summary>
public static class DaemonHost
{
    /// <summary>How long in-flight sessions get after SIGTERM; the supervisor waits a little longer.</summary>
    public static readonly TimeSpan DrainTime = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(IDaemon daemon, DaemonContext context, UnixUser? dropTo)
    {
        var log = context.Log;
        int supervisorPid = Signals.ParentPid;

        if (dropTo is not null)
        {
            // The sockets are already open, so nothing below needs root any more (OpenSMTPD and NSD do the same).
            dropTo.BecomeThisUser();
        }

        using var stopping = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stopping.Cancel(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stopping.Cancel(); });

        log.Info("daemon started", ("daemon", context.Name), ("pid", Environment.ProcessId), ("uid", UnixUser.EffectiveUid),
            ("listeners", string.Join(' ', context.Listeners.Select(l => l.Spec.ToString()))));

        var serving = daemon.RunAsync(context, stopping.Token);
        var watching = WatchSupervisorAsync(context, supervisorPid, stopping);

        await Task.WhenAny(serving, watching);
        stopping.Cancel();
        if (await Task.WhenAny(serving, Task.Delay(DrainTime)) != serving)
        {
            log.Warn("sessions still open after drain time; exiting", ("daemon", context.Name));
            return 0;
        }
        try
        {
            await serving;
        }
        catch (OperationCanceledException)
        {
        }
        log.Info("daemon stopped", ("daemon", context.Name));
        return 0;
    }

    /// <summary>
    /// Sends this daemon's counters to the supervisor every few seconds (it publishes them on
    /// /metrics), and ends the daemon when the supervisor that started it has gone away, so a
    /// supervisor killed with -9 does not leave orphans holding the ports.
    /// </summary>
    private static async Task WatchSupervisorAsync(DaemonContext context, int supervisorPid, CancellationTokenSource stopping)
    {
        var next = DateTime.UtcNow;
        while (!stopping.IsCancellationRequested)
        {
            if (Signals.ParentPid != supervisorPid)
            {
                context.Log.Warn("supervisor gone; stopping", ("daemon", context.Name));
                return;
            }
            if (DateTime.UtcNow >= next)
            {
                next = DateTime.UtcNow + ReportInterval;
                try
                {
                    await ControlClient.RequestAsync(context.ControlSocket, "report " + context.Name, context.Metrics.Render(), TimeSpan.FromSeconds(2));
                }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
                {
                    context.Log.Debug("metrics report failed", ("error", e.Message));
                }
            }
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
