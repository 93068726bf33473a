using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Letterbox.Tests.Harness;
using Xunit.Abstractions;

namespace Letterbox.Tests.Supervisor;

/// <summary>
/// The supervisor as an operator meets it: `letterbox dev` running, daemons killed, hung and
/// stopped from outside with signals, and observed through /healthz (curl) and `letterbox status`.
/// Time limits below are generous bounds so a loaded machine does not fail them; the measured
/// figures are printed and recorded by bench/, not asserted.
/// </summary>
public sealed class SupervisorTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private static JsonElement Status(LetterboxProcess lb)
    {
        var r = Tool.Run(LetterboxProcess.BinaryPath, ["status", "--data", lb.DataDirectory]);
        Assert.True(r.ExitCode == 0, $"letterbox status failed: {r.Stderr}");
        return JsonDocument.Parse(r.Stdout).RootElement;
    }

    private static JsonElement Http(JsonElement status) => status.GetProperty("daemons").GetProperty("http");

    private static JsonElement WaitFor(LetterboxProcess lb, Func<JsonElement, bool> condition, string what, TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        while (true)
        {
            try
            {
                var s = Status(lb);
                if (condition(s))
                    return s;
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"{what}: last status {s}\n{lb.Output}");
            }
            catch (Exception e) when (e is JsonException && DateTime.UtcNow <= deadline)
            {
            }
            Thread.Sleep(200);
        }
    }

    [Fact]
    public void Dev_mode_answers_healthz_with_every_daemon_healthy()
    {
        using var lb = LetterboxProcess.StartDev(_data, out int offset);

        var (code, body) = Tool.Curl($"http://127.0.0.1:{offset + 80}/healthz");

        Assert.Equal(200, code);
        var health = JsonDocument.Parse(body).RootElement;
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal("dev", health.GetProperty("mode").GetString());
        // Until ACME (or the operator's files) replace it, clients would warn: /healthz says so.
        var tls = health.GetProperty("tls");
        Assert.Equal("self-signed", tls.GetProperty("certificate").GetString());
        Assert.Contains("mail.example.test", tls.GetProperty("subject").GetString());
        Assert.True(tls.GetProperty("not_after").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddDays(300));
        var http = Http(health);
        Assert.True(http.GetProperty("healthy").GetBoolean());
        Assert.Equal("running", http.GetProperty("state").GetString());
        Assert.True(Native.IsAlive(http.GetProperty("pid").GetInt32()));
    }

    [Fact]
    public void A_daemon_killed_with_sigkill_is_started_again()
    {
        using var lb = LetterboxProcess.StartDev(_data, out int offset);
        int pid = Http(Status(lb)).GetProperty("pid").GetInt32();

        Assert.True(Native.Kill(pid, Native.SIGKILL));

        var after = WaitFor(lb, s => Http(s).GetProperty("healthy").GetBoolean() && Http(s).GetProperty("pid").GetInt32() != pid,
            "http daemon not replaced", TimeSpan.FromSeconds(30));
        Assert.Equal(1, Http(after).GetProperty("restarts").GetInt32());
        Assert.Equal("signal 9", Http(after).GetProperty("last_exit").GetString());
        Assert.Equal(200, Tool.Curl($"http://127.0.0.1:{offset + 80}/livez").Status);
    }

    [Fact]
    public void A_hung_daemon_is_detected_by_its_probe_killed_and_replaced()
    {
        using var lb = LetterboxProcess.StartDev(_data, out int offset);
        int pid = Http(Status(lb)).GetProperty("pid").GetInt32();
        var watch = Stopwatch.StartNew();

        // SIGSTOP: the process exists, its socket accepts into the backlog, but nothing answers.
        Assert.True(Native.Kill(pid, Native.SIGSTOP));

        var after = WaitFor(lb, s => Http(s).GetProperty("healthy").GetBoolean() && Http(s).GetProperty("pid").GetInt32() != pid,
            "stopped http daemon not replaced", TimeSpan.FromSeconds(45));
        output.WriteLine($"hung daemon replaced after {watch.Elapsed.TotalSeconds:0.0} s");
        Assert.False(Native.IsAlive(pid));
        Assert.Contains(lb.Lines, l => l.Contains("daemon not answering; killing it") && l.Contains($"pid={pid}"));
        Assert.Equal(1, Http(after).GetProperty("restarts").GetInt32());
        Assert.Equal(200, Tool.Curl($"http://127.0.0.1:{offset + 80}/livez").Status);
    }

    [Fact]
    public void A_hung_queue_daemon_is_caught_by_its_stale_heartbeat_and_replaced()
    {
        // The queue daemon has no socket: its probe is the heartbeat file its loop touches.
        using var lb = LetterboxProcess.StartDev(_data, out _);
        static JsonElement Queue(JsonElement s) => s.GetProperty("daemons").GetProperty("queue");
        WaitFor(lb, s => Queue(s).GetProperty("healthy").GetBoolean(), "queue daemon healthy", TimeSpan.FromSeconds(30));
        int pid = Queue(Status(lb)).GetProperty("pid").GetInt32();

        Assert.True(Native.Kill(pid, Native.SIGSTOP));

        var after = WaitFor(lb, s => Queue(s).GetProperty("healthy").GetBoolean() && Queue(s).GetProperty("pid").GetInt32() != pid,
            "stopped queue daemon not replaced", TimeSpan.FromSeconds(60));
        Assert.False(Native.IsAlive(pid));
        Assert.Contains(lb.Lines, l => l.Contains("daemon not answering; killing it") && l.Contains($"pid={pid}"));
        Assert.Equal(1, Queue(after).GetProperty("restarts").GetInt32());
    }

    [Fact]
    public void Connections_made_while_a_daemon_restarts_are_served_not_refused()
    {
        using var lb = LetterboxProcess.StartDev(_data, out int offset);

        for (int round = 0; round < 5; round++)
        {
            int pid = Http(Status(lb)).GetProperty("pid").GetInt32();
            Assert.True(Native.Kill(pid, Native.SIGKILL));
            // Connect at once, while no daemon process exists: the supervisor still holds the
            // listening socket, so the kernel queues us until the next daemon accepts.
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            socket.Connect("127.0.0.1", offset + 80);
            socket.Send(Encoding.ASCII.GetBytes("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n"));
            socket.ReceiveTimeout = 30_000;
            var buffer = new byte[256];
            int n = socket.Receive(buffer);
            Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(buffer, 0, n));
            WaitFor(lb, s => Http(s).GetProperty("healthy").GetBoolean(), "daemon back", TimeSpan.FromSeconds(30));
        }
        Assert.Equal(5, Http(Status(lb)).GetProperty("restarts").GetInt32());
    }

    [Fact]
    public void Sigterm_stops_every_daemon_and_exits_zero()
    {
        using var lb = LetterboxProcess.StartDev(_data, out int offset);
        int child = Http(Status(lb)).GetProperty("pid").GetInt32();

        lb.Signal(Native.SIGTERM);

        Assert.Equal(0, lb.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.False(Native.IsAlive(child));
        Assert.Contains(lb.Lines, l => l.Contains("msg=stopped"));
        Assert.True(LetterboxProcess.IsFree(offset + 80), "the port is released after stop");
        output.WriteLine(lb.Lines.Last(l => l.Contains("msg=stopped")));
    }

    [Fact]
    public void Daemons_exit_when_the_supervisor_is_killed()
    {
        var lb = LetterboxProcess.StartDev(_data, out _);
        int child = Http(Status(lb)).GetProperty("pid").GetInt32();

        lb.Signal(Native.SIGKILL);
        lb.WaitForExit(TimeSpan.FromSeconds(10));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (Native.IsAlive(child) && DateTime.UtcNow < deadline)
            Thread.Sleep(100);
        Assert.False(Native.IsAlive(child), "orphaned daemon still running");
        lb.Dispose();
    }

    [Fact]
    public void Status_reports_stopped_daemon_as_unhealthy_before_it_is_replaced()
    {
        using var lb = LetterboxProcess.StartDev(_data, out _);
        int pid = Http(Status(lb)).GetProperty("pid").GetInt32();

        Native.Kill(pid, Native.SIGSTOP);
        var degraded = WaitFor(lb, s => s.GetProperty("status").GetString() == "degraded", "status never degraded", TimeSpan.FromSeconds(30));

        Assert.False(Http(degraded).GetProperty("healthy").GetBoolean());
        Native.Kill(pid, Native.SIGCONT);
    }
}
