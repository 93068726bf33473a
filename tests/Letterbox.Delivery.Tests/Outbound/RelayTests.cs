using System.Security.Cryptography.X509Certificates;
using Letterbox.Delivery.Outbound;
using Letterbox.Delivery.Queue;
using Letterbox.Delivery.Tests.Support;
using Letterbox.Store;

namespace Letterbox.Delivery.Tests.Outbound;

/// <summary>
/// Relay host mode: every message goes to one smarthost (aiosmtpd requiring STARTTLS and AUTH),
/// whatever the recipient domain, and only over TLS with a certificate that checks out.
/// </summary>
public sealed class RelayTests : IDisposable
{
    private readonly TempDir data = new();
    private readonly SmtpSink relay = new("relay-user", "relay-secret");

    public void Dispose()
    {
        relay.Dispose();
        data.Dispose();
    }

    private async Task<(QueueRunner Runner, OutboundQueue Queue, List<string> Log)> SetUpAsync(string password, bool trustRelay)
    {
        var accounts = AccountStore.Open(data.Path);
        var queue = new OutboundQueue(data.Path);
        var options = new DeliveryOptions
        {
            Hostname = "mail.example.test",
            Resolvers = [new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9)], // never asked: no MX lookups with a relay
            Relay = new RelayHost("127.0.0.1", relay.Port, "relay-user", password),
            FirstRetry = TimeSpan.FromHours(1),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            CommandTimeout = TimeSpan.FromSeconds(20),
            IsLocalDomain = accounts.IsLocalDomain,
        };
        using var trusted = X509Certificate2.CreateFromPem(File.ReadAllText(relay.CertificatePath));
        string thumbprint = trusted.Thumbprint;
        var transfer = new SmtpTransfer(options)
        {
            // The test's own CA-less certificate stands in for a public one: trusted by pinning here.
            RelayCertificateCheck = (_, cert, _, _) => trustRelay && cert is not null && new X509Certificate2(cert).Thumbprint == thumbprint,
        };
        var log = new List<string>();
        var runner = new QueueRunner(queue, options, new LocalDelivery(new MailStore(accounts)),
            (level, message, fields) => { lock (log) log.Add($"{level} {message} " + string.Join(' ', fields.Select(f => $"{f.Key}={f.Value}"))); }, transfer);
        File.WriteAllText(data.File("body"), QueueFixture.Message("demo@example.test", "anyone@elsewhere.test", "via relay"));
        await queue.EnqueueAsync("demo@example.test", ["anyone@elsewhere.test", "someone@another.test"], default, data.File("body"), null, CancellationToken.None);
        return (runner, queue, log);
    }

    [Fact]
    public async Task All_mail_goes_through_the_relay_over_tls_with_auth()
    {
        var (runner, queue, _) = await SetUpAsync("relay-secret", trustRelay: true);
        var id = queue.Ids().Single();

        Assert.True(await runner.ProcessAsync(id, force: false, CancellationToken.None));

        var (envelope, _) = Assert.Single(relay.Received());
        Assert.Contains("rcpt anyone@elsewhere.test", envelope);
        Assert.Contains("rcpt someone@another.test", envelope);
        Assert.Contains("auth relay-user", envelope);
        Assert.Contains(envelope, l => l.StartsWith("tls TLSv1.", StringComparison.Ordinal));
        Assert.Null(queue.Read(id));
    }

    [Fact]
    public async Task A_wrong_password_or_an_untrusted_certificate_defers_and_sends_nothing()
    {
        var (runner, queue, _) = await SetUpAsync("wrong", trustRelay: true);
        var id = queue.Ids().Single();
        await runner.ProcessAsync(id, force: false, CancellationToken.None);
        Assert.All(queue.Read(id)!.Recipients, r => Assert.Equal(RecipientState.Pending, r.State));

        var (untrusting, _, _) = await SetUpAsync("relay-secret", trustRelay: false);
        await untrusting.ProcessAsync(queue.Ids().First(i => i != id), force: true, CancellationToken.None);

        Assert.Equal(0, relay.Count);
        Assert.Equal(2, queue.List().Count);
        Assert.All(queue.List(), e => Assert.All(e.Recipients, r =>
        {
            Assert.Equal(RecipientState.Pending, r.State);
            Assert.StartsWith("4.", r.Status);
        }));
    }
}
