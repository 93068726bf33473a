namespace Letterbox.Store.Tests.Index;

public sealed class CopyMoveTests : IDisposable
{
    private readonly IndexFixture f = new();

    public void Dispose() => f.Dispose();

    private static (ulong Device, ulong Inode) Inode(string path)
    {
        // stat -c prints device and inode: enough to tell a hard link from a copy.
        string[] parts = TestStore.Run("stat", "-c", "%d %i", path).Trim().Split(' ');
        return (ulong.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture),
            ulong.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Copy_gives_copyuid_pairs_in_source_order_with_flags_and_the_same_inode()
    {
        f.Folders.Create("Archive/2024");
        f.Append("Archive/2024", 100); // the destination already has UID 1
        for (int i = 1; i <= 4; i++)
        {
            f.Append("INBOX", i, i == 2 ? MessageFlags.Seen | MessageFlags.Flagged : MessageFlags.None, i == 3 ? ["$Label1"] : []);
        }
        var inbox = f.Open("INBOX");

        var result = inbox.CopyTo("Archive/2024", [4u, 2u, 3u, 99u]);

        var target = f.Folders.Open("Archive/2024");
        Assert.Equal(target.UidValidity, result.UidValidity);
        Assert.Equal([new UidPair(2, 2), new UidPair(3, 3), new UidPair(4, 4)], result.Uids);
        Assert.Equal([100, 2, 3, 4], target.Messages.Select(m => IndexFixture.SeqOf(m.Path)));
        Assert.Equal(MessageFlags.Seen | MessageFlags.Flagged, target.Messages[1].Flags);
        Assert.Equal(["$Label1"], target.Messages[2].Keywords);
        Assert.All(target.Messages.Skip(1), m => Assert.True(m.Recent));
        Assert.Equal(Inode(inbox.Find(2)!.Path), Inode(target.Messages[1].Path));
        Assert.Equal(inbox.Find(2)!.InternalDate, target.Messages[1].InternalDate);
        Assert.NotEqual(inbox.Find(2)!.BaseName, target.Messages[1].BaseName);
        Assert.Equal(4, inbox.Messages.Count);
        Assert.Empty(Directory.GetFiles(Path.Combine(f.FolderDirectory("Archive/2024"), "tmp")));
    }

    [Fact]
    public void Copy_to_a_missing_folder_says_so()
    {
        f.Append("INBOX", 1);
        var e = Assert.Throws<MailFolderException>(() => f.Open("INBOX").CopyTo("Nowhere", [1u]));
        Assert.Equal(MailFolderError.NoSuchFolder, e.Reason);
    }

    [Fact]
    public void Move_gives_new_uids_in_the_destination_and_expunges_the_source()
    {
        for (int i = 1; i <= 3; i++)
        {
            f.Append("INBOX", i, MessageFlags.Seen);
        }
        var inbox = f.Open("INBOX");
        string original = inbox.Find(3)!.Path;
        var inode = Inode(original);
        var other = f.SecondHandle().Open("INBOX");

        var result = inbox.MoveTo("Trash", [1u, 3u]);

        Assert.Equal([new UidPair(1, 1), new UidPair(3, 2)], result.Copy.Uids);
        Assert.Equal([1u, 3u], result.Changes.Expunged);
        Assert.Equal([3, 1], result.Changes.ExpungedSequenceNumbers);
        Assert.Equal([2u], inbox.Messages.Select(m => m.Uid));
        var trash = f.Folders.Open("Trash");
        Assert.Equal([1, 3], trash.Messages.Select(m => IndexFixture.SeqOf(m.Path)));
        Assert.All(trash.Messages, m => Assert.Equal(MessageFlags.Seen, m.Flags));
        Assert.Equal(inode, Inode(trash.Messages[1].Path)); // the same file, not a copy
        Assert.False(File.Exists(original));
        Assert.Equal([1u, 3u], other.Sync().Expunged);
    }

    [Fact]
    public void Append_is_durable_in_cur_with_flags_and_internal_date()
    {
        var date = new DateTimeOffset(2021, 3, 4, 5, 6, 7, TimeSpan.FromHours(2));

        var result = f.Folders.Append("Drafts", new MemoryStream(IndexFixture.Message(5)), MessageFlags.Draft | MessageFlags.Seen, ["$MDNSent"], date);

        var view = f.Folders.Open("Drafts");
        var message = Assert.Single(view.Messages);
        Assert.Equal(view.UidValidity, result.UidValidity);
        Assert.Equal(result.Uid, message.Uid);
        Assert.Equal(date, message.InternalDate);
        Assert.Equal(date.UtcDateTime, File.GetLastWriteTimeUtc(message.Path));
        Assert.Equal(Path.Combine(f.FolderDirectory("Drafts"), "cur"), Path.GetDirectoryName(message.Path));
        Assert.Matches(@",S=\d+:2,DSa$", message.Path);
        Assert.Equal(IndexFixture.Message(5).Length, message.Size);
        Assert.Equal(["$MDNSent"], message.Keywords);
        Assert.Empty(Directory.GetFiles(Path.Combine(f.FolderDirectory("Drafts"), "tmp")));
        Assert.Equal(MailFolderError.NoSuchFolder,
            Assert.Throws<MailFolderException>(() => f.Folders.Append("Nowhere", new MemoryStream([1]))).Reason);
    }

    [Fact]
    public void Quota_usage_follows_appends_copies_expunges_and_deletes()
    {
        int size = IndexFixture.Message(1).Length;
        f.Store.Accounts.RecountUsage(f.Alice.Address);
        Assert.Equal(0, f.Usage());

        f.Append("INBOX", 1);
        f.Append("INBOX", 2);
        Assert.Equal(2 * size, f.Usage());

        var inbox = f.Open("INBOX");
        inbox.CopyTo("Archive", [1u, 2u]);
        Assert.Equal(4 * size, f.Usage());

        inbox.MoveTo("Trash", [2u]);
        Assert.Equal(4 * size, f.Usage());

        inbox.SetFlags([1u], FlagOperation.Add, MessageFlags.Deleted);
        inbox.Expunge();
        Assert.Equal(3 * size, f.Usage());

        f.Folders.Create("Tmp");
        f.Append("Tmp", 3);
        f.Folders.Delete("Tmp");
        Assert.Equal(3 * size, f.Usage());
        // And it agrees with a recount from the files.
        Assert.Equal(f.Usage(), f.Store.Accounts.RecountUsage(f.Alice.Address));
    }

    [Fact]
    public void Appends_and_copies_over_quota_are_refused()
    {
        using var small = new IndexFixture(quotaBytes: IndexFixture.Message(1).Length * 3 / 2);
        small.Store.Accounts.RecountUsage(small.Alice.Address);
        small.Append("INBOX", 1);

        var e = Assert.Throws<MailFolderException>(() => small.Append("INBOX", 2));
        Assert.Equal(MailFolderError.OverQuota, e.Reason);
        Assert.Equal(MailFolderError.OverQuota,
            Assert.Throws<MailFolderException>(() => small.Open("INBOX").CopyTo("Archive", [1u])).Reason);
        Assert.Single(small.Folders.Open("INBOX").Messages);
        Assert.Empty(Directory.GetFiles(Path.Combine(small.Root, "tmp")));
    }
}
