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

    /// <summary>
    /// A daemon without a socket (acme): the supervisor already restarts it when it exits, and a
    /// stuck ACME daemon harms nothing before the certificate ages; that is what the
    /// letterbox_tls_certificate_expiry_seconds alert is for, not a restart.
    /// </summary>
    public static Task<string?> NoListener(IReadOnlyList<ListenerSpec> listeners, CancellationToken ct) => Task.FromResult<string?>(null);

    /// <summary>
    /// The data directory, where daemons without a socket leave their heartbeat; set once by whoever
    /// starts the supervisor. While it is null the heartbeat probes pass (nothing to read).
    /// </summary>
    public static string? DataDirectory { get; set; }

    /// <summary>
    /// The queue daemon has no socket, so its probe is its heartbeat: the runner's loop touches
    /// <c>queue/heartbeat</c> on every pass (at least once a second), so a deadlocked or stopped
    /// runner leaves it stale. Ten seconds of silence is a failure; a file that was never written is
    /// "not up yet" (the start-up grace covers it).
    /// </summary>
    public static Task<string?> QueueHeartbeat(IReadOnlyList<ListenerSpec> listeners, CancellationToken ct)
    {
        if (DataDirectory is null)
            return Task.FromResult<string?>(null);
        var path = Daemons.Queue.QueueDaemon.HeartbeatPath(DataDirectory);
        if (!File.Exists(path))
            return Task.FromResult<string?>("no heartbeat yet");
        var age = DateTime.UtcNow - File.GetLastWriteTimeUtc(path);
        return Task.FromResult(age < TimeSpan.FromSeconds(10) ? null : $"heartbeat {age.TotalSeconds:0} s old");
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

    /// <summary>
    /// DNS: a query for the root's SOA over UDP and then TCP. We are not authoritative for the
    /// root, so the answer is REFUSED; what counts is that an answer with our ID comes back.
    /// </summary>
    public static async Task<string?> DnsAnswer(IReadOnlyList<ListenerSpec> listeners, CancellationToken ct)
    {
        ushort id = (ushort)Random.Shared.Next(1, 65535);
        var query = Protocol.Dns.DnsMessage.Query(id, Protocol.Dns.DnsName.Root, Protocol.Dns.DnsType.SOA);
        var buffer = new byte[512];
        foreach (var target in listeners.Where(l => l.Name == "dns"))
        {
            var ep = Reachable(target.EndPoint);
            int n;
            if (target.Transport == Transport.Udp)
            {
                using var udp = new Socket(ep.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                await udp.ConnectAsync(ep, ct);
                await udp.SendAsync(query, SocketFlags.None, ct);
                n = await udp.ReceiveAsync(buffer, SocketFlags.None, ct);
            }
            else
            {
                using var tcp = new Socket(ep.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                await tcp.ConnectAsync(ep, ct);
                await tcp.SendAsync((byte[])[0, (byte)query.Length, .. query], SocketFlags.None, ct);
                n = 0;
                while (n < 2 + 12)
                {
                    int r = await tcp.ReceiveAsync(buffer.AsMemory(n), SocketFlags.None, ct);
                    if (r == 0)
                        break;
                    n += r;
                }
                buffer.AsSpan(2, Math.Max(0, n - 2)).CopyTo(buffer);
                n -= 2;
            }
            if (!Protocol.Dns.DnsHeader.TryRead(buffer.AsSpan(0, Math.Max(0, n)), out var h) || h.Id != id || !h.IsResponse)
                return $"no DNS answer over {target.Transport.ToString().ToLowerInvariant()}";
        }
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
