using Letterbox.Tests.Harness;

namespace Letterbox.Tests.Imap;

/// <summary>
/// A real sync client, mbsync (Debian's isync), keeps a local Maildir and Letterbox in step both
/// ways over IMAPS: new mail down, flags and new messages up, deletions expunged on both sides.
/// </summary>
public sealed class MbsyncTests : IDisposable
{
    private readonly DevAppliance _lb = new();
    private readonly TempDirectory _local = new();

    public void Dispose()
    {
        _lb.Dispose();
        _local.Dispose();
    }

    private string Server(string folder, string sub) => Path.Combine(_lb.Maildir(), folder, sub);

    private void Sync()
    {
        Directory.CreateDirectory(Path.Combine(_local.Path, "mail")); // mbsync wants its store's root to exist
        var rc = _local.File("mbsyncrc", $"""
            IMAPAccount lb
            Host 127.0.0.1
            Port {_lb.Offset + 993}
            User demo@example.test
            Pass {_lb.DemoPassword}
            SSLType IMAPS
            CertificateFile {Path.Combine(_lb.DataDirectory, "tls", "self-signed.pem")}
            SystemCertificates no

            IMAPStore remote
            Account lb

            MaildirStore local
            Path {_local.Path}/mail/
            Inbox {_local.Path}/mail/INBOX
            SubFolders Verbatim

            Channel lb
            Far :remote:
            Near :local:
            Patterns *
            Create Both
            Expunge Both
            SyncState *
            """);
        var r = Tool.Run("mbsync", ["-c", rc, "-a"]);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
    }

    private string LocalInbox(string sub) => Path.Combine(_local.Path, "mail", "INBOX", sub);

    [Fact]
    public void Mbsync_syncs_mail_flags_new_messages_and_deletions_both_ways()
    {
        var r = Tool.Run("swaks", ["--server", "127.0.0.1", "--port", _lb.SmtpPort.ToString(), "--from", "a@example.org",
            "--to", "demo@example.test", "--header", "Subject: for mbsync", "--hide-all"]);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);

        // Down: the message and every special folder arrive.
        Sync();
        var local = Assert.Single(Directory.GetFiles(LocalInbox("new")).Concat(Directory.GetFiles(LocalInbox("cur"))));
        Assert.Contains("Subject: for mbsync", File.ReadAllText(local));
        foreach (var folder in new[] { "Sent", "Drafts", "Trash", "Junk", "Archive" })
            Assert.True(Directory.Exists(Path.Combine(_local.Path, "mail", folder)), folder);

        // Up: a flag set locally, and a message filed locally into Archive.
        var seen = Path.Combine(LocalInbox("cur"), Path.GetFileName(local).Split(":2,")[0] + ":2,S");
        File.Move(local, seen);
        File.WriteAllText(Path.Combine(_local.Path, "mail", "Archive", "new", "1700000000.local1.host"),
            "From: me@example.test\r\nSubject: filed by the client\r\nMessage-Id: <local-1@example.test>\r\n\r\nmade offline\r\n");
        Sync();
        var serverInbox = Assert.Single(Directory.GetFiles(Server("", "cur")));
        Assert.EndsWith(":2,S", serverInbox);
        var archived = Assert.Single(Directory.GetFiles(Server(".Archive", "cur")).Concat(Directory.GetFiles(Server(".Archive", "new"))));
        Assert.Contains("Subject: filed by the client", File.ReadAllText(archived));

        // Deletion: marked deleted locally, expunged on both sides.
        File.Move(seen, seen + "T");
        Sync();
        Assert.Empty(Directory.GetFiles(Server("", "cur")).Concat(Directory.GetFiles(Server("", "new"))));
        Assert.Empty(Directory.GetFiles(LocalInbox("cur")).Concat(Directory.GetFiles(LocalInbox("new"))));
    }
}
