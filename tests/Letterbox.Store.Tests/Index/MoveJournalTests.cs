namespace Letterbox.Store.Tests.Index;

/// <summary>
/// MOVE across a crash: the states a process killed mid-move leaves behind are built by hand
/// (a copy in the destination, a link in its tmp/, the journal with or without its committed
/// line), and the next transaction on the source must leave each message in exactly one folder.
/// </summary>
public sealed class MoveJournalTests : IDisposable
{
    private readonly IndexFixture f = new();

    public void Dispose() => f.Dispose();

    private string Journal(string sourceFolder, string targetFolder, IEnumerable<(string SourceBase, string TargetName)> items, bool end = true, bool committed = false)
    {
        string source = f.FolderDirectory(sourceFolder);
        var lines = new List<string> { "letterbox-move 1", Path.GetRelativePath(source, f.FolderDirectory(targetFolder)) };
        lines.AddRange(items.Select(i => i.SourceBase + "\t" + i.TargetName));
        if (end)
            lines.Add("end");
        if (committed)
            lines.Add("committed");
        string path = Path.Combine(source, "letterbox-move.test" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }

    private static string[] Journals(string directory) => Directory.GetFiles(directory, "letterbox-move.*");

    [Fact]
    public void A_committed_move_whose_source_was_not_expunged_is_finished()
    {
        f.Append("INBOX", 1);
        f.Append("INBOX", 2);
        var inbox = f.Open("INBOX");
        string sourceBase = inbox.Find(1)!.BaseName;
        var copy = inbox.CopyTo("Trash", [1u]);
        string targetName = f.Folders.Open("Trash").Messages.Single().BaseName;
        string journal = Journal("INBOX", "Trash", [(sourceBase, targetName)], committed: true);

        var after = f.SecondHandle().Open("INBOX");

        Assert.Equal([2u], after.Messages.Select(m => m.Uid));
        Assert.Equal([1], f.Folders.Open("Trash").Messages.Select(m => IndexFixture.SeqOf(m.Path)));
        Assert.Equal(copy.Uids.Single().Destination, f.Folders.Open("Trash").Messages.Single().Uid);
        Assert.False(File.Exists(journal));
        Assert.Equal([1u], inbox.Sync().Expunged);
    }

    [Fact]
    public void An_uncommitted_move_whose_copy_reached_cur_is_finished()
    {
        f.Append("INBOX", 1);
        var inbox = f.Open("INBOX");
        string sourceBase = inbox.Find(1)!.BaseName;
        inbox.CopyTo("Trash", [1u]);
        string targetName = f.Folders.Open("Trash").Messages.Single().BaseName;
        Journal("INBOX", "Trash", [(sourceBase, targetName)]);

        Assert.Empty(f.SecondHandle().Open("INBOX").Messages);
        Assert.Single(f.Folders.Open("Trash").Messages);
        Assert.Empty(Journals(f.FolderDirectory("INBOX")));
    }

    [Fact]
    public void An_uncommitted_move_that_only_linked_into_tmp_is_undone()
    {
        f.Append("INBOX", 1);
        var inbox = f.Open("INBOX");
        var message = inbox.Find(1)!;
        string link = Path.Combine(f.FolderDirectory("Trash"), "tmp", "1700000000.M1P1.test,S=" + message.Size);
        TestStore.Run("ln", message.Path, link); // the hard link the mover made before it died
        Journal("INBOX", "Trash", [(message.BaseName, Path.GetFileName(link))]);

        Assert.Equal([1u], f.SecondHandle().Open("INBOX").Messages.Select(m => m.Uid));
        Assert.Empty(f.Folders.Open("Trash").Messages);
        Assert.False(File.Exists(link));
        Assert.Empty(Journals(f.FolderDirectory("INBOX")));
    }

    [Fact]
    public void A_journal_cut_off_before_its_end_line_changes_nothing()
    {
        f.Append("INBOX", 1);
        var inbox = f.Open("INBOX");
        string sourceBase = inbox.Find(1)!.BaseName;
        inbox.CopyTo("Trash", [1u]);
        string targetName = f.Folders.Open("Trash").Messages.Single().BaseName;
        Journal("INBOX", "Trash", [(sourceBase, targetName)], end: false);

        // No end line: written before any link, so this copy is not the move's (it was a COPY).
        Assert.Single(f.SecondHandle().Open("INBOX").Messages);
        Assert.Single(f.Folders.Open("Trash").Messages);
        Assert.Empty(Journals(f.FolderDirectory("INBOX")));
    }

    [Fact]
    public void A_journal_held_by_a_live_mover_is_left_alone()
    {
        f.Append("INBOX", 1);
        var inbox = f.Open("INBOX");
        string sourceBase = inbox.Find(1)!.BaseName;
        inbox.CopyTo("Trash", [1u]);
        string targetName = f.Folders.Open("Trash").Messages.Single().BaseName;
        using (var live = MoveJournal.Begin(f.FolderDirectory("INBOX"), f.FolderDirectory("Trash"), [(sourceBase, targetName)]))
        {
            live.MarkCommitted();
            Assert.Single(f.SecondHandle().Open("INBOX").Messages);
            Assert.Single(Journals(f.FolderDirectory("INBOX")));
        }
        // The mover died without completing: now it is recovered.
        Assert.Empty(f.SecondHandle().Open("INBOX").Messages);
        Assert.Empty(Journals(f.FolderDirectory("INBOX")));
    }

    [Fact]
    public void A_finished_move_leaves_no_journal()
    {
        f.Append("INBOX", 1);
        f.Open("INBOX").MoveTo("Trash", [1u]);
        Assert.Empty(Journals(f.FolderDirectory("INBOX")));
        Assert.Empty(f.Open("INBOX").Messages);
        Assert.Single(f.Folders.Open("Trash").Messages);
    }
}
