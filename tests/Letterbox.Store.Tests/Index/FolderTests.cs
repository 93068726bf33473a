namespace Letterbox.Store.Tests.Index;

public sealed class FolderTests : IDisposable
{
    private readonly IndexFixture f = new();

    public void Dispose() => f.Dispose();

    private string Dir(string name) => Path.Combine(f.Root, name);

    [Fact]
    public void A_new_user_lists_inbox_and_the_special_folders_with_their_attributes()
    {
        var list = f.Folders.List();

        Assert.Equal(["INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash"], list.Select(i => i.Name));
        Assert.All(list, i => Assert.True(i.Selectable));
        Assert.Equal(SpecialUse.Sent, list.Single(i => i.Name == "Sent").SpecialUse);
        Assert.Equal(SpecialUse.Trash, list.Single(i => i.Name == "Trash").SpecialUse);
        Assert.Equal(SpecialUse.None, list[0].SpecialUse);
        Assert.Equal(SpecialUse.Junk, MailFolders.SpecialUseOf("Junk"));
        Assert.Equal(SpecialUse.None, MailFolders.SpecialUseOf("Work/Sent"));
    }

    [Fact]
    public void Create_makes_a_maildir_folder_with_marker_and_index()
    {
        f.Folders.Create("Work/Projects");

        string dir = Dir(".Work.Projects");
        Assert.True(Directory.Exists(Path.Combine(dir, "cur")));
        Assert.True(Directory.Exists(Path.Combine(dir, "new")));
        Assert.True(Directory.Exists(Path.Combine(dir, "tmp")));
        Assert.True(File.Exists(Path.Combine(dir, "maildirfolder")));
        Assert.True(File.Exists(Path.Combine(dir, "letterbox-uidlist")));
        var list = f.Folders.List();
        var parent = list.Single(i => i.Name == "Work");
        Assert.False(parent.Selectable); // Maildir++ parents exist only through their children
        Assert.True(parent.HasChildren);
        Assert.False(list.Single(i => i.Name == "Work/Projects").HasChildren);
        Assert.Equal(MailFolderError.AlreadyExists, Assert.Throws<MailFolderException>(() => f.Folders.Create("Work/Projects/")).Reason);
        Assert.Equal(MailFolderError.AlreadyExists, Assert.Throws<MailFolderException>(() => f.Folders.Create("inbox")).Reason);
        Assert.Equal(MailFolderError.NoSuchFolder, Assert.Throws<MailFolderException>(() => f.Folders.Open("Work")).Reason);
    }

    [Theory]
    [InlineData("Entwürfe", ".Entw&APw-rfe")]
    [InlineData("A&B", ".A&-B")]
    [InlineData("台北/日本語", ".&U,BTFw-.&ZeVnLIqe-")]
    [InlineData("Привет", ".&BB8EQAQ4BDIENQRC-")]
    [InlineData("inbox/Sub", ".INBOX.Sub")]
    [InlineData("😀 smile", ".&2D3eAA- smile")]
    public void Folder_names_are_modified_utf7_on_disk_as_dovecot_writes_them(string name, string directory)
    {
        f.Folders.Create(name);

        Assert.True(Directory.Exists(Dir(directory)), string.Join(", ", Directory.GetDirectories(f.Root)));
        string expected = name.StartsWith("inbox", StringComparison.Ordinal) ? "INBOX" + name[5..] : name;
        Assert.Contains(f.Folders.List(), i => i.Name == expected && i.Selectable);
        Assert.Equal(expected, f.Folders.Open(name).Name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a.b")]
    [InlineData("a//b")]
    [InlineData("/a")]
    [InlineData("a*")]
    [InlineData("a%")]
    [InlineData("tab\there")]
    public void Invalid_names_are_refused(string name)
    {
        Assert.Equal(MailFolderError.InvalidName, Assert.Throws<MailFolderException>(() => f.Folders.Create(name)).Reason);
    }

    [Fact]
    public void Directories_dovecot_would_not_write_are_not_listed()
    {
        Directory.CreateDirectory(Path.Combine(Dir(".bad&AGE-"), "cur")); // 'a' shifted: not canonical
        Directory.CreateDirectory(Dir("..hidden"));
        MaildirLayout.EnsureMaildir(Dir(".Good"));

        var names = f.Folders.List().Select(i => i.Name).ToList();

        Assert.Contains("Good", names);
        Assert.DoesNotContain(names, n => n.StartsWith("bad", StringComparison.Ordinal) || n.Contains("hidden", StringComparison.Ordinal));
    }

    [Fact]
    public void Delete_removes_the_folder_and_its_messages_but_not_its_children()
    {
        f.Folders.Create("A");
        f.Folders.Create("A/B");
        f.Append("A", 1);
        f.Append("A/B", 2);

        f.Folders.Delete("A");

        Assert.False(Directory.Exists(Dir(".A")));
        Assert.True(Directory.Exists(Dir(".A.B")));
        var list = f.Folders.List();
        Assert.False(list.Single(i => i.Name == "A").Selectable);
        Assert.Single(f.Folders.Open("A/B").Messages);
        Assert.Empty(Directory.GetDirectories(Path.Combine(f.Root, "tmp")));
        Assert.Equal(MailFolderError.NotAllowed, Assert.Throws<MailFolderException>(() => f.Folders.Delete("INBOX")).Reason);
        Assert.Equal(MailFolderError.NoSuchFolder, Assert.Throws<MailFolderException>(() => f.Folders.Delete("A")).Reason);
    }

    [Fact]
    public void A_session_on_a_deleted_folder_is_told_it_is_gone()
    {
        f.Folders.Create("A");
        var view = f.Folders.Open("A");
        f.Folders.Delete("A");

        Assert.Equal(MailFolderError.NoSuchFolder, Assert.Throws<MailFolderException>(() => view.Sync()).Reason);
    }

    [Fact]
    public void Rename_moves_the_folder_and_its_children_keeping_uids()
    {
        f.Folders.Create("A");
        f.Folders.Create("A/B");
        f.Folders.Create("AB"); // a sibling with a common prefix stays put
        f.Append("A", 1);
        f.Append("A/B", 2);
        var before = f.Folders.Open("A");
        f.Folders.Subscribe("A/B");

        f.Folders.Rename("A", "X/Y");

        Assert.False(Directory.Exists(Dir(".A")));
        Assert.False(Directory.Exists(Dir(".A.B")));
        Assert.True(Directory.Exists(Dir(".X.Y")));
        Assert.True(Directory.Exists(Dir(".X.Y.B")));
        Assert.True(Directory.Exists(Dir(".AB")));
        var after = f.Folders.Open("X/Y");
        Assert.Equal(before.UidValidity, after.UidValidity);
        Assert.Equal(before.Messages.Select(m => (m.Uid, m.BaseName)), after.Messages.Select(m => (m.Uid, m.BaseName)));
        Assert.Single(f.Folders.Open("X/Y/B").Messages);
        Assert.Equal(["X/Y/B"], f.Folders.Subscriptions());
        Assert.Equal(MailFolderError.NoSuchFolder, Assert.Throws<MailFolderException>(() => before.Sync()).Reason);
    }

    [Fact]
    public void Rename_refuses_existing_targets_and_moves_below_itself()
    {
        f.Folders.Create("A");
        f.Folders.Create("A/B");
        f.Folders.Create("C/B");

        Assert.Equal(MailFolderError.AlreadyExists, Assert.Throws<MailFolderException>(() => f.Folders.Rename("A", "Sent")).Reason);
        Assert.Equal(MailFolderError.AlreadyExists, Assert.Throws<MailFolderException>(() => f.Folders.Rename("A", "C")).Reason);
        Assert.Equal(MailFolderError.NotAllowed, Assert.Throws<MailFolderException>(() => f.Folders.Rename("A", "A/Z")).Reason);
        Assert.Equal(MailFolderError.NoSuchFolder, Assert.Throws<MailFolderException>(() => f.Folders.Rename("Q", "R")).Reason);
        Assert.True(Directory.Exists(Dir(".A.B")));
    }

    [Fact]
    public void Renaming_inbox_moves_its_messages_and_leaves_it_empty()
    {
        f.Append("INBOX", 1, MessageFlags.Seen, "Work");
        f.Deliver(2);
        f.Folders.Create("INBOX/Child");
        var inbox = f.Open("INBOX");
        uint validity = inbox.UidValidity;
        uint next = inbox.UidNext;

        f.Folders.Rename("INBOX", "Old Mail");

        var moved = f.Folders.Open("Old Mail");
        Assert.Equal([1, 2], moved.Messages.Select(m => IndexFixture.SeqOf(m.Path)));
        Assert.Equal(MessageFlags.Seen, moved.Messages[0].Flags);
        Assert.Equal(["Work"], moved.Messages[0].Keywords);
        Assert.NotEqual(validity, moved.UidValidity);
        var empty = f.Folders.Open("INBOX");
        Assert.Empty(empty.Messages);
        Assert.Equal(validity, empty.UidValidity);
        Assert.Equal(next, empty.UidNext);
        Assert.Equal([1u, 2u], inbox.Sync().Expunged);
        Assert.True(f.Folders.Exists("INBOX/Child"));
    }

    [Fact]
    public void Subscriptions_are_kept_in_dovecots_file_format()
    {
        f.Folders.Subscribe("INBOX");
        f.Folders.Subscribe("Entwürfe/Alt");
        f.Folders.Subscribe("Sent");
        f.Folders.Subscribe("Sent");

        Assert.Equal("V\t2\n\nINBOX\nEntw&APw-rfe\tAlt\nSent\n", File.ReadAllText(Path.Combine(f.Root, "subscriptions")));
        Assert.Equal(["INBOX", "Entwürfe/Alt", "Sent"], f.Folders.Subscriptions());
        Assert.True(f.Folders.List().Single(i => i.Name == "Sent").Subscribed);
        Assert.True(f.Folders.Unsubscribe("Sent"));
        Assert.False(f.Folders.Unsubscribe("Sent"));
        Assert.Equal(["INBOX", "Entwürfe/Alt"], f.Folders.Subscriptions());
    }

    [Fact]
    public void Version_1_subscription_files_are_read()
    {
        File.WriteAllText(Path.Combine(f.Root, "subscriptions"), "INBOX\nWork.Entw&APw-rfe\n");

        Assert.Equal(["INBOX", "Work/Entwürfe"], f.Folders.Subscriptions());
    }
}
