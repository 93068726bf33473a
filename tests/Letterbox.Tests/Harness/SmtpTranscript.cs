using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Letterbox.Tests.Harness;

/// <summary>
/// A raw SMTP conversation for hostile and out-of-order input that no well-behaved client sends:
/// write exact bytes, read reply lines, optionally switch to TLS in the middle.
/// </summary>
public sealed class SmtpTranscript : IDisposable
{
    private readonly TcpClient _tcp;
    private Stream _stream;
    private readonly List<byte> _pending = [];

    /// <param name="port">The server's port on 127.0.0.1.</param>
    /// <param name="from">The loopback address to connect from (default: the kernel's choice, 127.0.0.1).</param>
    public SmtpTranscript(int port, System.Net.IPAddress? from = null)
    {
        _tcp = from is null ? new TcpClient() : new TcpClient(new System.Net.IPEndPoint(from, 0));
        _tcp.ReceiveTimeout = 30_000;
        _tcp.SendTimeout = 30_000;
        _tcp.Connect(System.Net.IPAddress.Loopback, port);
        _stream = _tcp.GetStream();
    }

    public void Send(string text) => Send(Encoding.Latin1.GetBytes(text));

    public void Send(byte[] bytes)
    {
        _stream.Write(bytes);
        _stream.Flush();
    }

    /// <summary>One complete reply (all its lines), e.g. "250-a\r\n250 b".</summary>
    public string Reply()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = ReadLine();
            if (line is null)
                return lines.Count == 0 ? "" : string.Join("\n", lines);
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
                return string.Join("\n", lines);
        }
    }

    /// <summary>A POP3 multi-line response: lines up to the "." terminator (RFC 1939 §3), joined.</summary>
    public string ReplyUntilDot()
    {
        var lines = new List<string>();
        while (ReadLine() is { } line && line != ".")
            lines.Add(line);
        return string.Join("\n", lines);
    }

    /// <summary>Sends a command and returns its reply.</summary>
    public string Command(string line)
    {
        Send(line + "\r\n");
        return Reply();
    }

    /// <summary>True when the server has closed the connection (reads end).</summary>
    public bool Closed()
    {
        try
        {
            return ReadLine() is null;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void StartTls()
    {
        var tls = new SslStream(_stream, false, (_, _, _, _) => true);
        tls.AuthenticateAsClient(new SslClientAuthenticationOptions { TargetHost = "mail.example.test" });
        _stream = tls;
    }

    private string? ReadLine()
    {
        var line = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            int n = _stream.Read(one, 0, 1);
            if (n == 0)
                return line.Count == 0 ? null : Encoding.Latin1.GetString(line.ToArray());
            if (one[0] == '\n')
                return Encoding.Latin1.GetString(line.ToArray()).TrimEnd('\r');
            line.Add(one[0]);
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }
}
