using System.Globalization;

namespace Letterbox.Store.Tests.Index;

/// <summary>
/// The process keeps each folder's parsed index, and skips listing a cur/ that has been quiet
/// (ParsedIndexCache): whatever changes the folder behind its back must still show at the next
/// sync, and what the cache cannot see must be what it is documented not to see.
/// </summary>
public sealed class IndexCacheTests : IDisposable
{
    private readonly IndexFixture f = new();

    public void Dispose() => f.Dispose();

    private string Cur => Path.Combine(f.Root, "cur");

    /// <summary>Three messages, opened, and cur/ made to look untouched for an hour: the next transaction may skip listing it.</summary>
    private MailFolder QuietInbox()
    {
        for (int i = 1; i <= 3; i++)
        {
            f.Append("INBOX", i);
        }
        var view = f.Open("INBOX");
        Directory.SetLastWriteTimeUtc(Cur, DateTime.UtcNow.AddHours(-1));
        Assert.True(view.Sync().IsEmpty); // lists cur/ and remembers it as quiet
        return view;
    }

    [Fact]
    public void A_flag_change_by_another_program_in_a_quiet_folder_shows_at_the_next_sync()
    {
        var view = QuietInbox();
        var message = view.Messages[1];
        File.Move(message.Path, Path.Combine(Cur, message.BaseName + ":2,F"));

        var changes = view.Sync();

        Assert.Equal(MessageFlags.Flagged, Assert.Single(changes.FlagsChanged).Flags);
    }

    [Fact]
    public void A_file_deleted_by_hand_from_a_quiet_folder_is_expunged_at_the_next_sync()
    {
        var view = QuietInbox();
        File.Delete(view.Messages[0].Path);

        var changes = view.Sync();

        Assert.Equal([1], changes.ExpungedSequenceNumbers);
        Assert.Equal(2, view.Messages.Count);
    }

    [Fact]
    public void A_delivery_to_a_quiet_folder_shows_at_the_next_sync()
    {
        var view = QuietInbox();
        f.Deliver(4); // into new/, which is always listed

        var changes = view.Sync();

        Assert.Equal(4u, Assert.Single(changes.Added).Uid);
    }

    [Fact]
    public void A_change_written_by_another_process_shows_at_the_next_sync()
    {
        var view = QuietInbox();
        // A real second process, with a cache of its own, appending through the index.
        using (var helper = HelperProcess.Start("index-append", f.Store.DataDirectory, f.Alice.Address, "2"))
        {
            Assert.True(helper.WaitForExit(60_000), "the helper process did not finish in 60 s");
            Assert.Equal(0, helper.ExitCode);
        }

        var changes = view.Sync();

        Assert.Equal(2, changes.Added.Count);
        Assert.Equal(5, view.Messages.Count);
    }

    [Fact]
    public void A_quiet_cur_is_not_listed_so_a_file_slipped_in_with_its_time_put_back_waits_for_the_next_change()
    {
        // What the skip trusts, shown: cur/'s modification time. A program that adds a file and
        // then sets the directory's time back is not seen until cur/ changes again.
        var view = QuietInbox();
        var quiet = Directory.GetLastWriteTimeUtc(Cur);
        byte[] content = IndexFixture.Message(9);
        string slipped = Path.Combine(Cur, string.Create(CultureInfo.InvariantCulture,
            $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.M1P1.elsewhere,S={content.Length}:2,"));
        File.WriteAllBytes(slipped, content);
        Directory.SetLastWriteTimeUtc(Cur, quiet);

        Assert.True(view.Sync().IsEmpty);

        var message = view.Messages[0];
        File.Move(message.Path, Path.Combine(Cur, message.BaseName + ":2,S")); // cur/ changes
        var changes = view.Sync();

        Assert.Single(changes.Added);
        Assert.Single(changes.FlagsChanged);
        Assert.Equal(4, view.Messages.Count);
    }

    [Fact]
    public void A_quick_sync_sees_other_sessions_changes_but_leaves_deliveries_for_the_next_full_sync()
    {
        f.Append("INBOX", 1);
        var view = f.Open("INBOX");
        var other = f.SecondHandle().Open("INBOX");
        other.SetFlags([view.Messages[0].Uid], FlagOperation.Add, MessageFlags.Flagged);
        f.Deliver(2);

        var quick = view.Sync(reportExpunges: false, scan: false);

        Assert.Equal(MessageFlags.Flagged, Assert.Single(quick.FlagsChanged).Flags);
        Assert.Empty(quick.Added);
        var full = view.Sync();
        Assert.Equal(2u, Assert.Single(full.Added).Uid);
    }
}
