using System.Text;
using Letterbox.Delivery.Dkim;
using Letterbox.Delivery.Outbound;
using Letterbox.Delivery.Tests.Support;
using Letterbox.Store.Keys;
using MimeKit;

namespace Letterbox.Delivery.Tests.Outbound;

/// <summary>
/// The runner against real peers: nsd answers the MX lookups, aiosmtpd plays the remote MX, the
/// local store takes mail for example.test (DSNs included).
/// </summary>
public sealed class DeliveryTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly QueueFixture f = new();

    public void Dispose() => f.Dispose();


    private async Task<T> WithRunnerAsync<T>(DeliveryOptions options, Func<Task<T>> body)
    {
        using var stop = new CancellationTokenSource();
        var runner = f.Runner(options);
        var running = runner.RunAsync(stop.Token);
        try
        {
            return await body();
        }
        finally
        {
            stop.Cancel();
            await running;
        }
    }

    [Fact]
    public async Task Signed_mail_reaches_the_remote_mx_over_starttls_and_both_signatures_still_verify()
    {
        var keys = new DkimKeyStore(f.Data.Path);
        var message = QueueFixture.Message("demo@example.test", "friend@remote.test", "signed");
        var fields = new MessageSigner(keys).Sign("example.test", new MemoryStream(Encoding.ASCII.GetBytes(message)));
        var id = await f.EnqueueAsync("demo@example.test", ["friend@remote.test"], message, string.Concat(fields));

        var received = await WithRunnerAsync(f.Options(), () => f.Sink.WaitForAsync(1, Patience));

        var (envelope, bytes) = Assert.Single(received);
        Assert.Contains("from demo@example.test", envelope);
        Assert.Contains("rcpt friend@remote.test", envelope);
        Assert.Contains(envelope, l => l.StartsWith("tls TLSv1.", StringComparison.Ordinal));
        var records = keys.Load("example.test").ToDictionary(k => k.RecordName, k => k.TxtRecord);
        var verified = DkimVerify.Verify(bytes, records);
        Assert.Equal(2, verified.Count);
        Assert.All(verified, v => Assert.True(v.Ok, $"{v.A} failed after transfer"));
        await f.WaitUntilAsync(() => f.Queue.Read(id) is null, Patience, "the entry to be removed");
        Assert.Contains(f.Log, l => l.Contains("transfer", StringComparison.Ordinal) && l.Contains("tls=TLSv1.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_451_is_retried_and_the_message_arrives_once()
    {
        var id = await f.EnqueueAsync("demo@example.test", ["later@remote.test"], QueueFixture.Message("demo@example.test", "later@remote.test", "retry"));

        await WithRunnerAsync(f.Options(firstRetry: TimeSpan.FromSeconds(1)), async () =>
        {
            await f.WaitUntilAsync(() => f.Queue.Read(id) is null, Patience, "delivery after the retry");
            return 0;
        });

        Assert.Equal(1, f.Sink.Count);
        Assert.Contains(f.Log, l => l.StartsWith("info deferred", StringComparison.Ordinal) && l.Contains("451", StringComparison.Ordinal));
        Assert.Empty(f.Inbox()); // no DSN for a message that got through
    }

    [Fact]
    public async Task A_550_bounces_to_the_local_sender_with_an_rfc3464_report()
    {
        var id = await f.EnqueueAsync("demo@example.test", ["reject@remote.test", "ok@remote.test"],
            QueueFixture.Message("demo@example.test", "reject@remote.test", "bounce me"));

        await WithRunnerAsync(f.Options(), async () =>
        {
            await f.WaitUntilAsync(() => f.Inbox().Count == 1 && f.Queue.List().Count == 0, Patience, "the DSN in the sender's inbox");
            return 0;
        });

        Assert.Equal(1, f.Sink.Count); // ok@ got it; reject@ did not
        var dsn = MimeMessage.Load(f.Inbox()[0]);
        Assert.Equal("<>", dsn.Headers["Return-Path"]);
        var report = Assert.IsType<MultipartReport>(dsn.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var status = Assert.Single(report.OfType<MessageDeliveryStatus>());
        Assert.Equal("dns; mail.example.test", status.StatusGroups[0]["Reporting-MTA"]);
        // (MimeKit reads the blank line that ends the last group as one more, empty group.)
        var recipient = Assert.Single(status.StatusGroups.Skip(1), g => g.Count > 0);
        Assert.Equal("rfc822; reject@remote.test", recipient["Final-Recipient"]);
        Assert.Equal("failed", recipient["Action"]);
        Assert.Equal("5.1.1", recipient["Status"]);
        Assert.Equal("dns; mx.remote.test", recipient["Remote-MTA"]);
        Assert.StartsWith("smtp; 550", recipient["Diagnostic-Code"]!);
        var returned = Assert.IsType<TextRfc822Headers>(report[2]); // RFC 3462 §2: the third part, the original's header
        Assert.Equal("bounce me", returned.Message?.Subject);
    }

    [Fact]
    public async Task A_null_mx_bounces_at_the_first_attempt()
    {
        await f.EnqueueAsync("demo@example.test", ["x@nullmx.remote.test"], QueueFixture.Message("demo@example.test", "x@nullmx.remote.test", "null mx"));

        await WithRunnerAsync(f.Options(), async () =>
        {
            await f.WaitUntilAsync(() => f.Inbox().Count == 1 && f.Queue.List().Count == 0, Patience, "the DSN");
            return 0;
        });

        var report = Assert.IsType<MultipartReport>(MimeMessage.Load(f.Inbox()[0]).Body);
        var group = report.OfType<MessageDeliveryStatus>().Single().StatusGroups[1];
        Assert.Equal("5.1.10", group["Status"]);
        Assert.DoesNotContain(f.Log, l => l.StartsWith("info deferred", StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_mx_and_no_address_is_retried_then_bounced_when_the_lifetime_ends()
    {
        await f.EnqueueAsync("demo@example.test", ["x@nomx.remote.test"], QueueFixture.Message("demo@example.test", "x@nomx.remote.test", "no mx"));

        await WithRunnerAsync(f.Options(lifetime: TimeSpan.FromSeconds(3), firstRetry: TimeSpan.FromSeconds(1)), async () =>
        {
            await f.WaitUntilAsync(() => f.Inbox().Count == 1 && f.Queue.List().Count == 0, Patience, "the DSN after the lifetime");
            return 0;
        });

        Assert.Contains(f.Log, l => l.StartsWith("info deferred", StringComparison.Ordinal) && l.Contains("4.4.4", StringComparison.Ordinal));
        var group = Assert.IsType<MultipartReport>(MimeMessage.Load(f.Inbox()[0]).Body).OfType<MessageDeliveryStatus>().Single().StatusGroups[1];
        Assert.Equal("5.4.7", group["Status"]);
        Assert.Contains("expired", group["Diagnostic-Code"]);
    }

    [Fact]
    public async Task A_bounce_that_cannot_be_delivered_is_dropped_never_bounced()
    {
        await f.EnqueueAsync("", ["reject@remote.test"], QueueFixture.Message("MAILER-DAEMON@example.test", "reject@remote.test", "a bounce"));

        await WithRunnerAsync(f.Options(), async () =>
        {
            await f.WaitUntilAsync(() => f.Queue.List().Count == 0, Patience, "the bounce to be dropped");
            return 0;
        });

        Assert.Empty(f.Inbox());
        Assert.Equal(0, f.Sink.Count);
        Assert.Contains(f.Log, l => l.Contains("a bounce never bounces", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_domain_without_mx_gets_mail_at_its_address_and_local_recipients_get_it_in_their_mailbox()
    {
        await f.EnqueueAsync("demo@example.test", ["x@implicit.remote.test", "demo@example.test"],
            QueueFixture.Message("demo@example.test", "x@implicit.remote.test", "implicit mx"));

        await WithRunnerAsync(f.Options(), async () =>
        {
            await f.WaitUntilAsync(() => f.Queue.List().Count == 0, Patience, "both deliveries");
            return 0;
        });

        var (envelope, _) = Assert.Single(f.Sink.Received());
        Assert.Contains("rcpt x@implicit.remote.test", envelope);
        var local = Assert.Single(f.Inbox());
        Assert.StartsWith("Return-Path: <demo@example.test>\r\nDelivered-To: demo@example.test\r\n", File.ReadAllText(local));
    }

    [Fact]
    public async Task Messages_to_one_destination_share_a_connection()
    {
        for (int i = 0; i < 5; i++)
            await f.EnqueueAsync("demo@example.test", ["friend@remote.test"], QueueFixture.Message("demo@example.test", "friend@remote.test", $"batch {i}"));

        var received = await WithRunnerAsync(f.Options() with { Concurrency = 1 }, async () =>
        {
            await f.WaitUntilAsync(() => f.Queue.List().Count == 0, Patience, "five deliveries");
            return f.Sink.Received();
        });

        Assert.Equal(5, received.Count);
        var connections = received.Select(r => r.Envelope.Single(l => l.StartsWith("peer ", StringComparison.Ordinal))).Distinct().Count();
        Assert.True(connections < 5, $"{connections} connections for 5 messages: none was reused");
        Assert.Contains(f.Log, l => l.Contains("reused=True", StringComparison.Ordinal));
        Assert.All(received, r => Assert.Contains(r.Envelope, l => l.StartsWith("tls TLSv1.", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Many_messages_to_one_domain_use_no_more_connections_than_its_concurrency_limit()
    {
        const int Count = 30;
        for (int i = 0; i < Count; i++)
            await f.EnqueueAsync("demo@example.test", ["friend@remote.test"], QueueFixture.Message("demo@example.test", "friend@remote.test", $"burst {i}"));

        var received = await WithRunnerAsync(f.Options() with { Concurrency = 50, DestinationConcurrency = 2 }, async () =>
        {
            await f.WaitUntilAsync(() => f.Queue.List().Count == 0, Patience, $"{Count} deliveries");
            return f.Sink.Received();
        });

        Assert.Equal(Count, received.Count);
        // Two at a time, each connection carrying the next message when it is done with one: the sink
        // sees two client ports (a third only if a connection sat idle past the reuse limit).
        var connections = received.Select(r => r.Envelope.Single(l => l.StartsWith("peer ", StringComparison.Ordinal))).Distinct().Count();
        Assert.InRange(connections, 1, 3);
        Assert.True(f.Log.Count(l => l.Contains("reused=True", StringComparison.Ordinal)) >= Count - 3, string.Join('\n', f.Log));
    }

    [Fact]
    public async Task A_kept_connection_the_remote_has_closed_is_replaced_without_deferring_the_message()
    {
        // A remote that hangs up on a connection idle for 1 s, while we keep idle connections for 3 s:
        // the second message finds its kept connection closed.
        using var sink = new SmtpSink(idleTimeout: 1);
        await WithRunnerAsync(f.Options(firstRetry: TimeSpan.FromMinutes(10)) with { MxPort = sink.Port }, async () =>
        {
            await f.EnqueueAsync("demo@example.test", ["friend@remote.test"], QueueFixture.Message("demo@example.test", "friend@remote.test", "first"));
            await f.WaitUntilAsync(() => sink.Count == 1 && f.Queue.List().Count == 0, Patience, "the first delivery");
            await Task.Delay(TimeSpan.FromSeconds(2)); // past the sink's idle limit, within ours
            await f.EnqueueAsync("demo@example.test", ["friend@remote.test"], QueueFixture.Message("demo@example.test", "friend@remote.test", "second"));
            // A deferral would wait ten minutes: only a second connection at once gets it there in time.
            await f.WaitUntilAsync(() => sink.Count == 2 && f.Queue.List().Count == 0, Patience, "the second delivery");
            return 0;
        });

        Assert.DoesNotContain(f.Log, l => l.StartsWith("info deferred", StringComparison.Ordinal));
        var peers = sink.Received().Select(r => r.Envelope.Single(l => l.StartsWith("peer ", StringComparison.Ordinal))).Distinct();
        Assert.Equal(2, peers.Count()); // two connections: the closed one was not used for the second message
    }

    [Fact]
    public async Task The_entry_waits_for_its_retry_time_until_a_flush()
    {
        var id = await f.EnqueueAsync("demo@example.test", ["later@remote.test"], QueueFixture.Message("demo@example.test", "later@remote.test", "flush"));

        await WithRunnerAsync(f.Options(firstRetry: TimeSpan.FromHours(1)), async () =>
        {
            await f.WaitUntilAsync(() => f.Queue.Read(id)?.Attempts == 1, Patience, "the first (deferred) attempt");
            Assert.True(f.Queue.Read(id)!.NextAttempt > DateTimeOffset.UtcNow + TimeSpan.FromMinutes(30));
            f.Queue.RequestFlush();
            await f.WaitUntilAsync(() => f.Queue.Read(id) is null, Patience, "delivery after the flush");
            return 0;
        });
        Assert.Equal(1, f.Sink.Count);
    }
}
