using System.Net.Sockets;
using System.Text;

namespace Letterbox.Net.Systemd;

/// <summary>
/// sd_notify(3) without libsystemd: one datagram per state change to $NOTIFY_SOCKET.
/// Under Type=notify systemd waits for READY=1, and with WatchdogSec it kills us unless
/// WATCHDOG=1 arrives at least every $WATCHDOG_USEC. Outside systemd every call is a no-op.
/// </summary>
public sealed class SdNotify : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endPoint;

    public SdNotify() : this(Environment.GetEnvironmentVariable("NOTIFY_SOCKET"), Environment.GetEnvironmentVariable("WATCHDOG_USEC"))
    {
    }

    public SdNotify(string? notifySocket, string? watchdogUsec)
    {
        if (!string.IsNullOrEmpty(notifySocket))
        {
            // A leading '@' names a socket in the abstract namespace (systemd's default).
            var path = notifySocket[0] == '@' ? "\0" + notifySocket[1..] : notifySocket;
            _endPoint = new UnixDomainSocketEndPoint(path);
            _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        }
        if (long.TryParse(watchdogUsec, out long usec) && usec > 0)
            WatchdogInterval = TimeSpan.FromMicroseconds(usec / 2.0); // sd_watchdog_enabled(3) advises half.
    }

    public bool Enabled => _socket is not null;

    /// <summary>How often to send WATCHDOG=1, or null when systemd asked for no watchdog.</summary>
    public TimeSpan? WatchdogInterval { get; }

    public void Ready(string status) => Send($"READY=1\nSTATUS={status}");
    public void Status(string status) => Send($"STATUS={status}");
    public void Watchdog() => Send("WATCHDOG=1");
    public void Stopping() => Send("STOPPING=1");

    private void Send(string message)
    {
        if (_socket is null || _endPoint is null)
            return;
        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(message), _endPoint);
        }
        catch (SocketException)
        {
            // systemd gone or socket unreachable: nothing useful to do, and never fatal.
        }
    }

    public void Dispose() => _socket?.Dispose();
}
