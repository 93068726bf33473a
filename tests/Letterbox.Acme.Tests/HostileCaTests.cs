using System.Net;
using System.Net.Sockets;
using System.Text;
using Letterbox.Acme.Jws;

namespace Letterbox.Acme.Tests;

/// <summary>
/// Directories that are not ACME, broken JSON, a CA that never answers, one that answers too much:
/// each ends in an <see cref="AcmeException"/> whose message says what is wrong, within a bound.
/// </summary>
public sealed class HostileCaTests
{
    /// <summary>A one-shot HTTP server on loopback that answers every request with <paramref name="response"/> (or never, if null).</summary>
    private sealed class FakeServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Socket> _held = [];
        private readonly Task _loop;

        public FakeServer(Func<string, byte[]?> respond)
        {
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (true)
                {
                    Socket s;
                    try { s = await _listener.AcceptSocketAsync(_stop.Token); }
                    catch (Exception) { return; }
                    lock (_held) _held.Add(s);
                    _ = Task.Run(async () =>
                    {
                        var buffer = new byte[8192];
                        int n = await s.ReceiveAsync(buffer, SocketFlags.None);
                        var request = Encoding.ASCII.GetString(buffer, 0, n);
                        var answer = respond(request.Split(' ').ElementAtOrDefault(1) ?? "/");
                        if (answer is null)
                            return; // hang: hold the connection, say nothing
                        await s.SendAsync(answer, SocketFlags.None);
                        s.Shutdown(SocketShutdown.Both);
                    });
                }
            });
        }

        public Uri Url(string path) => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{path}");

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_held) foreach (var s in _held) s.Dispose();
            await _loop;
        }
    }

    private static byte[] Http(int status, string contentType, string body, string extraHeaders = "") =>
        Encoding.UTF8.GetBytes($"HTTP/1.1 {status} X\r\nContent-Type: {contentType}\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n{extraHeaders}Connection: close\r\n\r\n{body}");

    private static async Task<AcmeException> DirectoryError(FakeServer server, TimeSpan? timeout = null)
    {
        using var key = AccountKey.Generate();
        using var client = new AcmeClient(server.Url("/directory"), key, new AcmeClientOptions { RequestTimeout = timeout ?? TimeSpan.FromSeconds(10) });
        return await Assert.ThrowsAsync<AcmeException>(() => client.NewAccountAsync(null, true, null, default));
    }

    [Fact]
    public async Task A_web_page_is_not_an_acme_directory()
    {
        await using var server = new FakeServer(_ => Http(200, "text/html", "<html><body>Welcome to nginx!</body></html>"));
        var e = await DirectoryError(server);
        Assert.Contains("is not an ACME directory", e.Message);
        Assert.Contains("not the expected JSON", e.Message);
    }

    [Fact]
    public async Task A_404_is_not_an_acme_directory()
    {
        await using var server = new FakeServer(_ => Http(404, "text/plain", "nope"));
        var e = await DirectoryError(server);
        Assert.Contains("is not an ACME directory: it answered HTTP 404", e.Message);
    }

    [Fact]
    public async Task Json_without_the_acme_resources_is_not_an_acme_directory()
    {
        await using var server = new FakeServer(_ => Http(200, "application/json", "{\"hello\":\"world\"}"));
        var e = await DirectoryError(server);
        Assert.Contains("newNonce, newAccount or newOrder is missing", e.Message);
    }

    [Theory]
    [InlineData("{\"newNonce\": \"http://x/nonce\", \"newAccount\": ")]
    [InlineData("{\"newNonce\": 42, \"newAccount\": [], \"newOrder\": {}}")]
    [InlineData("[1,2,3]")]
    [InlineData("\u0000\u0001\u00ff")]
    public async Task Malformed_json_is_reported_not_thrown_raw(string body)
    {
        await using var server = new FakeServer(_ => Http(200, "application/json", body));
        var e = await DirectoryError(server);
        Assert.Contains("is not an ACME directory", e.Message);
    }

    private static string Directory(FakeServer server) =>
        $$"""{"newNonce":"{{server.Url("/nonce")}}","newAccount":"{{server.Url("/account")}}","newOrder":"{{server.Url("/order")}}"}""";

    [Fact]
    public async Task Relative_or_non_http_urls_in_the_directory_are_refused()
    {
        await using var server = new FakeServer(_ => Http(200, "application/json", """{"newNonce":"/nonce","newAccount":"file:///etc/passwd","newOrder":"/order"}"""));
        var e = await DirectoryError(server);
        Assert.Contains("must be absolute http(s) URLs", e.Message);
    }

    [Fact]
    public async Task A_CA_that_hangs_is_given_up_on_after_the_request_timeout()
    {
        await using var server = new FakeServer(_ => null);
        var e = await DirectoryError(server, TimeSpan.FromSeconds(1));
        Assert.Contains("did not answer GET", e.Message);
        Assert.Contains("within 1 s", e.Message);
    }

    [Fact]
    public async Task An_endless_answer_is_cut_off_at_the_size_limit()
    {
        await using var server = new FakeServer(_ => Http(200, "application/json", "{\"x\":\"" + new string('a', 3 << 20) + "\"}"));
        using var key = AccountKey.Generate();
        using var client = new AcmeClient(server.Url("/directory"), key, new AcmeClientOptions { MaxResponseBytes = 1 << 20 });
        var e = await Assert.ThrowsAsync<AcmeException>(() => client.GetDirectoryAsync(default));
        Assert.Contains("larger than 1048576 bytes", e.Message);
    }

    [Fact]
    public async Task A_rate_limit_problem_says_rate_limited_and_when_to_come_back()
    {
        var problem = """{"type":"urn:ietf:params:acme:error:rateLimited","detail":"too many certificates already issued for: example.test","status":429}""";
        FakeServer? self = null;
        await using var server = self = new FakeServer(path => path switch
        {
            "/directory" => Http(200, "application/json", Directory(self!)),
            "/nonce" => Http(200, "text/plain", "", "Replay-Nonce: abcDEF123_-\r\n"),
            _ => Http(429, "application/problem+json", problem, "Replay-Nonce: xyz\r\nRetry-After: 3600\r\n"),
        });
        using var key = AccountKey.Generate();
        using var client = new AcmeClient(server.Url("/directory"), key);

        var e = await Assert.ThrowsAsync<AcmeProblemException>(() => client.NewAccountAsync(null, true, null, default));

        Assert.True(e.IsRateLimited);
        Assert.StartsWith("rate limited by the CA: too many certificates already issued for: example.test; the CA says to retry after ", e.Message);
        Assert.NotNull(e.RetryAfter);
        Assert.InRange(e.RetryAfter!.Value - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(61));
    }

    [Fact]
    public async Task An_error_answer_that_is_not_a_problem_document_is_still_described()
    {
        FakeServer? self = null;
        await using var server = self = new FakeServer(path => path switch
        {
            "/directory" => Http(200, "application/json", Directory(self!)),
            "/nonce" => Http(200, "text/plain", "", "Replay-Nonce: abc\r\n"),
            _ => Http(502, "text/html", "<h1>Bad Gateway</h1>"),
        });
        using var key = AccountKey.Generate();
        using var client = new AcmeClient(server.Url("/directory"), key);

        var e = await Assert.ThrowsAsync<AcmeProblemException>(() => client.NewAccountAsync(null, true, null, default));

        Assert.Contains("HTTP 502", e.Message);
        Assert.Contains("Bad Gateway", e.Message);
    }
}
