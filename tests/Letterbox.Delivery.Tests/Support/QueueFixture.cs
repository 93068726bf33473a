using System.Collections.Concurrent;
using System.Text;
using Letterbox.Delivery.Outbound;
using Letterbox.Delivery.Queue;
using Letterbox.Store;

namespace Letterbox.Delivery.Tests.Support;

/// <summary>
/// A data directory with a queue, one local domain (example.test, user demo@example.test), a remote
/// MX (aiosmtpd) found through nsd: remote.test has MX 10 mx.remote.test (::1 and 127.0.0.1; the sink
/// listens on IPv4 only, so IPv6 is tried first and refused), implicit.remote.test has only an A
/// record, nullmx.remote.test a null MX (RFC 7505), nomx.remote.test neither MX nor address.
/// </summary>
public sealed class QueueFixture : IDisposable
{
    public QueueFixture()
    {
        Sink = new SmtpSink();
        Dns = new Nsd(new Dictionary<string, string>
        {
            ["remote.test"] = """
                @ IN MX 10 mx.remote.test.
                mx IN A 127.0.0.1
                mx IN AAAA ::1
                implicit IN A 127.0.0.1
                nullmx IN MX 0 .
                nomx IN TXT "no mail here"
                """,
        });
        Accounts = AccountStore.Open(Data.Path);
        Accounts.AddDomain("example.test");
        Accounts.AddUser("demo@example.test", "demo-password-1", null);
        Queue = new OutboundQueue(Data.Path);
    }

    public TempDir Data { get; } = new();
    public SmtpSink Sink { get; }
    public Nsd Dns { get; }
    public AccountStore Accounts { get; }
    public OutboundQueue Queue { get; }
    public ConcurrentQueue<string> Log { get; } = new();

    public DeliveryOptions Options(TimeSpan? lifetime = null, TimeSpan? firstRetry = null) => new()
    {
        Hostname = "mail.example.test",
        Resolvers = [Dns.EndPoint],
        MxPort = Sink.Port,
        Lifetime = lifetime ?? TimeSpan.FromDays(5),
        FirstRetry = firstRetry ?? TimeSpan.FromMinutes(2),
        Concurrency = 4,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        CommandTimeout = TimeSpan.FromSeconds(30),
        IsLocalDomain = Accounts.IsLocalDomain,
    };

    public QueueRunner Runner(DeliveryOptions options) =>
        new(Queue, options, new LocalDelivery(new MailStore(Accounts)),
            (level, message, fields) => Log.Enqueue($"{level} {message} " + string.Join(' ', fields.Select(f => $"{f.Key}={f.Value}"))));

    public static string Message(string from, string to, string subject, string? messageId = null) =>
        $"From: <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nDate: Wed, 25 Nov 2026 23:00:00 +0000\r\n" +
        $"Message-ID: <{messageId ?? Guid.NewGuid().ToString("N")}@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nHello.\r\n";

    public async Task<string> EnqueueAsync(string from, IReadOnlyList<string> to, string message, string prefix = "")
    {
        string body = Data.File(Guid.NewGuid().ToString("N") + ".body");
        await File.WriteAllTextAsync(body, message);
        var id = await Queue.EnqueueAsync(from, to, Encoding.ASCII.GetBytes(prefix), body, "demo@example.test", CancellationToken.None);
        File.Delete(body);
        return id;
    }

    /// <summary>Messages in demo@example.test's inbox (Maildir new/).</summary>
    public IReadOnlyList<string> Inbox()
    {
        var dir = Path.Combine(Data.Path, "mail", "example.test", "demo", "new");
        return Directory.Exists(dir) ? Directory.GetFiles(dir) : [];
    }

    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var until = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > until)
                Assert.Fail($"timed out waiting for {what}; log:\n{string.Join('\n', Log)}");
            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        Sink.Dispose();
        Dns.Dispose();
        Data.Dispose();
    }
}
