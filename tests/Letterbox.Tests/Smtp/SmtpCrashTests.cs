using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Letterbox.Tests.Harness;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Xunit.Abstractions;

namespace Letterbox.Tests.Smtp;

/// <summary>
/// Durability, proven the hard way: senders keep delivering while the SMTP daemon is killed with
/// SIGKILL, twice; afterwards every message that got a 250 is in the mailbox exactly once, and
/// every file in the mailbox is a whole message.
/// </summary>
public sealed class SmtpCrashTests(ITestOutputHelper output) : IDisposable
{
    private readonly DevAppliance _lb = new("[smtp]\nmax_connections_per_ip = 100\n");

    public void Dispose() => _lb.Dispose();

    /// <summary>The running SMTP daemon's pid, asked of the supervisor (retried: under load, or mid-restart, it may have none yet).</summary>
    private int SmtpDaemonPid()
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            var r = Tool.Run(LetterboxProcess.BinaryPath, ["status", "--data", _lb.DataDirectory]);
            if (r.ExitCode == 0)
            {
                var smtp = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("daemons").GetProperty("smtp");
                if (smtp.GetProperty("pid").ValueKind == JsonValueKind.Number)
                    return smtp.GetProperty("pid").GetInt32();
            }
            Thread.Sleep(200);
        }
        return 0;
    }

    [Fact]
    public async Task Every_message_acknowledged_with_250_survives_kill_minus_9_exactly_once()
    {
        const int Senders = 4, PerSender = 150; // bounded: 600 messages at most
        var acknowledged = new ConcurrentBag<string>();
        int failures = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        async Task SendAll(int sender)
        {
            SmtpClient? client = null;
            for (int i = 0; i < PerSender && !stop.IsCancellationRequested; i++)
            {
                var id = $"crash-{sender}-{i}@test.example.org";
                var message = new MimeMessage();
                message.From.Add(MailboxAddress.Parse("load@example.org"));
                message.To.Add(MailboxAddress.Parse("demo@example.test"));
                message.MessageId = id;
                message.Subject = id;
                message.Body = new TextPart("plain") { Text = string.Concat(Enumerable.Repeat($"{id} body line\n", 40)) + "END-OF-MESSAGE\n" };
                try
                {
                    if (client is not { IsConnected: true })
                    {
                        client?.Dispose();
                        client = new SmtpClient { Timeout = 30_000 };
                        await client.ConnectAsync("127.0.0.1", _lb.SmtpPort, SecureSocketOptions.None, stop.Token);
                    }
                    await client.SendAsync(message, stop.Token);
                    acknowledged.Add(id); // the server said 250
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Interlocked.Increment(ref failures); // in flight when the daemon died: may or may not be stored
                    client?.Dispose();
                    client = null;
                    await Task.Delay(100);
                }
            }
            client?.Dispose();
        }

        var senders = Enumerable.Range(0, Senders).Select(s => Task.Run(() => SendAll(s))).ToList();
        for (int kill = 0; kill < 2; kill++)
        {
            var target = (kill + 1) * Senders * PerSender / 3;
            while (acknowledged.Count < target && !senders.All(t => t.IsCompleted) && !stop.IsCancellationRequested)
                await Task.Delay(20);
            int pid = SmtpDaemonPid();
            Assert.True(pid > 0 && Native.Kill(pid, Native.SIGKILL), "kill -9 of the smtp daemon");
            output.WriteLine($"killed smtp daemon {pid} after {acknowledged.Count} acknowledged messages");
        }
        await Task.WhenAll(senders);

        // Every acknowledged message is there once; every file is whole (ends with its marker).
        var counts = new Dictionary<string, int>();
        foreach (var file in _lb.Delivered())
        {
            var text = File.ReadAllText(file);
            Assert.EndsWith("END-OF-MESSAGE\r\n", text);
            var id = Regex.Match(text, @"Message-Id: <([^>]+)>", RegexOptions.IgnoreCase).Groups[1].Value;
            counts[id] = counts.GetValueOrDefault(id) + 1;
        }
        output.WriteLine($"acknowledged {acknowledged.Count}, failed in flight {failures}, files {counts.Values.Sum()}");
        Assert.True(acknowledged.Count >= Senders * PerSender * 2 / 3, "the load ran on after the kills");
        foreach (var id in acknowledged)
            Assert.True(counts.GetValueOrDefault(id) == 1, $"{id} acknowledged but stored {counts.GetValueOrDefault(id)} times");
        Assert.All(counts, kv => Assert.Equal(1, kv.Value));
        Assert.Contains(_lb.Process.Lines, l => l.Contains("daemon exited; restarting") && l.Contains("daemon=smtp"));
    }
}
