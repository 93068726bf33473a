using System.Globalization;

namespace Letterbox.Store.Tests.Index;

public sealed class ConcurrentIndexTests : IDisposable
{
    private readonly IndexFixture f = new();

    public void Dispose() => f.Dispose();

    [Fact]
    public void Two_handles_interleaving_appends_deliveries_and_flag_changes_stay_consistent()
    {
        const int perWriter = 40;
        var handles = new[] { f.Folders, f.SecondHandle() };
        var reported = new System.Collections.Concurrent.ConcurrentDictionary<uint, int>();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();

        var writers = handles.Select((folders, w) => new Thread(() =>
        {
            try
            {
                var view = folders.Open("INBOX");
                for (int i = 0; i < perWriter; i++)
                {
                    int seq = w * 1000 + i;
                    uint uid = folders.Append("INBOX", new MemoryStream(IndexFixture.Message(seq))).Uid;
                    Assert.True(reported.TryAdd(uid, seq), $"UID {uid} reported twice");
                    if (i % 3 == 0)
                    {
                        f.Deliver(seq + 500);
                    }
                    view.Sync();
                    // Flag every message this writer appended with its own keyword-free flag.
                    view.SetFlags([uid], FlagOperation.Add, w == 0 ? MessageFlags.Seen : MessageFlags.Flagged);
                    if (i % 5 == 0 && view.Messages.Count > 0)
                    {
                        view.SetFlags([view.Messages[0].Uid], FlagOperation.Add, MessageFlags.Answered);
                    }
                }
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })).ToList();
        writers.ForEach(t => t.Start());
        writers.ForEach(t => t.Join());

        Assert.Empty(failures);
        var final = f.Folders.Open("INBOX");
        var uids = final.Messages.Select(m => m.Uid).ToList();
        Assert.Equal(uids.Order(), uids);
        Assert.Equal(uids.Count, uids.Distinct().Count());
        Assert.Equal(2 * perWriter + 2 * ((perWriter + 2) / 3), final.Messages.Count);
        foreach (var (uid, seq) in reported)
        {
            var message = final.Find(uid);
            Assert.NotNull(message);
            Assert.Equal(seq, IndexFixture.SeqOf(message.Path));
            Assert.True((message.Flags & (seq < 1000 ? MessageFlags.Seen : MessageFlags.Flagged)) != 0);
        }
        ulong modseq = 0;
        Assert.All(final.Messages, m => modseq = Math.Max(modseq, m.ModSeq));
        Assert.Equal(final.HighestModSeq, modseq);
    }

    [Fact]
    public async Task A_second_process_appending_while_this_one_stores_and_expunges_loses_nothing()
    {
        const int count = 60;
        f.Append("INBOX", 99999);
        using var helper = HelperProcess.Start("index-append", f.Store.DataDirectory, f.Alice.Address, count.ToString(CultureInfo.InvariantCulture));
        var stderr = helper.StandardError.ReadToEndAsync();
        var view = f.Folders.Open("INBOX");
        var local = new Dictionary<uint, int>();
        for (int i = 0; i < count; i++)
        {
            uint uid = f.Append("INBOX", 10000 + i);
            local[uid] = 10000 + i;
            view.Sync();
            view.SetFlags(view.Messages.Select(m => m.Uid).ToList(), FlagOperation.Add, MessageFlags.Seen);
            if (i == count / 2)
            {
                view.SetFlags([1u], FlagOperation.Add, MessageFlags.Deleted);
                Assert.Equal([1u], view.Expunge().Expunged);
            }
        }
        var remote = new Dictionary<uint, int>();
        while (helper.StandardOutput.ReadLine() is string line)
        {
            string[] parts = line.Split(' ');
            remote[uint.Parse(parts[0], CultureInfo.InvariantCulture)] = int.Parse(parts[1], CultureInfo.InvariantCulture);
        }
        await helper.WaitForExitAsync();
        Assert.True(helper.ExitCode == 0, await stderr);

        Assert.Equal(count, remote.Count);
        Assert.Empty(remote.Keys.Intersect(local.Keys));
        var final = f.Folders.Open("INBOX");
        Assert.Equal(2 * count, final.Messages.Count);
        foreach (var (uid, seq) in remote.Concat(local))
        {
            Assert.Equal(seq, IndexFixture.SeqOf(final.Find(uid)!.Path));
        }
        Assert.Equal([], view.Sync().Expunged);
    }
}

/// <summary>The helper process's side of <see cref="ConcurrentIndexTests"/>: appends, printing "uid seq" for each.</summary>
public static class IndexHelper
{
    public static void Append(string data, string address, int count)
    {
        var accounts = AccountStore.Open(data, TestStore.Options());
        var folders = new MailFolders(accounts, accounts.FindUser(address)!.Mailbox);
        var view = folders.Open("INBOX", FolderAccess.Examine);
        for (int i = 0; i < count; i++)
        {
            uint uid = folders.Append("INBOX", new MemoryStream(IndexFixture.Message(20000 + i)), MessageFlags.Flagged).Uid;
            view.Sync();
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{uid} {20000 + i}"));
            Console.Out.Flush();
        }
    }
}
