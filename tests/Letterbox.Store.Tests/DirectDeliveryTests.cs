using System.Text;

namespace Letterbox.Store.Tests;

/// <summary>
/// The one-recipient path: the message is written straight into the mailbox's tmp/ behind its
/// per-recipient header, and commit is a rename into new/. Same guarantees as the spool path.
/// </summary>
public sealed class DirectDeliveryTests : IDisposable
{
    private readonly TestStore store = new(defaultQuotaBytes: 10_000);

    public void Dispose() => store.Dispose();

    private static readonly byte[] Header = Encoding.ASCII.GetBytes("Return-Path: <a@b.example>\r\nDelivered-To: alice@example.com\r\n");
    private static readonly byte[] Body = Encoding.ASCII.GetBytes("Subject: hi\r\n\r\nbody\r\n");

    [Fact]
    public void Commit_renames_the_tmp_file_into_new_with_the_header_first()
    {
        var alice = store.User("alice@example.com");
        using (var message = store.Mail.BeginDelivery(alice, Header, 1000))
        {
            message.Body.Write(Body);
            // Being written: visible only in tmp/, never in new/, and nothing in the spool.
            Assert.Single(TestStore.Files(alice, "tmp"));
            Assert.Empty(TestStore.Files(alice, "new"));
            Assert.Empty(store.SpoolFiles());
            message.Commit([alice]);
        }

        string file = Assert.Single(TestStore.Files(alice, "new"));
        Assert.Equal([.. Header, .. Body], File.ReadAllBytes(file));
        Assert.EndsWith($",S={Header.Length + Body.Length}", file);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Empty(TestStore.Files(alice, "tmp"));
        Assert.Equal(Header.Length + Body.Length, store.Accounts.FindUser("alice@example.com")!.UsageBytes);
    }

    [Fact]
    public void An_aborted_or_disposed_message_leaves_nothing()
    {
        var alice = store.User("alice@example.com");
        var aborted = store.Mail.BeginDelivery(alice, Header, 1000);
        aborted.Body.Write(Body);
        aborted.Abort();
        using (var disposed = store.Mail.BeginDelivery(alice, Header, 1000))
        {
            disposed.Body.Write(Body);
        }

        Assert.Empty(TestStore.Files(alice, "tmp"));
        Assert.Empty(TestStore.Files(alice, "new"));
        Assert.Throws<InvalidOperationException>(() => aborted.Commit([alice]));
    }

    [Fact]
    public void Over_quota_is_refused_and_nothing_reaches_new()
    {
        var alice = store.User("alice@example.com", quotaBytes: 100);
        using var message = store.Mail.BeginDelivery(alice, Header, 10_000);
        message.Body.Write(new byte[200]);

        var e = Assert.Throws<DeliveryException>(() => message.Commit([alice]));

        Assert.Equal(DeliveryFailure.OverQuota, e.Reason);
        Assert.True(e.Permanent);
        Assert.Empty(TestStore.Files(alice, "new"));
    }

    [Fact]
    public void Too_large_is_refused_and_the_file_emptied()
    {
        var alice = store.User("alice@example.com");
        using var message = store.Mail.BeginDelivery(alice, Header, 10);
        message.Body.Write(Body);

        Assert.True(message.TooLarge);
        Assert.Equal(DeliveryFailure.TooLarge, Assert.Throws<DeliveryException>(() => message.Commit([alice])).Reason);
        Assert.Empty(TestStore.Files(alice, "new"));
        Assert.Equal(0, new FileInfo(Assert.Single(TestStore.Files(alice, "tmp"))).Length);
    }

    [Fact]
    public void It_commits_only_to_the_mailbox_it_was_begun_for()
    {
        var alice = store.User("alice@example.com");
        var bob = store.User("bob@example.com");
        using var message = store.Mail.BeginDelivery(alice, Header, 1000);
        message.Body.Write(Body);

        Assert.Throws<InvalidOperationException>(() => message.Commit([bob]));
        Assert.Throws<InvalidOperationException>(() => message.Commit([alice, bob]));
        Assert.Empty(TestStore.Files(bob, "new"));

        message.Commit([alice]);
        Assert.Single(TestStore.Files(alice, "new"));
    }

    [Fact]
    public void A_storage_failure_leaves_the_message_whole_in_tmp_and_nothing_in_new()
    {
        var alice = store.User("alice@example.com");
        using var message = store.Mail.BeginDelivery(alice, Header, 1000);
        message.Body.Write(Body);
        string newDir = Path.Combine(alice.Directory, "new");
        Directory.Delete(newDir);
        File.WriteAllText(newDir, "in the way");

        var e = Assert.Throws<DeliveryException>(() => message.Commit([alice]));

        Assert.Equal(DeliveryFailure.Storage, e.Reason);
        Assert.Equal([.. Header, .. Body], File.ReadAllBytes(Assert.Single(TestStore.Files(alice, "tmp"))));
        message.Abort();
        Assert.Empty(TestStore.Files(alice, "tmp"));
    }
}
