using System.Text;
using System.Text.RegularExpressions;
using Letterbox.Delivery.Queue;
using Letterbox.Tests.Harness;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Xunit.Abstractions;
using DkimVerify = Letterbox.Delivery.Tests.Support.DkimVerify;
using Nsd = Letterbox.Delivery.Tests.Support.Nsd;
using SmtpSink = Letterbox.Delivery.Tests.Support.SmtpSink;

namespace Letterbox.Tests.Queue;

/// <summary>
/// The appliance's queue daemon end to end: a user submits on 587, the queue finds the recipient
/// domain's MX through nsd (dns.resolvers) and delivers to aiosmtpd on a loopback port
/// (queue.mx_port), retries, bounces, and survives kill -9.
/// </summary>
public sealed class QueueDeliveryTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly SmtpSink _sink = new();
    private readonly Nsd _dns = new(new Dictionary<string, string>
    {
        ["remote.test"] = """
            @ IN MX 10 mx.remote.test.
            mx IN A 127.0.0.1
            nomx IN TXT "no mail here"
            """,
    });
    private DevAppliance? _lb;

    private DevAppliance Start(string lifetime = "5d", string firstRetry = "1s") => _lb = new DevAppliance($"""
        [dns]
        resolvers = ["127.0.0.1:{_dns.Port}"]
        [queue]
        mx_port = {_sink.Port}
        lifetime = "{lifetime}"
        first_retry = "{firstRetry}"
        """);

    public void Dispose()
    {
        _lb?.Dispose();
        _sink.Dispose();
        _dns.Dispose();
    }

    private void Submit(DevAppliance lb, string to, string subject, string? messageId = null)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Demo", "demo@example.test"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        if (messageId is not null)
            message.MessageId = messageId;
        message.Body = new TextPart("plain") { Text = "Hello from the queue test.\n" };
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        client.Connect("127.0.0.1", lb.Offset + 587, SecureSocketOptions.StartTls);
        client.Authenticate("demo@example.test", lb.DemoPassword);
        client.Send(message);
        client.Disconnect(true);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, DevAppliance lb)
    {
        var until = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > until)
                Assert.Fail($"timed out waiting for {what}; letterbox printed:\n{lb.Process.Output}");
            await Task.Delay(200);
        }
    }

    private static int Queued(DevAppliance lb) => new OutboundQueue(lb.DataDirectory).Ids().Count;

    /// <summary>The DKIM records as `letterbox dkim show` prints them for a zone file, joined back into one text each.</summary>
    private static Dictionary<string, string> PublishedRecords(DevAppliance lb)
    {
        var r = Tool.Run(LetterboxProcess.BinaryPath, ["dkim", "show", "example.test", "--data", lb.DataDirectory]);
        Assert.Equal(0, r.ExitCode);
        var records = new Dictionary<string, string>();
        foreach (var line in r.Stdout.Split('\n').Where(l => l.Contains(" IN TXT ", StringComparison.Ordinal)))
        {
            var name = line.Split(' ')[0].TrimEnd('.');
            var strings = Regex.Matches(line, "\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
            Assert.All(strings, s => Assert.True(s.Length <= 255, "a TXT string longer than 255 bytes"));
            records[name] = string.Concat(strings);
        }
        Assert.Equal(2, records.Count);
        return records;
    }

    [Fact]
    public async Task Submitted_mail_reaches_the_remote_mx_with_both_signatures_valid()
    {
        var lb = Start();
        Submit(lb, "friend@remote.test", "to the world");

        var received = await _sink.WaitForAsync(1, Patience);
        var (envelope, bytes) = Assert.Single(received);
        Assert.Contains("from demo@example.test", envelope);
        Assert.Contains("rcpt friend@remote.test", envelope);
        Assert.Contains(envelope, l => l.StartsWith("tls TLSv1.", StringComparison.Ordinal)); // opportunistic STARTTLS was used
        var results = DkimVerify.Verify(bytes, PublishedRecords(lb));
        Assert.Equal(["rsa-sha256", "ed25519-sha256"], results.Select(x => x.A));
        Assert.All(results, x => Assert.True(x.Ok, $"{x.A} did not verify"));
        await WaitUntilAsync(() => Queued(lb) == 0, "the queue to empty", lb);
        lb.Process.WaitForLine("queue msg=transfer.*tls=TLSv1\\.");
    }

    [Fact]
    public async Task A_451_is_retried_and_delivered_once()
    {
        var lb = Start();
        Submit(lb, "later@remote.test", "retry me");

        await WaitUntilAsync(() => _sink.Count == 1 && Queued(lb) == 0, "delivery after the retry", lb);
        lb.Process.WaitForLine("deferred.*rcpt=later@remote.test.*451");
        await Task.Delay(2000); // a second copy would arrive within the next retry interval
        Assert.Equal(1, _sink.Count);
    }

    [Fact]
    public async Task A_550_returns_an_rfc3464_report_to_the_sender()
    {
        var lb = Start();
        Submit(lb, "reject@remote.test", "bounce me");

        await WaitUntilAsync(() => lb.Delivered().Length == 1 && Queued(lb) == 0, "the DSN in demo's inbox", lb);
        var dsn = MimeMessage.Load(lb.Delivered()[0]);
        var report = Assert.IsType<MultipartReport>(dsn.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        var recipient = status.StatusGroups[1];
        Assert.Equal("rfc822; reject@remote.test", recipient["Final-Recipient"]);
        Assert.Equal("failed", recipient["Action"]);
        Assert.Equal("5.1.1", recipient["Status"]);
        Assert.Equal(0, _sink.Count);
    }

    [Fact]
    public async Task A_domain_with_neither_mx_nor_address_bounces_when_the_lifetime_ends()
    {
        var lb = Start(lifetime: "4s");
        Submit(lb, "someone@nomx.remote.test", "nowhere to go");

        await WaitUntilAsync(() => lb.Delivered().Length == 1 && Queued(lb) == 0, "the DSN after the lifetime", lb);
        lb.Process.WaitForLine("deferred.*nomx.remote.test");
        var status = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(MimeMessage.Load(lb.Delivered()[0]).Body)[1]);
        Assert.Equal("5.4.7", status.StatusGroups[1]["Status"]);
    }

    [Fact]
    public async Task Queue_cli_lists_shows_bounces_and_deletes()
    {
        var lb = Start(firstRetry: "1h");
        Submit(lb, "later@remote.test", "first");
        Submit(lb, "later@remote.test", "second");
        await WaitUntilAsync(() => new OutboundQueue(lb.DataDirectory).List().Count(e => e.Attempts > 0) == 2, "two deferred entries", lb);

        var list = Tool.Run(LetterboxProcess.BinaryPath, ["queue", "list", "--data", lb.DataDirectory]);
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("2 message(s) queued", list.Stdout);
        var ids = Regex.Matches(list.Stdout, "(?m)^([0-9a-f]{22}) ").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, ids.Count);
        Assert.Contains("451", list.Stdout);

        var show = Tool.Run(LetterboxProcess.BinaryPath, ["queue", "show", ids[0], "--data", lb.DataDirectory]);
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("recipient: later@remote.test state=pending", show.Stdout);
        Assert.Contains("DKIM-Signature:", show.Stdout);

        Assert.Equal(0, Tool.Run(LetterboxProcess.BinaryPath, ["queue", "delete", ids[0], "--data", lb.DataDirectory]).ExitCode);
        Assert.Equal(0, Tool.Run(LetterboxProcess.BinaryPath, ["queue", "bounce", ids[1], "--data", lb.DataDirectory]).ExitCode);
        await WaitUntilAsync(() => Queued(lb) == 0 && lb.Delivered().Length == 1, "the bounce DSN", lb);
        Assert.Equal(2, Tool.Run(LetterboxProcess.BinaryPath, ["queue", "show", ids[0], "--data", lb.DataDirectory]).ExitCode);
        Assert.Equal(0, _sink.Count);
    }

    [Fact]
    public async Task Kill_9_of_the_queue_daemon_during_a_batch_of_1000_loses_nothing()
    {
        const int Batch = 1000;
        var lb = Start();
        var queue = new OutboundQueue(lb.DataDirectory);
        var body = Path.Combine(lb.DataDirectory, "batch-body.eml");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // The batch goes in while the daemon delivers (as from busy submission sessions), and the
        // daemon is killed in the middle of it.
        var producing = Task.Run(async () =>
        {
            for (int i = 0; i < Batch; i++)
            {
                File.WriteAllText(body, $"From: <demo@example.test>\r\nTo: <bulk@remote.test>\r\nSubject: batch {i}\r\nMessage-ID: <batch-{i}@example.test>\r\n\r\nmessage {i}\r\n");
                await queue.EnqueueAsync("demo@example.test", ["bulk@remote.test"], default, body, "demo@example.test", CancellationToken.None);
            }
            return clock.Elapsed;
        });

        await WaitUntilAsync(() => _sink.Count >= 100, "the first 100 deliveries", lb);
        int killed = QueueDaemonPid(lb);
        Assert.True(Native.Kill(killed, Native.SIGKILL));
        int atKill = _sink.Count;
        var enqueued = await producing;
        await WaitUntilAsync(() => QueueDaemonPidOrZero(lb) is var p && p != 0 && p != killed, "the supervisor to restart the queue daemon", lb);

        await WaitUntilAsync(() => Queued(lb) == 0, "the queue to empty after the restart", lb);
        var seen = _sink.Received()
            .Select(r => Regex.Match(Encoding.ASCII.GetString(r.Message), "Message-ID: <(batch-\\d+)@").Groups[1].Value)
            .ToList();
        var distinct = seen.ToHashSet();
        Assert.Equal(Batch, distinct.Count); // none lost
        // Copies twice are allowed only for transfers in flight when the daemon died: one per connection
        // to the sink, at most queue.destination_concurrency (20 by default).
        Assert.True(seen.Count - distinct.Count <= 20, $"{seen.Count - distinct.Count} duplicates");
        Assert.True(atKill < Batch, "the kill came after the batch was done");
        // Figures for the record, not assertions (no wall-clock bounds in tests).
        output.WriteLine($"batch {Batch}: enqueued in {enqueued.TotalSeconds:0.0} s, {atKill} at the sink when the queue daemon was killed, "
            + $"all {distinct.Count} delivered {clock.Elapsed.TotalSeconds:0.0} s after the first enqueue, {seen.Count - distinct.Count} duplicates");
    }

    private static int QueueDaemonPidOrZero(DevAppliance lb)
    {
        foreach (var pid in Native.ChildrenOf(lb.DataDirectory))
        {
            try
            {
                var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
                if (cmdline.Length > 2 && cmdline[2] == "queue")
                    return pid;
            }
            catch (IOException)
            {
            }
        }
        return 0;
    }

    private static int QueueDaemonPid(DevAppliance lb)
    {
        int pid = QueueDaemonPidOrZero(lb);
        Assert.True(pid != 0, "no queue daemon process");
        return pid;
    }
}
