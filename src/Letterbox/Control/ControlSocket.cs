using System.Net.Sockets;
using System.Text;
using Letterbox.Logging;
using Letterbox.Net.Unix;

namespace Letterbox.Control;

/// <summary>
/// The supervisor's Unix socket, where daemons and the admin CLI ask for state. One request a
/// connection: a command line ("status", "metrics", "report NAME" followed by the report), the
/// client half-closes, the supervisor answers and closes. Only the owner and the daemons' group
/// may connect (mode 0660), so nothing on the network reaches it.
/// </summary>
public sealed class ControlServer(string path, Func<string, string, string?> handle, Log log) : IDisposable
{
    /// <summary>A daemon's report is a page of Prometheus text; nothing legitimate comes near this.</summary>
    public const int MaxRequestBytes = 1 << 20;

    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    public string Path { get; } = path;

    public void Start(UnixUser? group)
    {
        if (File.Exists(Path))
            File.Delete(Path); // left by a supervisor that was killed; we hold the data directory now.
        _socket.Bind(new UnixDomainSocketEndPoint(Path));
        _socket.Listen(64);
        File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        if (group is not null)
            UnixUser.ChownGroupOnly(Path, group.Gid);
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException e)
            {
                log.Warn("control socket accept failed", ("error", e.SocketErrorCode));
                continue;
            }
            _ = ServeAsync(client, stopping);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken stopping)
    {
        using var _ = client;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            var request = await ReadAllAsync(client, MaxRequestBytes, timeout.Token);
            if (request is null)
                return;
            int nl = request.IndexOf('\n');
            var command = (nl < 0 ? request : request[..nl]).Trim();
            var body = nl < 0 ? "" : request[(nl + 1)..];
            var answer = handle(command, body) ?? $"error: unknown command '{command}'\n";
            await client.SendAsync(Encoding.UTF8.GetBytes(answer), SocketFlags.None, timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
        }
    }

    /// <summary>Reads until the peer half-closes, or null if it sends more than <paramref name="limit"/> bytes.</summary>
    internal static async Task<string?> ReadAllAsync(Socket socket, int limit, CancellationToken ct)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        while (true)
        {
            int n = await socket.ReceiveAsync(chunk, SocketFlags.None, ct);
            if (n == 0)
                return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            if (buffer.Length + n > limit)
                return null;
            buffer.Write(chunk, 0, n);
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
        }
    }
}

public static class ControlClient
{
    public static async Task<string> RequestAsync(string socketPath, string command, string body = "", TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cts.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes(command + "\n" + body), SocketFlags.None, cts.Token);
        socket.Shutdown(SocketShutdown.Send);
        return await ControlServer.ReadAllAsync(socket, 16 << 20, cts.Token)
            ?? throw new IOException("control socket answer too large");
    }
}
