using Letterbox.Tests.Harness;
using MailKit;
using MailKit.Net.Pop3;
using MailKit.Security;

namespace Letterbox.Tests.Pop3;

/// <summary>
/// POP3 as clients use it: Python's poplib and MailKit's Pop3Client read what SMTP delivered,
/// over STLS on 110 and implicit TLS on 995; passwords never in the clear. (The line transcript
/// named for SMTP serves POP3's raw sessions as well.)
/// </summary>
public sealed class Pop3Tests : IDisposable
{
    private readonly DevAppliance _lb = new();

    public void Dispose() => _lb.Dispose();

    private int Pop3Port => _lb.Offset + 110;
    private int Pop3sPort => _lb.Offset + 995;

    private void Deliver(string subject, string body)
    {
        var r = Tool.Run("swaks", ["--server", "127.0.0.1", "--port", _lb.SmtpPort.ToString(), "--from", "x@example.org",
            "--to", "demo@example.test", "--header", $"Subject: {subject}", "--body", body, "--hide-all"]);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
    }

    [Fact]
    public void Poplib_over_pop3s_lists_retrieves_and_deletes_with_stable_uidls()
    {
        Deliver("first", "one\r\n.dotted line\r\n");
        Deliver("second", "two");
        var script = """
            import poplib, ssl, sys
            ctx = ssl._create_unverified_context()
            p = poplib.POP3_SSL("127.0.0.1", int(sys.argv[1]), context=ctx)
            p.user("demo@example.test"); p.pass_(sys.argv[2])
            count, size = p.stat()
            uidls = [l.split()[1].decode() for l in p.uidl()[1]]
            lines = p.retr(1)[1]
            print("count", count)
            print("uidls", " ".join(uidls))
            print("first", b"\n".join(lines).decode())
            p.dele(1)
            p.quit()
            p = poplib.POP3_SSL("127.0.0.1", int(sys.argv[1]), context=ctx)
            p.user("demo@example.test"); p.pass_(sys.argv[2])
            print("after", p.stat()[0], " ".join(l.split()[1].decode() for l in p.uidl()[1]))
            p.quit()
            """;
        var r = Tool.Run("/usr/bin/python3", ["-c", script, Pop3sPort.ToString(), _lb.DemoPassword]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var lines = r.Stdout.Split('\n');
        Assert.Equal("count 2", lines[0]);
        var uidls = lines[1]["uidls ".Length..].Split(' ');
        Assert.Equal(2, uidls.Length);
        Assert.Contains("Subject: first", r.Stdout);
        Assert.Contains("\n.dotted line\n", r.Stdout); // dot-stuffing undone by the client
        Assert.Contains($"after 1 {uidls[1]}", r.Stdout);
        Assert.Single(_lb.Delivered().Concat(Directory.GetFiles(Path.Combine(_lb.Maildir(), "cur"))));
    }

    [Fact]
    public async Task MailKit_over_stls_reads_the_message_bytes_smtp_stored()
    {
        Deliver("mailkit pop", "hello pop3");
        using var client = new Pop3Client();
        client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await client.ConnectAsync("127.0.0.1", Pop3Port, SecureSocketOptions.StartTls);
        Assert.True(client.Capabilities.HasFlag(Pop3Capabilities.UIDL));
        await client.AuthenticateAsync("demo@example.test", _lb.DemoPassword);
        Assert.Equal(1, client.Count);
        var message = await client.GetMessageAsync(0);
        Assert.Equal("mailkit pop", message.Subject);
        Assert.Contains("hello pop3", message.TextBody);
        await client.DisconnectAsync(true);
        // RETR marked it read the Maildir way: moved to cur/ with the S flag.
        Assert.Single(Directory.GetFiles(Path.Combine(_lb.Maildir(), "cur"), "*:2,S"));
    }

    [Fact]
    public async Task Uidls_are_imaps_uids_and_pop3_reads_and_deletions_reach_imap_sessions()
    {
        Deliver("first shared", "one");
        Deliver("second shared", "two");
        using var imap = new MailKit.Net.Imap.ImapClient();
        imap.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await imap.ConnectAsync("127.0.0.1", _lb.Offset + 993, SecureSocketOptions.SslOnConnect);
        await imap.AuthenticateAsync("demo@example.test", _lb.DemoPassword);
        await imap.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly);
        var uids = (await imap.Inbox.FetchAsync(0, -1, MailKit.MessageSummaryItems.UniqueId)).Select(s => s.UniqueId.Id).ToList();
        Assert.Equal(2, uids.Count);
        var expunged = new List<int>();
        imap.Inbox.MessageExpunged += (_, e) => expunged.Add(e.Index);
        var flagged = new List<(int Index, MailKit.MessageFlags Flags)>();
        imap.Inbox.MessageFlagsChanged += (_, e) => flagged.Add((e.Index, e.Flags));

        using var pop = new Pop3Client();
        pop.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await pop.ConnectAsync("127.0.0.1", Pop3sPort, SecureSocketOptions.SslOnConnect);
        await pop.AuthenticateAsync("demo@example.test", _lb.DemoPassword);
        // Dovecot's default pop3_uidl_format %08Xu%08Xv: the IMAP UID and the INBOX's UIDVALIDITY.
        Assert.Equal(uids.Select(u => $"{u:X8}{imap.Inbox.UidValidity:X8}"), await pop.GetMessageUidsAsync());
        Assert.Equal("first shared", (await pop.GetMessageAsync(0)).Subject);
        await pop.DeleteMessageAsync(1);
        await pop.DisconnectAsync(true);

        await imap.NoOpAsync();
        Assert.Equal([1], expunged);
        Assert.Contains(flagged, f => f.Index == 0 && f.Flags.HasFlag(MailKit.MessageFlags.Seen));
        Assert.Equal(1, imap.Inbox.Count);

        using var again = new Pop3Client();
        again.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await again.ConnectAsync("127.0.0.1", Pop3sPort, SecureSocketOptions.SslOnConnect);
        await again.AuthenticateAsync("demo@example.test", _lb.DemoPassword);
        Assert.Equal([$"{uids[0]:X8}{imap.Inbox.UidValidity:X8}"], await again.GetMessageUidsAsync());
        await again.DisconnectAsync(true);
    }

    [Fact]
    public void No_password_before_tls_and_wrong_passwords_fail()
    {
        using var t = new SmtpTranscript(Pop3Port); // a line-based transcript works for POP3 too
        Assert.StartsWith("+OK", t.Reply());
        Assert.StartsWith("-ERR [AUTH] TLS required", t.Command("USER demo@example.test"));
        Assert.StartsWith("-ERR [AUTH] TLS required", t.Command("AUTH PLAIN AGRlbW9AZXhhbXBsZS50ZXN0AHg="));
        Assert.StartsWith("+OK", t.Command("CAPA"));
        var capa = t.ReplyUntilDot();
        Assert.Contains("STLS", capa);
        Assert.Contains("SASL PLAIN", capa);
        Assert.StartsWith("+OK", t.Command("STLS"));
        t.StartTls();
        Assert.StartsWith("+OK", t.Command("USER demo@example.test"));
        Assert.StartsWith("-ERR [AUTH]", t.Command("PASS wrong-password"));
        Assert.StartsWith("-ERR", t.Command("STAT"));
    }

    [Fact]
    public void A_second_session_finds_the_maildrop_locked()
    {
        var script = """
            import poplib, ssl, sys
            ctx = ssl._create_unverified_context()
            a = poplib.POP3_SSL("127.0.0.1", int(sys.argv[1]), context=ctx)
            a.user("demo@example.test"); a.pass_(sys.argv[2])
            b = poplib.POP3_SSL("127.0.0.1", int(sys.argv[1]), context=ctx)
            b.user("demo@example.test")
            try:
                b.pass_(sys.argv[2]); print("second login succeeded")
            except poplib.error_proto as e:
                print("refused", e)
            a.quit()
            """;
        var r = Tool.Run("/usr/bin/python3", ["-c", script, Pop3sPort.ToString(), _lb.DemoPassword]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("refused b'-ERR [IN-USE]", r.Stdout);
    }

    [Theory]
    [InlineData("RETR 1")]
    [InlineData("\u0001\u0002garbage")]
    public void Commands_before_login_are_refused(string line)
    {
        using var t = new SmtpTranscript(Pop3Port);
        t.Reply();
        Assert.StartsWith("-ERR", t.Command(line));
    }
}
