using System.Text.RegularExpressions;

namespace Letterbox.Store.Tests;

public sealed class DeliveryTests : IDisposable
{
    private readonly TestStore store = new();

    public void Dispose() => store.Dispose();

    private static byte[] RandomMessage(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Puts a file where new/ should be (read-only would not stop root); returns its path.</summary>
    private static string BreakNewDirectory(Mailbox mailbox)
    {
        string path = Path.Combine(mailbox.Directory, "new");
        Directory.Delete(path);
        File.WriteAllText(path, "in the way");
        return path;
    }

    [Fact]
    public async Task The_bytes_in_new_are_the_bytes_written()
    {
        var mailbox = store.User("alice@example.com");
        byte[] content = RandomMessage(200_003);

        using (var message = store.Mail.BeginMessage(1_000_000))
        {
            // Odd-sized writes, sync and async, as a network reader would produce.
            int offset = 0;
            for (int chunk = 1; offset < content.Length; chunk = chunk * 3 % 8191 + 1)
            {
                int n = Math.Min(chunk, content.Length - offset);
                if (chunk % 2 == 0)
                {
                    await message.Body.WriteAsync(content.AsMemory(offset, n));
                }
                else
                {
                    message.Body.Write(content, offset, n);
                }
                offset += n;
            }
            Assert.Equal(content.Length, message.Length);
            Assert.False(message.TooLarge);
            Assert.Single(store.SpoolFiles());

            message.Commit([mailbox]);
        }

        string file = Assert.Single(TestStore.Files(mailbox, "new"));
        Assert.Equal(content, File.ReadAllBytes(file));
        Assert.Matches(new Regex(@"^\d+\.M\d{1,6}P\d+Q\d+\.[^/]+,S=200003$"), Path.GetFileName(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Empty(TestStore.Files(mailbox, "tmp"));
        Assert.Empty(TestStore.Files(mailbox, "cur"));
        Assert.Empty(store.SpoolFiles());
        Assert.Equal(200_003, store.Accounts.FindUser("alice@example.com")!.UsageBytes);
    }

    [Fact]
    public void Several_recipients_share_one_inode()
    {
        var alice = store.User("alice@example.com");
        var bob = store.User("bob@example.com");
        var carol = store.User("carol@example.net");
        byte[] content = RandomMessage(10_000);

        store.Deliver(content, alice, bob, carol, bob);

        string[] files = [.. new[] { alice, bob, carol }.Select(m => Assert.Single(TestStore.Files(m, "new")))];
        string inodes = TestStore.Run("stat", ["-c", "%i %h", .. files]);
        string[] lines = inodes.Trim().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Single(lines.Distinct());
        Assert.EndsWith(" 3", lines[0]); // three links, the spool file's own name is gone
        Assert.All(files, f => Assert.Equal(content, File.ReadAllBytes(f)));
    }

    [Fact]
    public void The_size_limit_is_enforced_while_bytes_arrive()
    {
        var mailbox = store.User("alice@example.com");
        using var message = store.Mail.BeginMessage(1000);

        message.Body.Write(new byte[600]);
        Assert.False(message.TooLarge);
        message.Body.Write(new byte[400]);
        Assert.False(message.TooLarge); // exactly the limit is fine
        message.Body.Write(new byte[1]);
        Assert.True(message.TooLarge);
        message.Body.Write(new byte[100_000]); // the rest of DATA is read and discarded

        Assert.Equal(101_001, message.Length);
        Assert.Equal(0, new FileInfo(Assert.Single(store.SpoolFiles())).Length);
        var e = Assert.Throws<DeliveryException>(() => message.Commit([mailbox]));
        Assert.Equal(DeliveryFailure.TooLarge, e.Reason);
        Assert.True(e.Permanent);
        Assert.Empty(TestStore.Files(mailbox, "new"));

        message.Abort();
        Assert.Empty(store.SpoolFiles());
    }

    [Fact]
    public void Abort_and_dispose_leave_nothing()
    {
        var mailbox = store.User("alice@example.com");

        var aborted = store.Mail.BeginMessage(1000);
        aborted.Body.Write(new byte[500]);
        aborted.Abort();
        aborted.Abort();
        using (var disposed = store.Mail.BeginMessage(1000))
        {
            disposed.Body.Write(new byte[500]);
        }

        Assert.Empty(store.SpoolFiles());
        Assert.Empty(TestStore.Files(mailbox, "new"));
        Assert.Empty(TestStore.Files(mailbox, "tmp"));
        Assert.Throws<InvalidOperationException>(() => aborted.Commit([mailbox]));
    }

    [Fact]
    public void A_failure_midway_takes_back_every_copy_and_throws()
    {
        var alice = store.User("alice@example.com");
        var bob = store.User("bob@example.com");
        var carol = store.User("carol@example.com");
        string bobNew = BreakNewDirectory(bob);
        using var message = store.Mail.BeginMessage(10_000);
        message.Body.Write(RandomMessage(5000));

        var e = Assert.Throws<DeliveryException>(() => message.Commit([alice, bob, carol]));

        Assert.Equal(DeliveryFailure.Storage, e.Reason);
        Assert.False(e.Permanent);
        foreach (var mailbox in new[] { alice, carol })
        {
            Assert.Empty(TestStore.Files(mailbox, "new"));
            Assert.Empty(TestStore.Files(mailbox, "tmp"));
        }
        Assert.Empty(TestStore.Files(bob, "tmp"));
        Assert.Equal("in the way", File.ReadAllText(bobNew));
        Assert.Equal(0, store.Accounts.RecountUsage("alice@example.com"));

        // Still spooled: the server answers 451 and aborts (or could retry).
        Assert.Single(store.SpoolFiles());
        message.Abort();
        Assert.Empty(store.SpoolFiles());
    }

    [Fact]
    public void A_failed_commit_can_be_retried_once_the_cause_is_gone()
    {
        var alice = store.User("alice@example.com");
        var bob = store.User("bob@example.com");
        string bobNew = BreakNewDirectory(bob);
        using var message = store.Mail.BeginMessage(10_000);
        message.Body.Write(RandomMessage(5000));
        Assert.Throws<DeliveryException>(() => message.Commit([alice, bob]));

        File.Delete(bobNew);
        message.Commit([alice, bob]);

        Assert.Single(TestStore.Files(alice, "new"));
        Assert.Single(TestStore.Files(bob, "new"));
        Assert.Throws<InvalidOperationException>(() => message.Commit([alice]));
    }

    [Fact]
    public void A_mailbox_whose_directory_vanished_is_recreated()
    {
        var alice = store.User("alice@example.com");
        Directory.Delete(alice.Directory, recursive: true);

        store.Deliver("Subject: x\r\n\r\nbody\r\n"u8.ToArray(), alice);

        Assert.Single(TestStore.Files(alice, "new"));
    }

    [Fact]
    public void Many_deliveries_get_distinct_names()
    {
        var alice = store.User("alice@example.com");
        var bob = store.User("bob@example.com");

        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => store.Deliver(HelperProcess.NumberedMessage(i), alice, bob));

        foreach (var mailbox in new[] { alice, bob })
        {
            string[] files = TestStore.Files(mailbox, "new");
            Assert.Equal(200, files.Length);
            var seqs = files.Select(f => File.ReadLines(f).First()).ToHashSet();
            Assert.Equal(200, seqs.Count);
        }
        Assert.Empty(store.SpoolFiles());
    }

    [Fact]
    public void A_commit_to_no_mailbox_just_drops_the_spool_file()
    {
        using var message = store.Mail.BeginMessage(100);
        message.Body.Write(new byte[10]);

        message.Commit([]);

        Assert.Empty(store.SpoolFiles());
    }

    [Fact]
    public void The_spooled_message_can_be_read_back_before_commit()
    {
        using var message = store.Mail.BeginMessage(100);
        message.Body.Write("Subject: x\r\n"u8);

        using var reader = new StreamReader(message.OpenRead());

        Assert.Equal("Subject: x\r\n", reader.ReadToEnd());
    }

    /// <summary>
    /// The crash-safety invariant, checked the way it is built: a file reaches new/ only by rename
    /// from tmp/ after its data is fsynced, so no moment exists in which new/ holds a partial file.
    /// A helper process delivers continuously and is killed with SIGKILL at an arbitrary point;
    /// every file then in new/ must be a whole message.
    /// </summary>
    [Fact]
    public void A_delivery_process_killed_midway_leaves_only_whole_messages_in_new()
    {
        var alice = store.User("alice@example.com");
        var bob = store.User("bob@example.com");

        using var helper = HelperProcess.Start("deliver-forever", store.DataDirectory, alice.Address, bob.Address);
        int committed = -1;
        var guard = DateTime.UtcNow.AddMinutes(2); // only a guard against a hung helper, not a timing assertion
        while (committed < 30 && DateTime.UtcNow < guard)
        {
            string? line = helper.StandardOutput.ReadLine();
            if (line is null)
            {
                Assert.Fail($"helper ended early: {helper.StandardError.ReadToEnd()}");
            }
            committed = int.Parse(line);
        }
        helper.Kill(); // SIGKILL
        helper.WaitForExit();

        foreach (var mailbox in new[] { alice, bob })
        {
            string[] files = TestStore.Files(mailbox, "new");
            Assert.True(files.Length >= 31, $"{files.Length} files");
            foreach (string file in files)
            {
                byte[] content = File.ReadAllBytes(file);
                int seq = int.Parse(File.ReadLines(file).First()["X-Seq: ".Length..]);
                Assert.Equal(HelperProcess.NumberedMessage(seq), content);
                Assert.Equal(content.Length, MaildirName.SizeOf(Path.GetFileName(file)));
            }
        }
    }
}
