using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Letterbox.Tests.Imap;

/// <summary>A raw IMAP session: send bytes, read lines up to the tagged reply.</summary>
public sealed class ImapTranscript : IDisposable
{
    private readonly TcpClient _tcp;
    private Stream _stream;

    public ImapTranscript(int port)
    {
        _tcp = new TcpClient("127.0.0.1", port) { ReceiveTimeout = 30_000, SendTimeout = 30_000 };
        _stream = _tcp.GetStream();
    }

    public void Send(string text) => Send(Encoding.Latin1.GetBytes(text));

    public void Send(byte[] bytes)
    {
        _stream.Write(bytes);
        _stream.Flush();
    }

    /// <summary>Sends "tag rest" and returns every line up to and including the tagged one.</summary>
    public string Command(string tag, string rest)
    {
        Send(tag + " " + rest + "\r\n");
        return UntilTagged(tag);
    }

    public string UntilTagged(string tag)
    {
        var lines = new List<string>();
        while (ReadLine() is { } line)
        {
            lines.Add(line);
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
                break;
        }
        return string.Join("\n", lines);
    }

    public string? ReadLine()
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

    public void StartTls()
    {
        var tls = new SslStream(_stream, false, (_, _, _, _) => true);
        tls.AuthenticateAsClient(new SslClientAuthenticationOptions { TargetHost = "mail.example.test" });
        _stream = tls;
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }
}
