using System.Text;
using Letterbox.Tests.Harness;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;

namespace Letterbox.Tests.Imap;

/// <summary>
/// IMAP as clients use it: MailKit's ImapClient over STARTTLS (143) and implicit TLS (993),
/// Python's imaplib, curl, and raw transcripts for what no polite client sends.
/// </summary>
public sealed class ImapTests : IDisposable
{
    private readonly DevAppliance _lb = new();

    public void Dispose() => _lb.Dispose();

    private int ImapPort => _lb.Offset + 143;
    private int ImapsPort => _lb.Offset + 993;
    private const string User = "demo@example.test";

    private void Deliver(string subject, string body)
    {
        var r = Tool.Run("swaks", ["--server", "127.0.0.1", "--port", _lb.SmtpPort.ToString(), "--from", "x@example.org",
            "--to", User, "--header", $"Subject: {subject}", "--body", body, "--hide-all"]);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
    }

    private async Task<ImapClient> ConnectAsync(bool implicitTls)
    {
        var client = new ImapClient();
        client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await client.ConnectAsync("127.0.0.1", implicitTls ? ImapsPort : ImapPort, implicitTls ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls);
        await client.AuthenticateAsync(User, _lb.DemoPassword);
        return client;
    }

    [Fact]
    public async Task MailKit_over_starttls_fetches_flags_moves_appends_searches_and_expunges()
    {
        Deliver("mailkit imap", "hello imap\r\nsecond line");
        using var client = await ConnectAsync(implicitTls: false);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Move));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.UidPlus));
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(1, inbox.Count);

        var summaries = await inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.Flags | MessageSummaryItems.UniqueId | MessageSummaryItems.Size | MessageSummaryItems.BodyStructure);
        var s = Assert.Single(summaries);
        Assert.Equal("mailkit imap", s.Envelope!.Subject);
        Assert.Equal("x@example.org", s.Envelope.From.Mailboxes.Single().Address);
        Assert.Equal(User, s.Envelope.To.Mailboxes.Single().Address);
        Assert.False(s.Flags!.Value.HasFlag(MessageFlags.Seen));
        var file = Assert.Single(_lb.Delivered().Concat(Directory.GetFiles(Path.Combine(_lb.Maildir(), "cur"))));
        Assert.Equal(new FileInfo(file).Length, (long)s.Size!.Value);
        Assert.Equal("text", s.Body!.ContentType.MediaType, ignoreCase: true);

        // BODY.PEEK[] returns exactly the stored bytes.
        using (var raw = await inbox.GetStreamAsync(s.UniqueId))
        {
            var bytes = new MemoryStream();
            await raw.CopyToAsync(bytes);
            Assert.Equal(await File.ReadAllBytesAsync(file), bytes.ToArray());
        }
        var message = await inbox.GetMessageAsync(s.UniqueId);
        Assert.Contains("hello imap", message.TextBody);

        await inbox.AddFlagsAsync(s.UniqueId, MessageFlags.Flagged | MessageFlags.Seen, silent: false);
        var flagged = await inbox.SearchAsync(SearchQuery.Flagged);
        Assert.Equal([s.UniqueId], flagged);
        Assert.Equal([s.UniqueId], await inbox.SearchAsync(SearchQuery.SubjectContains("MAILKIT")));
        Assert.Empty(await inbox.SearchAsync(SearchQuery.SubjectContains("nothing like it")));
        Assert.Empty(await inbox.SearchAsync(SearchQuery.NotSeen));

        var archive = (await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync("Projects", true))!;
        var moved = await inbox.MoveToAsync(s.UniqueId, archive);
        Assert.NotNull(moved);
        Assert.Equal(0, inbox.Count);
        await archive.OpenAsync(FolderAccess.ReadOnly);
        var inArchive = await archive.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.Envelope);
        Assert.Equal(moved!.Value, Assert.Single(inArchive).UniqueId);
        Assert.True(inArchive[0].Flags!.Value.HasFlag(MessageFlags.Flagged));
        Assert.Equal("mailkit imap", inArchive[0].Envelope!.Subject);

        var sent = await client.GetFolder(client.PersonalNamespaces[0]).GetSubfolderAsync("Sent");
        var draft = new MimeMessage();
        draft.From.Add(new MailboxAddress("Demo", User));
        draft.To.Add(new MailboxAddress("Someone", "someone@example.org"));
        draft.Subject = "appended";
        draft.Body = new TextPart("plain") { Text = "appended body" };
        var appended = await sent.AppendAsync(draft, MessageFlags.Seen);
        Assert.NotNull(appended);
        await sent.OpenAsync(FolderAccess.ReadWrite);
        var back = await sent.GetMessageAsync(appended!.Value);
        Assert.Equal("appended", back.Subject);
        Assert.Contains("appended body", back.TextBody);
        await sent.AddFlagsAsync(appended.Value, MessageFlags.Deleted, silent: true);
        await sent.ExpungeAsync();
        Assert.Equal(0, sent.Count);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task A_second_session_sees_flag_changes_and_expunges()
    {
        Deliver("shared", "one");
        Deliver("shared two", "two");
        using var a = await ConnectAsync(implicitTls: true);
        using var b = await ConnectAsync(implicitTls: true);
        await a.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await b.Inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(2, b.Inbox.Count);
        var flagsSeen = new List<int>();
        b.Inbox.MessageFlagsChanged += (_, e) => flagsSeen.Add(e.Index);
        var expunged = new List<int>();
        b.Inbox.MessageExpunged += (_, e) => expunged.Add(e.Index);

        await a.Inbox.AddFlagsAsync(0, MessageFlags.Flagged, silent: true);
        await b.NoOpAsync();
        Assert.Equal([0], flagsSeen);

        await a.Inbox.AddFlagsAsync(1, MessageFlags.Deleted, silent: true);
        await a.Inbox.ExpungeAsync();
        Assert.Equal(1, a.Inbox.Count);
        await b.NoOpAsync();
        Assert.Equal([1], expunged);
        Assert.Equal(1, b.Inbox.Count);
    }

    [Fact]
    public async Task Idle_reports_a_new_delivery()
    {
        using var client = await ConnectAsync(implicitTls: true);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(0, client.Inbox.Count);
        using var done = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        client.Inbox.CountChanged += (_, _) => done.Cancel();
        var idle = client.IdleAsync(done.Token);
        Deliver("while idling", "ping");
        await idle;
        Assert.Equal(1, client.Inbox.Count);
    }

    [Fact]
    public void Imaplib_logs_in_over_imaps_searches_and_fetches()
    {
        Deliver("from python", "python body");
        var script = """
            import imaplib, ssl, sys
            ctx = ssl._create_unverified_context()
            m = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ctx)
            m.login("demo@example.test", sys.argv[2])
            typ, data = m.select("INBOX")
            print("select", typ, data[0].decode())
            typ, data = m.search(None, "SUBJECT", "python")
            print("search", typ, data[0].decode())
            typ, data = m.fetch(data[0].split()[0], "(RFC822)")
            print("fetch", typ)
            print(data[0][1].decode())
            m.logout()
            """;
        var r = Tool.Run("/usr/bin/python3", ["-c", script, ImapsPort.ToString(), _lb.DemoPassword]);
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        Assert.Contains("select OK 1", r.Stdout);
        Assert.Contains("search OK 1", r.Stdout);
        Assert.Contains("Subject: from python", r.Stdout);
        Assert.Contains("python body", r.Stdout);
    }

    [Fact]
    public void Curl_lists_the_inbox_over_imaps()
    {
        Deliver("curl one", "a");
        var r = Tool.Run("curl", ["--silent", "--show-error", "--max-time", "30", "--insecure",
            $"imaps://127.0.0.1:{ImapsPort}/INBOX?ALL", "-u", $"{User}:{_lb.DemoPassword}"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("SEARCH 1", r.Stdout);
        var list = Tool.Run("curl", ["--silent", "--show-error", "--max-time", "30", "--insecure",
            $"imaps://127.0.0.1:{ImapsPort}/", "-u", $"{User}:{_lb.DemoPassword}"]);
        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Contains("INBOX", list.Stdout);
    }

    [Fact]
    public void Login_before_starttls_is_refused_and_logindisabled_advertised()
    {
        using var t = new ImapTranscript(ImapPort);
        var greeting = t.ReadLine()!;
        Assert.StartsWith("* OK [CAPABILITY ", greeting);
        Assert.Contains("LOGINDISABLED", greeting);
        Assert.Contains("STARTTLS", greeting);
        Assert.DoesNotContain("AUTH=PLAIN", greeting);
        Assert.Matches(@"\na (NO|BAD) ", "\n" + t.Command("a", $"LOGIN {User} \"{_lb.DemoPassword}\"").Split('\n')[^1]);
        Assert.Matches(@"^b (NO|BAD) ", t.Command("b", "AUTHENTICATE PLAIN AGRlbW9AZXhhbXBsZS50ZXN0AHg="));
        Assert.StartsWith("c OK", t.Command("c", "STARTTLS"));
        t.StartTls();
        var caps = t.Command("d", "CAPABILITY");
        Assert.Contains("AUTH=PLAIN", caps);
        Assert.DoesNotContain("LOGINDISABLED", caps);
        Assert.StartsWith("e NO [AUTHENTICATIONFAILED]", t.Command("e", $"LOGIN {User} wrong-password"));
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{User}\0{_lb.DemoPassword}"));
        Assert.StartsWith("f OK", t.Command("f", "AUTHENTICATE PLAIN " + plain).Split('\n')[^1]);
        Assert.Contains("* BYE", t.Command("g", "LOGOUT"));
    }

    [Fact]
    public void Hostile_input_gets_bad_or_no_and_the_session_goes_on()
    {
        using var t = new ImapTranscript(ImapsPort);
        t.StartTls();
        t.ReadLine();
        Assert.Matches("^a (NO|BAD)", t.Command("a", "SELECT INBOX")); // wrong state
        Assert.StartsWith("b OK", t.Command("b", $"LOGIN {User} \"{_lb.DemoPassword}\"").Split('\n')[^1]);
        Assert.Matches("^c (NO|BAD)", t.Command("c", "FETCH 1 FLAGS")); // not selected
        Assert.Matches("^d (NO|BAD)", t.Command("d", "APPEND INBOX {4294967296}")); // refused without reading
        Assert.Matches("^e (NO|BAD)", t.Command("e", "SEARCH " + new string('(', 3000) + "ALL" + new string(')', 3000)));
        Assert.StartsWith("f OK", t.Command("f", "SELECT INBOX").Split('\n')[^1]);
        var set = string.Join(',', Enumerable.Range(1, 100_000).Select(i => (i * 2).ToString()));
        Assert.Matches("^g (NO|BAD)", t.Command("g", "UID FETCH " + set + " FLAGS").Split('\n')[^1]);
        Assert.Matches("^h (NO|BAD)", t.Command("h", "STARTTLS"));
        Assert.Matches("^i (NO|BAD)", t.Command("i", "FETCH 5 FLAGS")); // no message 5
        Assert.StartsWith("j OK", t.Command("j", "NOOP"));
    }

    [Fact]
    public void A_client_vanishing_mid_append_leaves_nothing()
    {
        using (var t = new ImapTranscript(ImapsPort))
        {
            t.StartTls();
            t.ReadLine();
            t.Command("a", $"LOGIN {User} \"{_lb.DemoPassword}\"");
            t.Send("b APPEND INBOX {1000}\r\n");
            Assert.StartsWith("+", t.ReadLine());
            t.Send("Subject: half\r\n\r\nonly part of it");
        }
        Thread.Sleep(500);
        using var t2 = new ImapTranscript(ImapsPort);
        t2.StartTls();
        t2.ReadLine();
        t2.Command("a", $"LOGIN {User} \"{_lb.DemoPassword}\"");
        Assert.Contains("* 0 EXISTS", t2.Command("b", "SELECT INBOX"));
        var files = Directory.GetFiles(_lb.Maildir(), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_lb.Maildir(), f))
            .Where(f => f.Contains("cur/") || f.Contains("new/") || f.Contains("tmp/"));
        Assert.Empty(files);
        // And a complete APPEND on the same kind of session works.
        const string whole = "Subject: whole\r\n\r\nbody";
        t2.Send($"c APPEND INBOX {{{whole.Length}}}\r\n");
        Assert.StartsWith("+", t2.ReadLine());
        t2.Send(whole + "\r\n");
        Assert.StartsWith("c OK [APPENDUID ", t2.UntilTagged("c").Split('\n')[^1]);
    }

    [Fact]
    public async Task Multipart_bodystructure_and_sections_read_back_as_appended()
    {
        using var client = await ConnectAsync(implicitTls: true);
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Zoë Sender", "zoe@example.org"));
        message.To.Add(new MailboxAddress("", User));
        message.Subject = "multi part";
        var body = new BodyBuilder { TextBody = "the text part\r\n", HtmlBody = "<p>the html part</p>\r\n" };
        body.Attachments.Add("data.bin", new byte[] { 1, 2, 3, 4, 5, 250 }, new ContentType("application", "octet-stream"));
        message.Body = body.ToMessageBody();
        var uid = (await client.Inbox.AppendAsync(message))!.Value;
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var summary = Assert.Single(await client.Inbox.FetchAsync([uid], MessageSummaryItems.BodyStructure | MessageSummaryItems.Envelope));
        Assert.Equal("Zoë Sender", summary.Envelope!.From.Mailboxes.Single().Name);
        var multipart = Assert.IsType<BodyPartMultipart>(summary.Body);
        Assert.Equal("mixed", multipart.ContentType.MediaSubtype);
        Assert.Equal(2, multipart.BodyParts.Count);
        var alternative = Assert.IsType<BodyPartMultipart>(multipart.BodyParts[0]);
        Assert.Equal("alternative", alternative.ContentType.MediaSubtype);
        var attachment = Assert.Single(summary.Attachments);
        Assert.Equal("data.bin", attachment.FileName);
        Assert.Equal("2", attachment.PartSpecifier);

        var html = (TextPart)await client.Inbox.GetBodyPartAsync(uid, summary.HtmlBody!);
        Assert.Contains("the html part", html.Text);
        var bin = (MimePart)await client.Inbox.GetBodyPartAsync(uid, attachment);
        using var decoded = new MemoryStream();
        await bin.Content!.DecodeToAsync(decoded);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 250 }, decoded.ToArray());

        var headers = await client.Inbox.GetHeadersAsync(uid);
        Assert.Equal("multi part", headers[HeaderId.Subject]);
        var partial = await client.Inbox.GetStreamAsync(uid, 0, 10);
        using var reader = new StreamReader(partial);
        Assert.Equal(10, (await reader.ReadToEndAsync()).Length);
    }

    [Fact]
    public void Raw_list_status_esearch_and_header_fields()
    {
        Deliver("raw one", "body one");
        Deliver("raw two", "body two");
        using var t = new ImapTranscript(ImapsPort);
        t.StartTls();
        t.ReadLine();
        t.Command("a", $"LOGIN {User} \"{_lb.DemoPassword}\"");
        Assert.StartsWith("b OK", t.Command("b", "CREATE Work/2024").Split('\n')[^1]);
        var list = t.Command("c", "LIST \"\" *");
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" INBOX", list);
        Assert.Contains("* LIST (\\HasNoChildren \\Sent) \"/\" Sent", list);
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" Work/2024", list);
        Assert.True(list.Contains("* LIST (\\Noselect \\HasChildren) \"/\" Work\n", StringComparison.Ordinal), list);
        Assert.DoesNotContain("Work/2024", t.Command("d", "LIST \"\" %"));
        Assert.Contains("* STATUS INBOX (MESSAGES 2 UNSEEN 2)", t.Command("e", "STATUS INBOX (MESSAGES UNSEEN)"));
        Assert.Contains("* ENABLED IMAP4rev2", t.Command("f", "ENABLE IMAP4rev2"));
        var select = t.Command("g", "SELECT INBOX");
        Assert.Contains("* 2 EXISTS", select);
        Assert.Contains("[UIDVALIDITY ", select);
        Assert.Contains("g OK [READ-WRITE]", select);
        Assert.Contains("* ESEARCH (TAG \"h\") UID MIN 2 COUNT 1", t.Command("h", "UID SEARCH RETURN (MIN COUNT) SUBJECT \"raw two\""));
        var fetch = t.Command("i", "FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)] FLAGS)");
        Assert.Contains("BODY[HEADER.FIELDS (SUBJECT)] {20}", fetch);
        Assert.Contains("Subject: raw one", fetch);
        Assert.Contains("FLAGS ()", fetch);
        var seen = t.Command("j", "FETCH 2 BODY[TEXT]");
        Assert.Contains("body two", seen);
        Assert.Contains("FLAGS (\\Seen)", seen);
        Assert.Contains("* ESEARCH (TAG \"k\") ALL 2", t.Command("k", "SEARCH SEEN"));
        var store = t.Command("l", "STORE 1:2 +FLAGS (\\Deleted)");
        Assert.Contains("* 1 FETCH (FLAGS (\\Deleted))", store);
        var expunge = t.Command("m", "EXPUNGE");
        Assert.Contains("* 2 EXPUNGE", expunge);
        Assert.Contains("* 1 EXPUNGE", expunge);
        Assert.StartsWith("n OK", t.Command("n", "UNSELECT"));
        Assert.Matches("^o (NO|BAD)", t.Command("o", "FETCH 1 FLAGS"));
    }

    [Fact]
    public async Task A_large_message_streams_back_byte_for_byte()
    {
        using var client = await ConnectAsync(implicitTls: false);
        var text = new StringBuilder();
        for (int i = 0; i < 40_000; i++)
            text.Append("line ").Append(i).Append(" of a large message\r\n");
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("", User));
        message.To.Add(new MailboxAddress("", User));
        message.Subject = "large";
        message.Body = new TextPart("plain") { Text = text.ToString() };
        var expected = new MemoryStream();
        var crlf = FormatOptions.Default.Clone();
        crlf.NewLineFormat = NewLineFormat.Dos; // what goes over the wire in APPEND
        await message.WriteToAsync(crlf, expected);
        Assert.True(expected.Length > 1_000_000);
        var uid = (await client.Inbox.AppendAsync(message))!.Value;
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var summary = Assert.Single(await client.Inbox.FetchAsync([uid], MessageSummaryItems.Size));
        Assert.Equal(expected.Length, (long)summary.Size!.Value);
        using var stream = await client.Inbox.GetStreamAsync(uid);
        var actual = new MemoryStream();
        await stream.CopyToAsync(actual);
        Assert.Equal(expected.ToArray(), actual.ToArray());
    }

    [Fact]
    public void Plaintext_pipelined_after_starttls_is_discarded()
    {
        using var t = new ImapTranscript(ImapPort);
        t.ReadLine();
        t.Send("a STARTTLS\r\nb LOGIN x y\r\n");
        Assert.StartsWith("a OK", t.UntilTagged("a"));
        t.StartTls();
        // The injected "b" was dropped: the next answer is for "c", not "b".
        var reply = t.Command("c", "NOOP");
        Assert.DoesNotContain("b ", reply);
        Assert.StartsWith("c OK", reply);
    }

    [Fact]
    public void Authenticate_plain_takes_its_response_on_a_continuation_line()
    {
        using var t = new ImapTranscript(ImapsPort);
        t.StartTls();
        Assert.Contains("AUTH=PLAIN", t.ReadLine());
        t.Send("a AUTHENTICATE PLAIN\r\n");
        Assert.Equal("+ ", t.ReadLine());
        t.Send("*\r\n");
        Assert.StartsWith("a BAD", t.UntilTagged("a"));
        t.Send("b AUTHENTICATE PLAIN\r\n");
        Assert.Equal("+ ", t.ReadLine());
        t.Send(Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{User}\0{_lb.DemoPassword}")) + "\r\n");
        Assert.StartsWith("b OK", t.UntilTagged("b").Split('\n')[^1]);
        Assert.Contains("* LIST", t.Command("c", "LIST \"\" INBOX"));
    }

    [Fact]
    public void A_client_that_only_errs_is_disconnected()
    {
        using var t = new ImapTranscript(ImapPort);
        t.ReadLine();
        bool bye = false;
        int commands = 0;
        for (; commands < 40 && !bye; commands++)
        {
            t.Send($"x{commands} BOGUS\r\n");
            while (t.ReadLine() is { } line)
            {
                Assert.False(line.StartsWith("* OK", StringComparison.Ordinal), line);
                bye = line.StartsWith("* BYE", StringComparison.Ordinal);
                if (bye || line.StartsWith($"x{commands} BAD", StringComparison.Ordinal))
                    break;
            }
        }
        Assert.True(bye);
        Assert.InRange(commands, 10, 30);
        Assert.Null(t.ReadLine());
    }
}
