using System.Net;
using System.Net.Sockets;
using System.Text;
using Letterbox.Acme.Challenges;

namespace Letterbox.Acme.Tests.Support;

/// <summary>
/// The http-01 side for library tests: serves GET /.well-known/acme-challenge/TOKEN from an
/// <see cref="Http01Store"/> on a loopback port, the way Letterbox's HTTP daemon does.
/// </summary>
public sealed class TokenServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _served;

    public TokenServer(int port, Http01Store store)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket client;
                try { client = await _listener.AcceptSocketAsync(_stop.Token); }
                catch (Exception) { return; }
                _ = Task.Run(async () =>
                {
                    using var c = client;
                    using var stream = new NetworkStream(c);
                    using var reader = new StreamReader(stream, Encoding.ASCII);
                    var requestLine = await reader.ReadLineAsync() ?? "";
                    while (!string.IsNullOrEmpty(await reader.ReadLineAsync())) { }
                    var path = requestLine.Split(' ').ElementAtOrDefault(1) ?? "";
                    var body = path.StartsWith(Http01Store.PathPrefix, StringComparison.Ordinal) ? store.TryRead(path[Http01Store.PathPrefix.Length..]) : null;
                    if (body is not null)
                        Interlocked.Increment(ref _served);
                    var status = body is null ? "404 Not Found" : "200 OK";
                    body ??= "not found";
                    var bytes = Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");
                    await stream.WriteAsync(bytes);
                });
            }
        });
    }

    public int Served => Volatile.Read(ref _served);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _loop;
    }
}
