using System.Text;

namespace Letterbox.Store.Tests.Index;

public sealed class RecoveryTests : IDisposable
{
    private readonly IndexFixture f = new();

    public void Dispose() => f.Dispose();

    private (uint UidValidity, Dictionary<string, uint> Uids) Setup(int count = 6)
    {
        for (int i = 0; i < count; i++)
        {
            f.Append("INBOX", i);
        }
        var view = f.Open("INBOX");
        view.SetFlags([2u], FlagOperation.Add, MessageFlags.Deleted);
        view.Expunge(); // UID 2 is used up
        return (view.UidValidity, view.Messages.ToDictionary(m => m.BaseName, m => m.Uid));
    }

    private Dictionary<string, uint> Uids(MailFolder view) => view.Messages.ToDictionary(m => m.BaseName, m => m.Uid);

    [Fact]
    public void The_index_file_has_the_documented_format()
    {
        f.Append("INBOX", 1, MessageFlags.Seen);
        string[] lines = File.ReadAllLines(f.IndexPath());

        Assert.Matches(@"^letterbox-uidlist 1 V\d+ N2 M\d+ R1 G\d+$", lines[0]);
        Assert.Matches(@"^1 \d+ \d+ \d+ c \d+\.M\d+P\d+Q\d+\..+,S=\d+:2,S$", lines[1]);
        Assert.Matches(@"^end 1 [0-9a-f]{16}$", lines[2]);
        Assert.Equal(File.ReadAllBytes(f.IndexPath()), File.ReadAllBytes(f.IndexPath() + ".bak"));
    }

    [Fact]
    public void A_truncated_index_is_restored_from_its_backup_with_every_uid()
    {
        var (validity, uids) = Setup();
        byte[] index = File.ReadAllBytes(f.IndexPath());
        File.WriteAllBytes(f.IndexPath(), index[..(index.Length / 2)]);

        var view = f.Open("INBOX");

        Assert.Equal(validity, view.UidValidity);
        Assert.Equal(uids, Uids(view));
        Assert.Equal(7u, view.UidNext);
        Assert.NotNull(UidList.Parse(File.ReadAllBytes(f.IndexPath()))); // rewritten whole
    }

    [Fact]
    public void A_deleted_index_is_restored_from_its_backup()
    {
        var (validity, uids) = Setup();
        File.Delete(f.IndexPath());

        var view = f.Open("INBOX");

        Assert.Equal(validity, view.UidValidity);
        Assert.Equal(uids, Uids(view));
    }

    [Fact]
    public void Index_and_backup_both_truncated_keep_the_readable_uids_and_never_reuse_one()
    {
        var (validity, uids) = Setup();
        foreach (string path in new[] { f.IndexPath(), f.IndexPath() + ".bak" })
        {
            string[] lines = File.ReadAllLines(path);
            // Header and the first two messages survive, the third is torn.
            File.WriteAllText(path, string.Join('\n', lines[..3]) + "\n" + lines[3][..5]);
        }

        var view = f.Open("INBOX");

        Assert.Equal(validity, view.UidValidity);
        var now = Uids(view);
        var kept = uids.Where(p => p.Value <= 3).ToList(); // UIDs 1 and 3
        Assert.Equal(2, kept.Count);
        Assert.All(kept, p => Assert.Equal(p.Value, now[p.Key]));
        Assert.All(uids.Where(p => p.Value > 3), p => Assert.True(now[p.Key] >= 7, $"{p.Key} got {now[p.Key]}"));
        Assert.Equal(uids.Count, now.Count);
    }

    [Fact]
    public void Garbage_in_index_and_backup_means_new_uids_under_a_new_uidvalidity()
    {
        var (validity, uids) = Setup();
        File.WriteAllBytes(f.IndexPath(), Encoding.ASCII.GetBytes("\0\0garbage\nmore garbage\n"));
        File.WriteAllBytes(f.IndexPath() + ".bak", [0xff, 0xfe, 0x00, 0x41]);

        var view = f.Open("INBOX");

        Assert.True(view.UidValidity > validity, $"{view.UidValidity} after {validity}");
        Assert.Equal(uids.Keys.Order(), Uids(view).Keys.Order());
        Assert.Equal([1u, 2, 3, 4, 5], view.Messages.Select(m => m.Uid));
    }

    [Fact]
    public void Deleting_the_index_and_its_backup_changes_uidvalidity()
    {
        var (validity, _) = Setup();
        var open = f.SecondHandle().Open("INBOX");
        File.Delete(f.IndexPath());
        File.Delete(f.IndexPath() + ".bak");

        var view = f.Open("INBOX");

        Assert.NotEqual(validity, view.UidValidity);
        Assert.True(view.UidValidity > validity);
        Assert.Equal(5, view.Messages.Count);
        // A session that had it open cannot go on with its UIDs.
        Assert.Equal(MailFolderError.Invalidated, Assert.Throws<MailFolderException>(() => open.Sync()).Reason);
    }

    [Fact]
    public void A_crash_mid_write_leaves_a_temp_file_that_changes_nothing()
    {
        var (validity, uids) = Setup();
        // What a crash between writing the temp file and renaming it leaves: a torn temp file.
        byte[] index = File.ReadAllBytes(f.IndexPath());
        File.WriteAllBytes(f.IndexPath() + ".tmp", index[..20]);

        var view = f.Open("INBOX");
        Assert.Equal(validity, view.UidValidity);
        Assert.Equal(uids, Uids(view));

        uint next = f.Append("INBOX", 99); // the next write goes through the temp file
        Assert.Equal(7u, next);
        // Written over in place and swapped in: the torn bytes are nowhere; the temp file now
        // holds a previous index whole, for the next write to go through.
        var after = Uids(f.Open("INBOX"));
        foreach (var (name, uid) in uids)
        {
            Assert.Equal(uid, after[name]);
        }
        Assert.Contains(7u, after.Values);
        string spare = File.ReadAllText(f.IndexPath() + ".tmp");
        Assert.StartsWith("letterbox-uidlist 1 ", spare);
        Assert.Matches(@"\nend \d+ [0-9a-f]{16}\n$", spare);
    }

    [Fact]
    public void A_crash_between_index_and_backup_writes_loses_no_uid()
    {
        var (validity, uids) = Setup();
        byte[] older = File.ReadAllBytes(f.IndexPath());
        uint reported = f.Append("INBOX", 50);
        // Backup one write behind (the crash came before it was replaced), and then the index damaged.
        File.WriteAllBytes(f.IndexPath() + ".bak", older);
        byte[] index = File.ReadAllBytes(f.IndexPath());
        File.WriteAllBytes(f.IndexPath(), index[..^10]);

        var view = f.Open("INBOX");

        Assert.Equal(validity, view.UidValidity);
        Assert.All(uids, p => Assert.Equal(p.Value, Uids(view)[p.Key]));
        // The damaged index's intact lines still bind the appended message to its UID.
        Assert.Equal(reported, view.Messages[^1].Uid);
        Assert.Equal(reported + 1, view.UidNext);
    }

    [Fact]
    public void Uidvalidity_values_only_grow_for_a_user()
    {
        f.Folders.Create("A");
        uint first = f.Folders.Status("A").UidValidity;
        f.Folders.Delete("A");
        f.Folders.Create("A");
        uint second = f.Folders.Status("A").UidValidity;
        f.Folders.Create("B");
        uint third = f.Folders.Status("B").UidValidity;

        Assert.True(first < second && second < third, $"{first} {second} {third}");
    }
}

public sealed class DovecotImportTests : IDisposable
{
    private readonly IndexFixture f = new();

    public void Dispose() => f.Dispose();

    [Fact]
    public void A_maildir_from_dovecot_keeps_its_uids_and_uidvalidity()
    {
        string cur = Path.Combine(f.Root, "cur");
        File.WriteAllText(Path.Combine(cur, "1600000000.M1P1.old,S=10,W=11:2,S"), "Subject: a\r\n\r\n");
        File.WriteAllText(Path.Combine(cur, "1600000001.M2P1.old,S=10,W=11:2,"), "Subject: b\r\n\r\n");
        File.WriteAllText(Path.Combine(f.Root, "new", "1600000002.M3P1.old"), "Subject: c\r\n\r\n");
        File.WriteAllText(Path.Combine(f.Root, "dovecot-uidlist"),
            "3 V1600000000 N20 G0123456789abcdef0123456789abcdef\n" +
            "7 :1600000000.M1P1.old,S=10,W=11\n" +
            "12 W11 S10 :1600000001.M2P1.old,S=10,W=11\n" +
            "15 :1599999999.M9P1.expunged\n");

        var view = f.Open("INBOX");

        Assert.Equal(1600000000u, view.UidValidity);
        Assert.Equal([7u, 12u, 20u], view.Messages.Select(m => m.Uid));
        Assert.Equal(MessageFlags.Seen, view.Messages[0].Flags);
        Assert.True(view.Messages[2].Recent);
        Assert.Equal(21u, view.UidNext);
        Assert.Equal(22u, f.Append("INBOX", 1) + 1);
    }
}
