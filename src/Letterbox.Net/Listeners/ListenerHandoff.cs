using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Letterbox.Net.Unix;

namespace Letterbox.Net.Listeners;

/// <summary>
/// The supervisor binds every socket once and keeps it for its whole life; each daemon it starts
/// inherits its own sockets across exec. Because the supervisor never closes them, a connection
/// that arrives while a daemon restarts waits in the kernel's backlog and is served by the next
/// daemon instead of being refused. The same idea as systemd's socket activation (LISTEN_FDS),
/// with names, so one daemon can tell its SMTP socket from its submission socket.
/// </summary>
public static class ListenerHandoff
{
    /// <summary>Environment variable that tells a daemon which inherited descriptors are its listeners.</summary>
    public const string EnvironmentVariable = "LETTERBOX_LISTEN_FDS";

    private const int Backlog = 511;

    public static Listener Bind(ListenerSpec spec)
    {
        var ep = spec.EndPoint;
        var socket = spec.Transport == Transport.Tcp
            ? new Socket(ep.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(ep.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (ep.AddressFamily == AddressFamily.InterNetworkV6)
                socket.DualMode = false; // "::" and "0.0.0.0" are configured separately; let both bind.
            if (spec.Transport == Transport.Tcp)
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(ep);
            if (spec.Transport == Transport.Tcp)
                socket.Listen(Backlog);
            return new Listener(spec, socket);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ListenerBindException(spec, e.SocketErrorCode);
        }
    }

    /// <summary>Binds all or nothing: on the first failure the ones already bound are closed.</summary>
    public static IReadOnlyList<Listener> BindAll(IEnumerable<ListenerSpec> specs)
    {
        var bound = new List<Listener>();
        try
        {
            foreach (var spec in specs)
                bound.Add(Bind(spec));
            return bound;
        }
        catch
        {
            foreach (var l in bound)
                l.Dispose();
            throw;
        }
    }

    /// <summary>The value of <see cref="EnvironmentVariable"/> for a daemon that gets these listeners.</summary>
    public static string Describe(IEnumerable<Listener> listeners)
    {
        var sb = new StringBuilder();
        foreach (var l in listeners)
        {
            if (sb.Length > 0)
                sb.Append(',');
            sb.Append(l.Spec.Name).Append('/').Append(l.Spec.Transport == Transport.Tcp ? "tcp" : "udp")
              .Append('/').Append(ListenerSpec.Format(l.Spec.EndPoint)).Append('=').Append(l.Fd.ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>
    /// Lets these descriptors survive the next exec, until the returned scope ends. .NET opens
    /// every descriptor close-on-exec, so only the ones opened here reach the child; the caller
    /// must start one child at a time inside the scope so no daemon inherits another's sockets.
    /// </summary>
    public static IDisposable Inheritable(IReadOnlyList<Listener> listeners)
    {
        foreach (var l in listeners)
            SetCloseOnExec(l.Fd, false);
        return new Scope(listeners);
    }

    private sealed class Scope(IReadOnlyList<Listener> listeners) : IDisposable
    {
        public void Dispose()
        {
            foreach (var l in listeners)
                SetCloseOnExec(l.Fd, true);
        }
    }

    private static void SetCloseOnExec(int fd, bool on)
    {
        int flags = Libc.fcntl(fd, Libc.F_GETFD, 0);
        if (flags < 0)
            throw new InvalidOperationException($"fcntl(F_GETFD, {fd}) failed: errno {Marshal.GetLastPInvokeError()}");
        int wanted = on ? flags | Libc.FD_CLOEXEC : flags & ~Libc.FD_CLOEXEC;
        if (Libc.fcntl(fd, Libc.F_SETFD, wanted) < 0)
            throw new InvalidOperationException($"fcntl(F_SETFD, {fd}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>
    /// In a daemon: the listeners the supervisor handed down, as sockets. The variable is
    /// removed afterwards so anything this daemon starts does not think it owns them.
    /// </summary>
    public static IReadOnlyList<Listener> Adopt()
    {
        var value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        Environment.SetEnvironmentVariable(EnvironmentVariable, null);
        var result = new List<Listener>();
        foreach (var (spec, fd) in Parse(value ?? ""))
        {
            SetCloseOnExec(fd, true);
            var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
            result.Add(new Listener(spec, socket));
        }
        return result;
    }

    /// <summary>Parses "name/tcp/addr:port=fd,..."; anything malformed is a bug between our own processes, so it throws.</summary>
    public static IReadOnlyList<(ListenerSpec Spec, int Fd)> Parse(string value)
    {
        var result = new List<(ListenerSpec, int)>();
        foreach (var item in value.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = item.LastIndexOf('=');
            var parts = eq < 0 ? [] : item[..eq].Split('/', 3);
            if (parts.Length != 3
                || !int.TryParse(item.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int fd)
                || fd < 3
                || !IPEndPoint.TryParse(parts[2], out var ep)
                || parts[1] is not ("tcp" or "udp"))
                throw new FormatException($"malformed {EnvironmentVariable} entry: '{item}'");
            result.Add((new ListenerSpec(parts[0], ep, parts[1] == "tcp" ? Transport.Tcp : Transport.Udp), fd));
        }
        return result;
    }
}
