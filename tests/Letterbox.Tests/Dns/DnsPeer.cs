using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Letterbox.Protocol.Dns;
using Letterbox.Tests.Harness;

namespace Letterbox.Tests.Dns;

/// <summary>Talks to a DNS server on loopback: dig/kdig for what a user runs, raw sockets for what an attacker sends.</summary>
public sealed class DnsPeer(int port)
{
    public int Port { get; } = port;

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>dig without recursion, bounded retries; returns its whole output.</summary>
    public string Dig(params string[] args)
    {
        var r = Tool.Run("dig", ["@127.0.0.1", "-p", Port.ToString(), "+norec", "+time=2", "+tries=3", .. args]);
        Assert.True(r.ExitCode == 0, $"dig {string.Join(' ', args)} failed ({r.ExitCode}): {r.Stdout}{r.Stderr}");
        return r.Stdout;
    }

    /// <summary>dig +short: the RDATA lines.</summary>
    public string[] Short(string name, string type, params string[] extra) =>
        Dig([.. extra, "+short", name, type]).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public string Kdig(params string[] args)
    {
        var r = Tool.Run("kdig", ["@127.0.0.1", "-p", Port.ToString(), "+norec", "+time=2", "+retry=2", .. args]);
        Assert.True(r.ExitCode == 0, $"kdig {string.Join(' ', args)} failed ({r.ExitCode}): {r.Stdout}{r.Stderr}");
        return r.Stdout;
    }

    /// <summary>One UDP exchange; null when nothing came back within <paramref name="wait"/>.</summary>
    public byte[]? Udp(byte[] packet, TimeSpan? wait = null, IPAddress? source = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        if (source is not null)
            socket.Bind(new IPEndPoint(source, 0));
        socket.Connect(EndPoint);
        socket.Send(packet);
        socket.ReceiveTimeout = (int)(wait ?? TimeSpan.FromSeconds(3)).TotalMilliseconds;
        var buffer = new byte[65536];
        try
        {
            int n = socket.Receive(buffer);
            return buffer[..n];
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.ConnectionRefused or SocketError.ConnectionReset)
        {
            return null; // nothing (yet) on that port, or nothing said
        }
    }

    /// <summary>A query over UDP, retried a few times (UDP may drop), parsed.</summary>
    public DnsMessage Query(string name, DnsType type, ushort? edns = null, bool tcp = false)
    {
        ushort id = (ushort)Random.Shared.Next(1, 65535);
        var packet = DnsMessage.Query(id, DnsName.Parse(name), type, edns);
        for (int attempt = 0; attempt < 5; attempt++)
        {
            var reply = tcp ? Tcp(packet) : Udp(packet, TimeSpan.FromSeconds(2));
            if (reply is null)
                continue;
            var m = DnsMessage.Parse(reply);
            Assert.Equal(id, m.Header.Id);
            return m;
        }
        throw new TimeoutException($"no answer from 127.0.0.1:{Port} for {name} {type}");
    }

    /// <summary>One query over a fresh TCP connection (RFC 7766 framing).</summary>
    public byte[]? Tcp(byte[] packet)
    {
        using var socket = Connect();
        socket.Send(Frame(packet));
        return ReadFrame(socket);
    }

    public Socket Connect()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 30_000 };
        socket.Connect(EndPoint);
        return socket;
    }

    public static byte[] Frame(byte[] packet) => [(byte)(packet.Length >> 8), (byte)packet.Length, .. packet];

    /// <summary>Reads one length-prefixed message; null when the server closed first.</summary>
    public static byte[]? ReadFrame(Socket socket)
    {
        var prefix = new byte[2];
        if (!ReadExactly(socket, prefix))
            return null;
        var body = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        return ReadExactly(socket, body) ? body : null;
    }

    private static bool ReadExactly(Socket socket, byte[] buffer)
    {
        int filled = 0;
        while (filled < buffer.Length)
        {
            int n;
            try
            {
                n = socket.Receive(buffer, filled, buffer.Length - filled, SocketFlags.None);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset)
            {
                return false;
            }
            if (n == 0)
                return false;
            filled += n;
        }
        return true;
    }

    /// <summary>Polls (bounded) until <paramref name="check"/> holds; returns how long it took, for the report.</summary>
    public static TimeSpan WaitUntil(Func<bool> check, TimeSpan bound, string what)
    {
        var started = DateTime.UtcNow;
        while (DateTime.UtcNow - started < bound)
        {
            if (check())
                return DateTime.UtcNow - started;
            Thread.Sleep(50);
        }
        throw new TimeoutException($"not within {bound.TotalSeconds}s: {what}");
    }

    public uint Serial(string zone) => ((SoaRData)Query(zone, DnsType.SOA).Answers.Single().Data).Serial;
}
