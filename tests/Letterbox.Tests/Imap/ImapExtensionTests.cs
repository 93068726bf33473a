using Letterbox.Tests.Harness;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;

namespace Letterbox.Tests.Imap;

/// <summary>
/// QRESYNC (RFC 7162 §3.2), SEARCHRES (RFC 5182) and UTF8=ACCEPT (RFC 6855) as MailKit uses them,
/// with raw transcripts for the responses MailKit hides and for what a client must not send.
/// </summary>
public sealed class ImapExtensionTests : IDisposable
{
    private readonly DevAppliance _lb = new();
    private const string User = "demo@example.test";

    public void Dispose() => _lb.Dispose();

    private async Task<ImapClient> ConnectAsync()
    {
        var client = new ImapClient();
        client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await client.ConnectAsync("127.0.0.1", _lb.Offset + 993, SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync(User, _lb.DemoPassword);
        return client;
    }

    private ImapTranscript Raw()
    {
        var t = new ImapTranscript(_lb.Offset + 993);
        t.StartTls();
        t.ReadLine();
        Assert.StartsWith("a OK", t.Command("a", $"LOGIN {User} \"{_lb.DemoPassword}\"").Split('\n')[^1]);
        return t;
    }

    private static MimeMessage Message(int n)
    {
        var m = new MimeMessage { Subject = $"message {n}", MessageId = $"m{n}@ext.test" };
        m.From.Add(new MailboxAddress("", "x@example.org"));
        m.To.Add(new MailboxAddress("", User));
        m.Body = new TextPart("plain") { Text = $"body {n}" };
        return m;
    }

    private async Task<List<UniqueId>> AppendAsync(ImapClient client, int count)
    {
        var uids = new List<UniqueId>();
        for (int i = 1; i <= count; i++)
            uids.Add((await client.Inbox.AppendAsync(Message(i)))!.Value);
        return uids;
    }

    [Fact]
    public async Task Qresync_select_reports_what_changed_while_the_client_was_away()
    {
        using var other = await ConnectAsync();
        var uids = await AppendAsync(other, 5);
        Assert.True(other.Capabilities.HasFlag(ImapCapabilities.QuickResync));

        uint validity;
        ulong modSeq;
        using (var first = await ConnectAsync())
        {
            await first.EnableQuickResyncAsync();
            await first.Inbox.OpenAsync(FolderAccess.ReadWrite);
            validity = first.Inbox.UidValidity;
            modSeq = first.Inbox.HighestModSeq;
            await first.DisconnectAsync(true);
        }

        // While away: one message flagged, two expunged.
        await other.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await other.Inbox.AddFlagsAsync(uids[1], MessageFlags.Flagged, silent: true);
        await other.Inbox.AddFlagsAsync([uids[2], uids[3]], MessageFlags.Deleted, silent: true);
        await other.Inbox.ExpungeAsync();

        using var back = await ConnectAsync();
        await back.EnableQuickResyncAsync();
        var vanished = new List<(UniqueId Uid, bool Earlier)>();
        back.Inbox.MessagesVanished += (_, e) => vanished.AddRange(e.UniqueIds.Select(u => (u, e.Earlier)));
        var flagged = new List<UniqueId?>();
        back.Inbox.MessageFlagsChanged += (_, e) => flagged.Add(e.UniqueId);
        await back.Inbox.OpenAsync(FolderAccess.ReadWrite, validity, modSeq, uids);

        Assert.Equal([(uids[2], true), (uids[3], true)], vanished);
        Assert.Equal([uids[1]], flagged);
        Assert.Equal(3, back.Inbox.Count);

        // Live expunges arrive as VANISHED (not EXPUNGE) once QRESYNC is on.
        vanished.Clear();
        await other.Inbox.AddFlagsAsync(uids[4], MessageFlags.Deleted, silent: true);
        await other.Inbox.ExpungeAsync();
        await back.NoOpAsync();
        Assert.Equal([(uids[4], false)], vanished);
        Assert.Equal(2, back.Inbox.Count);

        // CHANGEDSINCE: only what changed after the mod-sequence.
        var changed = await back.Inbox.FetchAsync(uids, new FetchRequest(MessageSummaryItems.Flags) { ChangedSince = modSeq });
        Assert.Equal([uids[1]], changed.Select(s => s.UniqueId));
        await back.DisconnectAsync(true);
    }

    [Fact]
    public void Qresync_on_the_wire_vanished_earlier_changedsince_and_refusals()
    {
        using var t = Raw();
        for (int i = 1; i <= 4; i++)
        {
            string msg = $"Subject: raw {i}\r\n\r\nbody {i}\r\n";
            t.Send($"p{i} APPEND INBOX {{{msg.Length}+}}\r\n{msg}\r\n");
            Assert.Contains($"p{i} OK [APPENDUID ", t.UntilTagged($"p{i}"));
        }
        // Not enabled yet: both QRESYNC forms are BAD (RFC 7162 §3.2.5, §3.2.6).
        Assert.Matches("^b BAD", t.Command("b", "SELECT INBOX (QRESYNC (1 1))"));
        var select = t.Command("c", "SELECT INBOX (CONDSTORE)");
        var validity = System.Text.RegularExpressions.Regex.Match(select, @"UIDVALIDITY (\d+)").Groups[1].Value;
        var modseq = ulong.Parse(System.Text.RegularExpressions.Regex.Match(select, @"HIGHESTMODSEQ (\d+)").Groups[1].Value);
        Assert.Matches("^d BAD", t.Command("d", $"UID FETCH 1:* FLAGS (CHANGEDSINCE {modseq} VANISHED)"));

        Assert.Contains("* ENABLED QRESYNC", t.Command("e", "ENABLE QRESYNC"));
        Assert.StartsWith("f OK", t.Command("f", "UID STORE 2 +FLAGS.SILENT (\\Deleted)").Split('\n')[^1]);
        var expunge = t.Command("g", "EXPUNGE");
        Assert.Contains("* VANISHED 2", expunge);
        Assert.DoesNotContain("EXPUNGE\n", expunge + "\n");
        t.Command("h", "UID STORE 3 +FLAGS.SILENT (\\Flagged)");

        var vanished = t.Command("i", $"UID FETCH 1:* FLAGS (CHANGEDSINCE {modseq} VANISHED)");
        Assert.Contains("* VANISHED (EARLIER) 2", vanished);
        Assert.Matches(@"\* 2 FETCH \(UID 3 FLAGS \(\\Flagged( \\Recent)?\) MODSEQ \(\d+\)\)", vanished);
        Assert.DoesNotContain("UID 1 ", vanished);

        // Reselect with what the client knew: known UIDs 1:4 at the first mod-sequence; CLOSED first.
        var resync = t.Command("j", $"SELECT INBOX (QRESYNC ({validity} {modseq} 1:4))");
        Assert.Contains("* OK [CLOSED]", resync);
        Assert.Contains("* VANISHED (EARLIER) 2", resync);
        Assert.Matches(@"\* 2 FETCH \(UID 3 FLAGS \(\\Flagged( \\Recent)?\) MODSEQ \(\d+\)\)", resync);
        Assert.StartsWith("j OK", resync.Split('\n')[^1]);
        // Another UIDVALIDITY: the client's cache is useless, nothing but the plain SELECT data.
        var stale = t.Command("k", $"SELECT INBOX (QRESYNC (1 {modseq} 1:4))");
        Assert.DoesNotContain("VANISHED", stale);
        Assert.DoesNotContain(" FETCH (", stale);
        // Hostile: a huge known-UID range costs only the gaps.
        var wide = t.Command("l", $"SELECT INBOX (QRESYNC ({validity} 1 1:4294967295))");
        Assert.Contains("* VANISHED (EARLIER) 2", wide);
        Assert.StartsWith("l OK", wide.Split('\n')[^1]);
        Assert.StartsWith("m OK", t.Command("m", "NOOP"));
    }

    [Fact]
    public async Task Searchres_saves_a_result_that_fetch_store_and_move_then_use()
    {
        using var client = await ConnectAsync();
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.SearchResults));
        await AppendAsync(client, 4);
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        // MailKit sends UID SEARCH with our text: SAVE alone answers with no result (RFC 5182 §2.4).
        var saved = await ((ImapFolder)client.Inbox).SearchAsync("RETURN (SAVE) OR SUBJECT \"message 2\" SUBJECT \"message 4\"");
        Assert.Empty(saved.UniqueIds);
        var again = await ((ImapFolder)client.Inbox).SearchAsync("UID $");
        Assert.Equal([2u, 4u], again.UniqueIds.Select(u => u.Id));
        await client.DisconnectAsync(true);

        using var t = Raw();
        t.Command("b", "SELECT INBOX");
        Assert.StartsWith("c OK", t.Command("c", "UID SEARCH RETURN (SAVE) SUBJECT \"message 3\"").Split('\n')[^1]);
        var fetch = t.Command("d", "FETCH $ (UID FLAGS)");
        Assert.Contains("* 3 FETCH (UID 3 FLAGS ())", fetch);
        Assert.DoesNotContain("UID 1 ", fetch);
        Assert.Contains("* 3 FETCH (FLAGS (\\Flagged))", t.Command("e", "STORE $ +FLAGS (\\Flagged)"));
        var moved = t.Command("f", "UID MOVE $ Trash");
        Assert.Contains("* 3 EXPUNGE", moved);
        Assert.StartsWith("f OK", moved.Split('\n')[^1]);
        // The moved message left the saved result empty: $ now names nothing.
        Assert.DoesNotContain(" FETCH (", t.Command("g", "FETCH $ FLAGS"));
        // MIN with SAVE saves only the minimum; a new SELECT forgets the result.
        Assert.Contains("* ESEARCH (TAG \"h\") MIN 1", t.Command("h", "SEARCH RETURN (SAVE MIN) ALL"));
        Assert.Contains("* SEARCH 1", t.Command("i", "SEARCH $"));
        t.Command("j", "SELECT INBOX");
        Assert.Equal("* SEARCH", t.Command("k", "SEARCH $").Split('\n')[0]);
        Assert.Matches("^l BAD", t.Command("l", "FETCH $$ FLAGS"));
    }

    [Fact]
    public async Task List_extended_selects_subscribed_names_gone_ones_and_parents_of_subscribed_children()
    {
        using (var t = Raw())
        {
            Assert.StartsWith("b OK", t.Command("b", "CREATE Projects/Alpha").Split('\n')[^1]);
            t.Command("c", "SUBSCRIBE Projects/Alpha");
            t.Command("d", "CREATE Gone");
            t.Command("e", "SUBSCRIBE Gone");
            t.Command("f", "DELETE Gone");
            var subscribed = t.Command("g", "LIST (SUBSCRIBED) \"\" *");
            Assert.Contains("* LIST (\\HasNoChildren \\Subscribed) \"/\" Projects/Alpha", subscribed);
            Assert.Contains("* LIST (\\NonExistent \\Subscribed) \"/\" Gone", subscribed);
            Assert.DoesNotContain("\" Projects\n", subscribed + "\n");
            var recursive = t.Command("h", "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" %");
            Assert.Contains("* LIST (\\HasChildren) \"/\" Projects (\"CHILDINFO\" (\"SUBSCRIBED\"))", recursive);
            Assert.DoesNotContain("Projects/Alpha", recursive);
            Assert.StartsWith("i BAD", t.Command("i", "LIST (RECURSIVEMATCH) \"\" %"));
        }
        using var client = await ConnectAsync();
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.ListExtended));
        var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0], StatusItems.Count, subscribedOnly: true);
        var alpha = Assert.Single(folders, f => f.FullName == "Projects/Alpha");
        Assert.Equal(0, alpha.Count);
        Assert.DoesNotContain(folders, f => f.FullName == "Gone" && f.Exists);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Compress_deflate_carries_a_whole_session()
    {
        using var client = await ConnectAsync();
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Compress));
        await client.CompressAsync();
        var uids = await AppendAsync(client, 3);
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(3, client.Inbox.Count);
        var message = await client.Inbox.GetMessageAsync(uids[1]);
        Assert.Equal("message 2", message.Subject);
        Assert.Equal([uids[2]], await client.Inbox.SearchAsync(SearchQuery.SubjectContains("message 3")));
        await client.Inbox.AddFlagsAsync(uids[0], MessageFlags.Deleted, silent: true);
        await client.Inbox.ExpungeAsync();
        Assert.Equal(2, client.Inbox.Count);
        await client.DisconnectAsync(true);

        using var t = Raw();
        Assert.StartsWith("b NO", t.Command("b", "COMPRESS X-BOGUS"));
        Assert.StartsWith("c BAD", t.Command("c", "COMPRESS"));
        Assert.StartsWith("d OK", t.Command("d", "NOOP"));
        using var early = new ImapTranscript(_lb.Offset + 993);
        early.StartTls();
        early.ReadLine();
        Assert.StartsWith("e BAD", early.Command("e", "COMPRESS DEFLATE")); // not before login

        // Hostile: garbage where DEFLATE data must be ends that session, not the server.
        Assert.StartsWith("f OK", t.Command("f", "COMPRESS DEFLATE"));
        t.Send(Enumerable.Range(0, 4096).Select(i => (byte)(i * 37 + 11)).ToArray());
        Assert.Null(t.ReadLine());
        using var after = Raw();
        Assert.StartsWith("g OK", after.Command("g", "NOOP"));
    }

    [Fact]
    public async Task Utf8_accept_lets_names_and_headers_be_utf8()
    {
        using var client = await ConnectAsync();
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.UTF8Accept));
        await client.EnableUTF8Async();
        var root = client.GetFolder(client.PersonalNamespaces[0]);
        var drafts = await root.CreateAsync("Entwürfe", true);
        Assert.NotNull(drafts);
        Assert.True(Directory.Exists(Path.Combine(_lb.Maildir(), ".Entw&APw-rfe")));
        var listed = await root.GetSubfoldersAsync();
        Assert.Contains(listed, f => f.Name == "Entwürfe");
        await client.DisconnectAsync(true);

        using var t = Raw();
        const string message = "Subject: Grüße\r\nFrom: jörg@example.org\r\n\r\nHallo\r\n";
        int length = System.Text.Encoding.UTF8.GetByteCount(message);
        // Without ENABLE the UTF8 data item is BAD (RFC 6855 §4).
        t.Send($"b APPEND INBOX UTF8 (~{{{length}}}\r\n");
        Assert.StartsWith("b BAD", t.ReadLine());
        Assert.Contains("* ENABLED UTF8=ACCEPT", t.Command("c", "ENABLE UTF8=ACCEPT"));
        var list = t.Command("d", "LIST \"\" *");
        Assert.Contains("\"/\" \"Entwürfe\"", System.Text.Encoding.UTF8.GetString(System.Text.Encoding.Latin1.GetBytes(list)));
        t.Send($"e APPEND \"Entwürfe\" UTF8 (~{{{length}}}\r\n".Replace("ü", "\u00c3\u00bc"));
        Assert.StartsWith("+", t.ReadLine());
        t.Send(System.Text.Encoding.UTF8.GetBytes(message + ")\r\n"));
        Assert.Contains("e OK [APPENDUID ", t.UntilTagged("e"));
        var file = Assert.Single(Directory.GetFiles(Path.Combine(_lb.Maildir(), ".Entw&APw-rfe", "cur")));
        Assert.Equal(message, File.ReadAllText(file));
    }
}
