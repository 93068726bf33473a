using Letterbox.Tests.Harness;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;

namespace Letterbox.Tests.Imap;

/// <summary>QUOTA (RFC 9208) as MailKit reads it: one quota root "", STORAGE in KiB from the account's quota and usage.</summary>
public sealed class ImapQuotaTests : IDisposable
{
    private const string User = "demo@example.test";
    private readonly DevAppliance _lb = new("""
        [store]
        default_quota = "1M"
        """);

    public void Dispose() => _lb.Dispose();

    [Fact]
    public async Task Getquotaroot_reports_storage_used_and_the_limit_and_setquota_is_refused()
    {
        using var client = new ImapClient();
        client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await client.ConnectAsync("127.0.0.1", _lb.Offset + 993, SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync(User, _lb.DemoPassword);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Quota));

        var before = await client.Inbox.GetQuotaAsync();
        Assert.Equal("", before.QuotaRoot!.FullName);
        Assert.Equal(1024u, before.StorageLimit);
        Assert.Equal(0u, before.CurrentStorageSize);

        var message = new MimeMessage { Subject = "big" };
        message.From.Add(new MailboxAddress("", "x@example.org"));
        message.To.Add(new MailboxAddress("", User));
        message.Body = new TextPart("plain") { Text = new string('q', 200 * 1024) };
        await client.Inbox.AppendAsync(message);
        var sent = await client.GetFolder(client.PersonalNamespaces[0]).GetSubfolderAsync("Sent");
        var after = await sent.GetQuotaAsync(); // one root for every mailbox
        Assert.Equal("", after.QuotaRoot!.FullName);
        Assert.InRange(after.CurrentStorageSize!.Value, 200u, 210u);
        await client.DisconnectAsync(true);

        using var t = new ImapTranscript(_lb.Offset + 993);
        t.StartTls();
        t.ReadLine();
        t.Command("a", $"LOGIN {User} \"{_lb.DemoPassword}\"");
        var root = t.Command("b", "GETQUOTAROOT INBOX");
        Assert.Contains("* QUOTAROOT INBOX \"\"", root);
        Assert.Matches(@"\* QUOTA """" \(STORAGE 20\d 1024\)", root);
        Assert.StartsWith("c NO [NOPERM]", t.Command("c", "SETQUOTA \"\" (STORAGE 999999)"));
        Assert.StartsWith("d NO [NONEXISTENT]", t.Command("d", "GETQUOTA \"other\""));
        Assert.StartsWith("e NO [NONEXISTENT]", t.Command("e", "GETQUOTAROOT Nowhere"));
        Assert.StartsWith("f BAD", t.Command("f", "SETQUOTA \"\" (STORAGE"));
        Assert.StartsWith("g OK", t.Command("g", "NOOP"));
    }
}
