using System.Net.Sockets;
using System.Text;
using Letterbox.Tests.Harness;

namespace Letterbox.Tests.Http;

/// <summary>The HTTP daemon of a running `letterbox dev`, driven by curl and by raw hostile bytes.</summary>
public sealed class HttpDaemonTests : IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly LetterboxProcess _lb;
    private readonly int _port;

    public HttpDaemonTests()
    {
        _lb = LetterboxProcess.StartDev(_data, out int offset);
        _port = offset + 80;
    }

    public void Dispose()
    {
        _lb.Dispose();
        _data.Dispose();
    }

    private string Raw(byte[] request)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.Connect("127.0.0.1", _port);
        socket.ReceiveTimeout = 20_000;
        try
        {
            socket.Send(request);
        }
        catch (SocketException)
        {
            // The server may close on us mid-send once it has seen enough; read what it said.
        }
        var response = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = socket.Receive(buffer)) > 0)
                response.Write(buffer, 0, n);
        }
        catch (SocketException)
        {
        }
        return Encoding.ASCII.GetString(response.ToArray());
    }

    [Fact]
    public void Metrics_are_prometheus_text_that_the_reference_parser_accepts()
    {
        var (code, body) = Tool.Curl($"http://127.0.0.1:{_port}/metrics");
        Assert.Equal(200, code);

        // prometheus_client's own parser (Debian python3-prometheus-client) reads the exposition.
        var script = "import sys\nfrom prometheus_client.parser import text_string_to_metric_families as p\n" +
                     "for f in p(sys.stdin.read()):\n  for s in f.samples: print(s.name, s.labels.get('daemon',''), s.value)\n";
        var parsed = Tool.Run("/usr/bin/python3", ["-c", script], stdin: body);
        Assert.True(parsed.ExitCode == 0, parsed.Stderr);
        Assert.Contains("letterbox_daemon_up http 1.0", parsed.Stdout);
        Assert.Contains("letterbox_daemon_restarts_total http 0.0", parsed.Stdout);
        Assert.Contains("letterbox_supervisor_uptime_seconds", parsed.Stdout);
    }

    [Fact]
    public void The_http_daemon_reports_its_own_counters_through_the_supervisor()
    {
        for (int i = 0; i < 3; i++)
            Assert.Equal(404, Tool.Curl($"http://127.0.0.1:{_port}/nothing-here").Status);
        // Daemons report every few seconds; poll (bounded) until the report has arrived.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string body = "";
        while (DateTime.UtcNow < deadline)
        {
            body = Tool.Curl($"http://127.0.0.1:{_port}/metrics").Body;
            if (body.Contains("letterbox_http_requests_total{path=\"other\",code=\"404\"} 3"))
                return;
            Thread.Sleep(500);
        }
        Assert.Fail("no http request counter in /metrics:\n" + body);
    }

    [Theory]
    [InlineData("BREW /coffee HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 405")]
    [InlineData("GET /x HTTP/1.1\r\nHost : a\r\n\r\n", "HTTP/1.1 400")]
    [InlineData("GET /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "HTTP/1.1 411")]
    [InlineData("\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003\r\n\r\n", "HTTP/1.1 400")]
    public void Malformed_requests_get_a_clear_status_and_the_server_stays_up(string request, string expected)
    {
        Assert.StartsWith(expected, Raw(Encoding.Latin1.GetBytes(request)));
        Assert.Equal(200, Tool.Curl($"http://127.0.0.1:{_port}/livez").Status);
    }

    [Fact]
    public void A_megabyte_of_header_gets_431_without_being_buffered()
    {
        var request = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: a\r\nX: " + new string('x', 1 << 20) + "\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 431", Raw(request));
        Assert.Equal(200, Tool.Curl($"http://127.0.0.1:{_port}/livez").Status);
    }

    [Fact]
    public void Binary_garbage_is_answered_or_closed_and_nothing_crashes()
    {
        var rng = new Random(42);
        for (int i = 0; i < 20; i++)
        {
            var junk = new byte[rng.Next(1, 20000)];
            rng.NextBytes(junk);
            var answer = Raw([.. junk, .. "\r\n\r\n"u8.ToArray()]);
            Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 4") || answer.StartsWith("HTTP/1.1 505"), answer);
        }
        Assert.Equal(200, Tool.Curl($"http://127.0.0.1:{_port}/livez").Status);
        Assert.DoesNotContain(_lb.Lines, l => l.Contains("daemon exited"));
    }
}
