using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Letterbox.Config.Tests;

/// <summary>
/// A small IMDSv2 look-alike on 127.0.0.1 and an ephemeral port. It enforces the handshake the
/// real service enforces: PUT /latest/api/token needs the TTL header (400 without), and every
/// GET needs a token it issued (401 without), so a client that skips a step fails here too.
/// </summary>
internal sealed class FakeImds : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly HashSet<string> _tokens = [];
    private readonly List<string> _requests = [];
    private readonly Task _acceptLoop;
    private int _authorizedGets;
    private bool _revoked;

    public FakeImds()
    {
        _listener.Start();
        Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _acceptLoop = AcceptLoopAsync();
    }

    public Uri Endpoint { get; }

    /// <summary>User-data bytes; null answers 404 as for an instance without user-data.</summary>
    public byte[]? UserData { get; set; }

    /// <summary>All instance tags; null answers 404 as when tags are not enabled in metadata.</summary>
    public Dictionary<string, string>? Tags { get; set; }

    public string? PublicIpv4 { get; set; }

    public string? Ipv6 { get; set; }

    public string? PublicHostname { get; set; }

    /// <summary>After this many authorized GETs every token is revoked once, as when a token expires mid-way.</summary>
    public int? RevokeTokensAfterGets { get; set; }

    /// <summary>Answer every GET with 401, even with a fresh token.</summary>
    public bool RejectAllGets { get; set; }

    /// <summary>Answer with bytes that are not HTTP at all.</summary>
    public bool Garbage { get; set; }

    /// <summary>"METHOD /path -> status", in arrival order.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public int TokenRequests => Requests.Count(r => r.StartsWith("PUT /latest/api/token -> 200", StringComparison.Ordinal));

    public string UserDataText
    {
        set => UserData = Encoding.UTF8.GetBytes(value);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var head = await ReadHeadAsync(stream);
                if (head is null)
                {
                    return;
                }
                if (Garbage)
                {
                    await stream.WriteAsync("SSH-2.0-OpenSSH_9.6\r\nProtocol mismatch.\r\n"u8.ToArray(), _stop.Token);
                    return;
                }
                var (status, body) = Handle(head.Value.Method, head.Value.Path, head.Value.Headers);
                lock (_gate)
                {
                    _requests.Add($"{head.Value.Method} {head.Value.Path} -> {status}");
                }
                var reason = status switch { 200 => "OK", 400 => "Bad Request", 401 => "Unauthorized", 404 => "Not Found", _ => "Error" };
                var response = Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(response, _stop.Token);
                await stream.WriteAsync(body, _stop.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
            {
            }
        }
    }

    private (int Status, byte[] Body) Handle(string method, string path, Dictionary<string, string> headers)
    {
        lock (_gate)
        {
            if (method == "PUT" && path == "/latest/api/token")
            {
                if (!headers.TryGetValue("x-aws-ec2-metadata-token-ttl-seconds", out var ttlText)
                    || !int.TryParse(ttlText, NumberStyles.None, CultureInfo.InvariantCulture, out var ttl) || ttl is < 1 or > 21600)
                {
                    return (400, "missing or invalid ttl"u8.ToArray());
                }
                var token = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
                _tokens.Add(token);
                return (200, Encoding.ASCII.GetBytes(token));
            }
            if (method != "GET")
            {
                return (405, []);
            }
            if (RejectAllGets || !headers.TryGetValue("x-aws-ec2-metadata-token", out var presented) || !_tokens.Contains(presented))
            {
                return (401, []);
            }
            if (RevokeTokensAfterGets is { } limit && !_revoked && _authorizedGets >= limit)
            {
                _revoked = true;
                _tokens.Clear();
                return (401, []);
            }
            _authorizedGets++;
            return Route(Uri.UnescapeDataString(path));
        }
    }

    private (int, byte[]) Route(string path)
    {
        const string tagPrefix = "/latest/meta-data/tags/instance/";
        byte[]? body = path switch
        {
            "/latest/user-data" => UserData,
            "/latest/meta-data/tags/instance" => Tags is null ? null : Encoding.UTF8.GetBytes(string.Join('\n', Tags.Keys)),
            "/latest/meta-data/public-ipv4" => Text(PublicIpv4),
            "/latest/meta-data/ipv6" => Text(Ipv6),
            "/latest/meta-data/public-hostname" => Text(PublicHostname),
            _ when path.StartsWith(tagPrefix, StringComparison.Ordinal) && Tags is not null
                && Tags.TryGetValue(path[tagPrefix.Length..], out var value) => Encoding.UTF8.GetBytes(value),
            _ => null,
        };
        return body is null ? (404, []) : (200, body);
    }

    private static byte[]? Text(string? s) => s is null ? null : Encoding.UTF8.GetBytes(s);

    private async Task<(string Method, string Path, Dictionary<string, string> Headers)?> ReadHeadAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        // Byte at a time is slow but simple, and a request head here is a few hundred bytes; cap it anyway.
        while (buffer.Count < 16384)
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0)
            {
                return null;
            }
            buffer.Add(one[0]);
            if (buffer.Count >= 4 && buffer[^4] == '\r' && buffer[^3] == '\n' && buffer[^2] == '\r' && buffer[^1] == '\n')
            {
                break;
            }
        }
        var lines = Encoding.ASCII.GetString([.. buffer]).Split("\r\n");
        var requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1).Where(l => l.Contains(':')))
        {
            var colon = line.IndexOf(':');
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        if (headers.TryGetValue("content-length", out var lengthText) && int.TryParse(lengthText, CultureInfo.InvariantCulture, out var length))
        {
            var body = new byte[Math.Min(length, 16384)];
            await stream.ReadExactlyAsync(body, _stop.Token);
        }
        return (requestLine[0], requestLine.Length > 1 ? requestLine[1] : "/", headers);
    }
}
