using System.Net;
using System.Net.Sockets;
using System.Text;
using Letterbox.Net.Listeners;

namespace Letterbox.Supervisor;

/// <summary>
/// Asks a daemon whether it serves, in its own protocol and through the same socket clients
/// use: a daemon that is alive but wedged (a deadlock, SIGSTOP) fails the probe even though
/// its process exists. Returns a reason on failure, null on success.
/// </summary>
public delegate Task<string?> HealthProbe(IReadOnlyList<ListenerSpec> listeners, CancellationToken ct);

public static class HealthProbes
{
    public static async Task<string?> HttpLivez(IReadOnlyList<ListenerSpec> listeners, CancellationToken ct)
    {
        var target = listeners.First(l => l.Transport == Transport.Tcp);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(Reachable(target.EndPoint), ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /livez HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"), SocketFlags.None, ct);
        var buffer = new byte[64];
        int filled = 0;
        while (filled < 12)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, ct);
            if (n == 0)
                break;
            filled += n;
        }
        var statusLine = Encoding.ASCII.GetString(buffer, 0, filled);
        return statusLine.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) ? null : $"unexpected answer '{statusLine.Split('\r')[0]}'";
    }

    /// <summary>SMTP: the 220 banner, then QUIT so the session ends politely (RFC 5321 §4.2).</summary>
    public static async Task<string?> SmtpBanner(IReadOnlyList<ListenerSpec> listeners, CancellationToken ct)
    {
        var target = listeners.First(l => l.Transport == Transport.Tcp);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(Reachable(target.EndPoint), ct);
        var banner = await ReadLineAsync(socket, ct);
        if (!banner.StartsWith("220 ", StringComparison.Ordinal))
            return $"unexpected banner '{banner}'";
        await socket.SendAsync("QUIT\r\n"u8.ToArray(), SocketFlags.None, ct);
        return null;
    }

    /// <summary>POP3: the +OK greeting (RFC 1939 §4) on the plaintext port, then QUIT.</summary>
    public static async Task<string?> Pop3Greeting(IReadOnlyList<ListenerSpec> listeners, CancellationToken ct)
    {
        var target = listeners.First(l => l.Transport == Transport.Tcp && l.Name == "pop3");
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(Reachable(target.EndPoint), ct);
        var greeting = await ReadLineAsync(socket, ct);
        if (!greeting.StartsWith("+OK", StringComparison.Ordinal))
            return $"unexpected greeting '{greeting}'";
        await socket.SendAsync("QUIT\r\n"u8.ToArray(), SocketFlags.None, ct);
        return null;
    }

    /// <summary>IMAP: the untagged OK greeting (RFC 9051 §7.1.1) on the plaintext port, then LOGOUT.</summary>
    public static async Task<string?> ImapGreeting(IReadOnlyList<ListenerSpec> listeners, CancellationToken ct)
    {
        var target = listeners.First(l => l.Transport == Transport.Tcp && l.Name == "imap");
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(Reachable(target.EndPoint), ct);
        var greeting = await ReadLineAsync(socket, ct);
        if (!greeting.StartsWith("* OK", StringComparison.Ordinal))
            return $"unexpected greeting '{greeting}'";
        await socket.SendAsync("a LOGOUT\r\n"u8.ToArray(), SocketFlags.None, ct);
        return null;
    }

    private static async Task<string> ReadLineAsync(Socket socket, CancellationToken ct)
    {
        var buffer = new byte[512];
        int filled = 0;
        while (filled < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, ct);
            if (n == 0)
                break;
            filled += n;
            if (Array.IndexOf(buffer, (byte)'\n', 0, filled) >= 0)
                break;
        }
        return Encoding.ASCII.GetString(buffer, 0, filled).Split('\r', '\n')[0];
    }

    /// <summary>A wildcard listener is probed through loopback of the same family.</summary>
    public static IPEndPoint Reachable(IPEndPoint ep)
    {
        if (ep.Address.Equals(IPAddress.Any))
            return new IPEndPoint(IPAddress.Loopback, ep.Port);
        if (ep.Address.Equals(IPAddress.IPv6Any))
            return new IPEndPoint(IPAddress.IPv6Loopback, ep.Port);
        return ep;
    }
}
