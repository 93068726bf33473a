namespace Letterbox.Store.Tests.Index;

public sealed class FlagTests : IDisposable
{
    private readonly IndexFixture f = new();

    public void Dispose() => f.Dispose();

    [Theory]
    [InlineData("1.M2P3.host,S=10", MessageFlags.None, "", "1.M2P3.host,S=10:2,")]
    [InlineData("1.M2P3.host,S=10:2,", MessageFlags.Seen | MessageFlags.Flagged, "", "1.M2P3.host,S=10:2,FS")]
    [InlineData("x:2,S", MessageFlags.Draft | MessageFlags.Flagged | MessageFlags.Answered | MessageFlags.Seen | MessageFlags.Deleted, "", "x:2,DFRST")]
    [InlineData("x:2,PS", MessageFlags.Answered, "", "x:2,PR")] // P (passed) is kept
    [InlineData("x:2,Sab", MessageFlags.Seen, "c", "x:2,Sc")] // keywords replaced
    [InlineData("x:2,S,extra", MessageFlags.None, "a", "x:2,a,extra")] // a second flag set is kept
    [InlineData("a:b:2,S", MessageFlags.Seen, "", "a:b:2,S")]
    public void Flags_in_file_names_follow_the_maildir_specification(string name, MessageFlags flags, string keywords, string expected)
    {
        Assert.Equal(expected, MaildirFlags.WithFlags(name, flags, keywords));
        Assert.Equal(flags, MaildirFlags.SystemFlags(expected));
        Assert.Equal(keywords, MaildirFlags.KeywordLetters(expected));
    }

    [Fact]
    public void Set_flags_renames_the_file_and_round_trips()
    {
        f.Append("INBOX", 1);
        var view = f.Open("INBOX");
        string before = view.Messages[0].Path;

        var result = view.SetFlags([1u], FlagOperation.Add, MessageFlags.Seen | MessageFlags.Answered);

        var message = Assert.Single(result.Updated);
        Assert.EndsWith(":2,RS", message.Path, StringComparison.Ordinal);
        Assert.False(File.Exists(before));
        Assert.True(File.Exists(message.Path));
        Assert.Equal(MessageFlags.Seen | MessageFlags.Answered, f.SecondHandle().Open("INBOX").Messages[0].Flags);

        view.SetFlags([1u], FlagOperation.Remove, MessageFlags.Answered);
        Assert.EndsWith(":2,S", view.Messages[0].Path, StringComparison.Ordinal);
        view.SetFlags([1u], FlagOperation.Replace, MessageFlags.Flagged | MessageFlags.Deleted | MessageFlags.Draft);
        Assert.EndsWith(":2,DFT", view.Messages[0].Path, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_renamed_by_hand_shows_its_new_flags_after_sync()
    {
        f.Append("INBOX", 1);
        var view = f.Open("INBOX");
        var message = view.Messages[0];
        ulong modseq = message.ModSeq;
        File.Move(message.Path, Path.Combine(f.Root, "cur", message.BaseName + ":2,S"));

        var changes = view.Sync();

        var changed = Assert.Single(changes.FlagsChanged);
        Assert.Equal(MessageFlags.Seen, changed.Flags);
        Assert.True(changed.ModSeq > modseq);
        Assert.Equal(changed.ModSeq, changes.HighestModSeq);
        Assert.Equal(MessageFlags.Seen, view.Messages[0].Flags);
    }

    [Fact]
    public void Keywords_use_dovecot_keyword_letters()
    {
        f.Append("INBOX", 1, MessageFlags.None, "$Forwarded");
        var view = f.Open("INBOX");
        view.SetFlags([1u], FlagOperation.Add, MessageFlags.Seen, ["Work", "$forwarded"]);

        Assert.Equal("0 $Forwarded\n1 Work\n", File.ReadAllText(Path.Combine(f.Root, "dovecot-keywords")));
        Assert.EndsWith(":2,Sab", view.Messages[0].Path, StringComparison.Ordinal);
        Assert.Equal(["$Forwarded", "Work"], f.SecondHandle().Open("INBOX").Messages[0].Keywords);
        Assert.Equal(["$Forwarded", "Work"], view.Keywords);

        view.SetFlags([1u], FlagOperation.Remove, MessageFlags.None, ["$FORWARDED"]);
        Assert.Equal(["Work"], view.Messages[0].Keywords);
        Assert.EndsWith(":2,Sb", view.Messages[0].Path, StringComparison.Ordinal);
    }

    [Fact]
    public void The_27th_keyword_is_refused_before_anything_changes()
    {
        f.Append("INBOX", 1);
        var view = f.Open("INBOX");
        view.SetFlags([1u], FlagOperation.Add, MessageFlags.None, Enumerable.Range(0, 26).Select(i => $"k{i}").ToList());
        Assert.False(view.CanCreateKeywords);
        string path = view.Messages[0].Path;

        var e = Assert.Throws<MailFolderException>(() =>
            view.SetFlags([1u], FlagOperation.Replace, MessageFlags.Seen, ["k27"]));

        Assert.Equal(MailFolderError.KeywordLimit, e.Reason);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void Modseq_rises_with_each_change_and_not_without_one()
    {
        f.Append("INBOX", 1);
        f.Append("INBOX", 2);
        var view = f.Open("INBOX");
        ulong start = view.HighestModSeq;

        var first = view.SetFlags([1u], FlagOperation.Add, MessageFlags.Seen);
        var second = view.SetFlags([1u, 2u], FlagOperation.Add, MessageFlags.Flagged);
        var none = view.SetFlags([1u], FlagOperation.Add, MessageFlags.Seen);

        ulong m1 = Assert.Single(first.Updated).ModSeq;
        Assert.True(m1 > start);
        Assert.All(second.Updated, m => Assert.True(m.ModSeq > m1));
        Assert.Equal(2, second.Updated.Count);
        Assert.Empty(none.Updated);
        Assert.Equal([1u], none.Unchanged);
        Assert.Equal(second.Updated[0].ModSeq, view.Sync().HighestModSeq);

        var other = f.SecondHandle().Open("INBOX");
        other.SetFlags([2u], FlagOperation.Add, MessageFlags.Deleted);
        ulong beforeExpunge = other.Sync().HighestModSeq;
        Assert.True(other.Expunge().HighestModSeq > beforeExpunge); // RFC 7162: an expunge raises it too
    }

    [Fact]
    public void Unchangedsince_refuses_messages_changed_since()
    {
        f.Append("INBOX", 1);
        f.Append("INBOX", 2);
        var mine = f.Open("INBOX");
        ulong known = mine.HighestModSeq;
        f.SecondHandle().Open("INBOX").SetFlags([2u], FlagOperation.Add, MessageFlags.Seen);

        var result = mine.SetFlags([1u, 2u], FlagOperation.Add, MessageFlags.Deleted, unchangedSince: known);

        Assert.Equal([1u], result.Updated.Select(m => m.Uid));
        Assert.Equal([2u], result.Failed);
        var changes = mine.Sync();
        Assert.Equal(MessageFlags.Seen, Assert.Single(changes.FlagsChanged).Flags);
        Assert.Equal(MessageFlags.Deleted, mine.Messages[0].Flags);
    }

    [Fact]
    public void Expunge_takes_only_deleted_messages_and_uid_expunge_only_the_given_ones()
    {
        for (int i = 1; i <= 4; i++)
        {
            f.Append("INBOX", i, i == 4 ? MessageFlags.None : MessageFlags.Deleted);
        }
        var view = f.Open("INBOX");

        Assert.Equal([2u], view.Expunge([2u, 4u]).Expunged);
        Assert.Equal([1u, 3u], view.Expunge().Expunged);
        Assert.Equal([4u], view.Messages.Select(m => m.Uid));
        Assert.Single(TestStore.Files(f.Alice, "cur"));
    }

    [Fact]
    public void Examine_refuses_changes()
    {
        f.Append("INBOX", 1);
        var view = f.Folders.Open("INBOX", FolderAccess.Examine);

        Assert.Equal(MailFolderError.ReadOnly,
            Assert.Throws<MailFolderException>(() => view.SetFlags([1u], FlagOperation.Add, MessageFlags.Seen)).Reason);
        Assert.Equal(MailFolderError.ReadOnly, Assert.Throws<MailFolderException>(() => view.Expunge()).Reason);
    }
}
