namespace Letterbox.Store.Tests.Index;

public sealed class UidTests : IDisposable
{
    private readonly IndexFixture f = new();

    public void Dispose() => f.Dispose();

    [Fact]
    public void Uids_persist_across_reopen_and_new_handles()
    {
        for (int i = 0; i < 5; i++)
        {
            f.Append("INBOX", i);
        }
        var first = f.Folders.Open("INBOX");
        var reopened = f.SecondHandle().Open("INBOX");

        Assert.Equal(first.UidValidity, reopened.UidValidity);
        Assert.Equal(first.Messages.Select(m => (m.Uid, m.BaseName)), reopened.Messages.Select(m => (m.Uid, m.BaseName)));
        Assert.Equal([1u, 2, 3, 4, 5], reopened.Messages.Select(m => m.Uid));
        Assert.Equal(6u, reopened.UidNext);
        Assert.Equal([0, 1, 2, 3, 4], reopened.Messages.Select(m => IndexFixture.SeqOf(m.Path)));
    }

    [Fact]
    public void Uids_ascend_and_are_never_reused_after_expunge()
    {
        uint a = f.Append("INBOX", 1);
        uint b = f.Append("INBOX", 2, MessageFlags.Deleted);
        var view = f.Folders.Open("INBOX");
        var expunged = view.Expunge();
        Assert.Equal([b], expunged.Expunged);

        // Reopened from disk: the expunged UID stays used.
        uint c = new MailFolders(f.Store.Accounts, f.Alice).Append("INBOX", new MemoryStream(IndexFixture.Message(3))).Uid;
        Assert.True(a < b && b < c, $"{a} {b} {c}");
        view.Sync();
        Assert.Equal([a, c], view.Messages.Select(m => m.Uid));
        Assert.Equal(c + 1, view.UidNext);
    }

    [Fact]
    public void Deliveries_into_new_get_the_next_uids_on_sync_and_are_recent()
    {
        f.Append("INBOX", 0, MessageFlags.Seen);
        var view = f.Folders.Open("INBOX");
        Assert.Single(view.Messages);

        f.Deliver(1);
        f.Deliver(2);
        var changes = view.Sync();

        Assert.Equal([2u, 3], changes.Added.Select(m => m.Uid));
        Assert.Equal(3, changes.Exists);
        Assert.All(changes.Added, m => Assert.True(m.Recent));
        Assert.Equal([1, 2], changes.Added.Select(m => IndexFixture.SeqOf(m.Path)));
        // Claimed by a SELECT: moved from new/ to cur/ with an (empty) info part.
        Assert.All(changes.Added, m => Assert.EndsWith(":2,", m.Path, StringComparison.Ordinal));
        Assert.Empty(TestStore.Files(f.Alice, "new"));
        Assert.Equal(4u, view.UidNext);
    }

    [Fact]
    public void Files_already_in_a_maildir_without_index_get_uids_cur_first_and_new_ones_are_recent()
    {
        f.Deliver(1);
        f.Deliver(2);
        // One of them read by another program before we ever looked.
        string delivered = TestStore.Files(f.Alice, "new").Order(StringComparer.Ordinal).First();
        File.Move(delivered, Path.Combine(f.Root, "cur", Path.GetFileName(delivered) + ":2,S"));

        var status = f.Folders.Status("INBOX");
        Assert.Equal(2, status.Messages);
        Assert.Equal(1, status.Unseen);
        Assert.Equal(1, status.Recent);

        var view = f.Folders.Open("INBOX");
        Assert.Equal(MessageFlags.Seen, view.Messages[0].Flags);
        Assert.False(view.Messages[0].Recent);
        Assert.True(view.Messages[1].Recent);
    }

    [Fact]
    public void Recent_is_claimed_by_exactly_one_select()
    {
        f.Deliver(1);
        f.Deliver(2);
        var examine = f.Folders.Open("INBOX", FolderAccess.Examine);
        Assert.Equal(2, examine.RecentCount); // EXAMINE shows them and leaves them
        Assert.Equal(2, f.Folders.Status("INBOX").Recent);

        var first = f.Folders.Open("INBOX");
        var second = f.SecondHandle().Open("INBOX");
        Assert.Equal(2, first.RecentCount);
        Assert.Equal(0, second.RecentCount);
        Assert.Equal(0, f.Folders.Status("INBOX").Recent);

        f.Deliver(3);
        var secondChanges = second.Sync(); // whoever syncs first claims it
        var firstChanges = first.Sync();
        Assert.True(Assert.Single(secondChanges.Added).Recent);
        Assert.DoesNotContain(firstChanges.Added, m => m.Recent);
        Assert.Single(firstChanges.Added);
        Assert.Equal(2, first.RecentCount);
        Assert.Equal(1, second.RecentCount);
    }

    [Fact]
    public void Sync_reports_expunges_by_others_with_sequence_numbers_in_sending_order()
    {
        for (int i = 0; i < 5; i++)
        {
            f.Append("INBOX", i);
        }
        var mine = f.Folders.Open("INBOX");
        var other = f.SecondHandle().Open("INBOX");
        other.SetFlags([2u, 4], FlagOperation.Add, MessageFlags.Deleted);
        other.Expunge();

        var deferred = mine.Sync(reportExpunges: false);
        Assert.Empty(deferred.Expunged);
        Assert.Equal(5, mine.Messages.Count);

        var changes = mine.Sync();
        Assert.Equal([2u, 4], changes.Expunged);
        Assert.Equal([4, 2], changes.ExpungedSequenceNumbers);
        Assert.Equal([1u, 3, 5], mine.Messages.Select(m => m.Uid));
        Assert.Equal(3, changes.Exists);
    }

    [Fact]
    public void Files_deleted_by_hand_vanish_on_sync()
    {
        f.Append("INBOX", 1);
        f.Append("INBOX", 2);
        var view = f.Folders.Open("INBOX");
        File.Delete(view.Messages[0].Path);

        var changes = view.Sync();

        Assert.Equal([1u], changes.Expunged);
        Assert.Equal([1], changes.ExpungedSequenceNumbers);
        Assert.Equal(2u, Assert.Single(view.Messages).Uid);
    }

    [Fact]
    public void A_move_from_new_to_cur_by_another_program_is_no_flag_change()
    {
        f.Deliver(1);
        var examine = f.Folders.Open("INBOX", FolderAccess.Examine);
        string delivered = Assert.Single(TestStore.Files(f.Alice, "new"));
        File.Move(delivered, Path.Combine(f.Root, "cur", Path.GetFileName(delivered) + ":2,"));

        var changes = examine.Sync();

        Assert.True(changes.IsEmpty);
        Assert.True(File.Exists(examine.Messages[0].Path));
        Assert.Equal(changes.HighestModSeq, examine.Messages[0].ModSeq);
    }

    [Fact]
    public void A_second_file_with_the_same_base_name_becomes_a_message_of_its_own()
    {
        f.Append("INBOX", 1);
        var view = f.Open("INBOX");
        var original = view.Messages[0];
        // A copy by hand under the same base name, other flags.
        File.Copy(original.Path, Path.Combine(f.Root, "cur", original.BaseName + ":2,F"));

        var changes = view.Sync();

        var added = Assert.Single(changes.Added);
        Assert.Equal(2u, added.Uid);
        Assert.NotEqual(original.BaseName, added.BaseName);
        Assert.Equal(MessageFlags.Flagged, added.Flags);
        Assert.Empty(changes.FlagsChanged);
        Assert.Equal(original.Path, view.Messages[0].Path);
    }

    [Fact]
    public void Status_counts_messages_unseen_recent_size_and_uids()
    {
        f.Append("INBOX", 1, MessageFlags.Seen);
        f.Append("INBOX", 2);
        f.Open("INBOX");
        f.Deliver(3);

        var status = f.Folders.Status("inbox");

        Assert.Equal("INBOX", status.Name);
        Assert.Equal(3, status.Messages);
        Assert.Equal(2, status.Unseen);
        Assert.Equal(1, status.Recent);
        Assert.Equal(3 * IndexFixture.Message(1).Length, status.Size);
        Assert.Equal(4u, status.UidNext);
        Assert.True(status.UidValidity > 0);
        Assert.True(status.HighestModSeq > 1);
    }

    [Fact]
    public void Pop3_uidl_is_dovecots_default_format_and_deletion_is_by_uid()
    {
        f.Append("INBOX", 1);
        f.Append("INBOX", 2);
        var maildrop = f.Folders.Open("INBOX", FolderAccess.Maildrop);
        string uidl = maildrop.Uidl(2);

        Assert.Equal($"00000002{maildrop.UidValidity:X8}", uidl);
        Assert.Equal(uidl, f.Folders.Open("INBOX", FolderAccess.Examine).Uidl(2));
        var changes = maildrop.Remove([1u]);
        Assert.Equal([1u], changes.Expunged);
        Assert.Equal([2u], f.Folders.Open("INBOX").Messages.Select(m => m.Uid));
    }

    [Fact]
    public void Open_message_follows_a_file_renamed_by_another_session()
    {
        f.Append("INBOX", 7);
        var mine = f.Folders.Open("INBOX");
        f.SecondHandle().Open("INBOX").SetFlags([1u], FlagOperation.Add, MessageFlags.Seen);

        using var stream = mine.OpenMessage(1);

        Assert.NotNull(stream);
        Assert.Equal(IndexFixture.Message(7), ReadAll(stream));
        Assert.Null(mine.OpenMessage(99));
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
