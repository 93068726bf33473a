using System.Text;
using Letterbox.Delivery.Queue;
using Letterbox.Delivery.Tests.Support;

namespace Letterbox.Delivery.Tests.Queue;

/// <summary>The queue on disk: what EnqueueAsync leaves behind, and what survives a crash half-way.</summary>
public sealed class OutboundQueueTests : IDisposable
{
    private readonly TempDir data = new();

    public void Dispose() => data.Dispose();

    [Fact]
    public async Task Enqueue_writes_prefix_then_body_and_an_envelope_with_every_recipient_pending()
    {
        var queue = new OutboundQueue(data.Path);
        File.WriteAllText(data.File("body"), "Subject: hi\r\n\r\nbody\r\n");
        var id = await queue.EnqueueAsync("demo@example.test", ["a@remote.test", "B@remote.test", "a@remote.test"],
            "X-Test: 1\r\n"u8.ToArray(), data.File("body"), "demo@example.test", CancellationToken.None);

        Assert.True(OutboundQueue.IsValidId(id));
        Assert.Equal("X-Test: 1\r\nSubject: hi\r\n\r\nbody\r\n", File.ReadAllText(queue.MessagePath(id)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(queue.MessagePath(id)));
        var envelope = new OutboundQueue(data.Path).Read(id)!;
        Assert.Equal("demo@example.test", envelope.From);
        Assert.Equal("demo@example.test", envelope.SubmittedBy);
        Assert.Equal(["a@remote.test", "B@remote.test"], envelope.Recipients.Select(r => r.Address));
        Assert.All(envelope.Recipients, r => Assert.Equal(RecipientState.Pending, r.State));
        Assert.Equal(new FileInfo(queue.MessagePath(id)).Length, envelope.Size);
        Assert.Single(queue.List());
        Assert.Empty(Directory.GetFiles(Path.Combine(queue.Root, "tmp")));
        Assert.Contains("\"state\": \"Pending\"", File.ReadAllText(Path.Combine(queue.EnvelopeDirectory, id + ".json")));
    }

    [Fact]
    public async Task A_message_file_without_an_envelope_is_not_an_entry_and_is_cleaned_up()
    {
        var queue = new OutboundQueue(data.Path);
        // What a crash between the two renames leaves.
        File.WriteAllText(queue.MessagePath("261125000000deadbeef00"), "orphan");
        File.WriteAllText(Path.Combine(queue.Root, "tmp", "x.msg"), "half-written");
        Assert.Empty(queue.List());
        Assert.Equal(0, queue.CleanUp(TimeSpan.FromHours(1))); // young files: maybe an enqueue in progress
        Assert.Equal(2, queue.CleanUp(TimeSpan.Zero));
        File.WriteAllText(data.File("body"), "x");
        await queue.EnqueueAsync("", ["a@remote.test"], default, data.File("body"), null, CancellationToken.None);
        Assert.Equal(0, queue.CleanUp(TimeSpan.Zero));
        Assert.Single(queue.List());
    }

    [Fact]
    public async Task An_envelope_whose_message_is_gone_is_removed_by_the_clean_up_at_any_age()
    {
        var queue = new OutboundQueue(data.Path);
        File.WriteAllText(data.File("body"), "x");
        var kept = await queue.EnqueueAsync("a@example.test", ["b@remote.test"], default, data.File("body"), null, CancellationToken.None);
        var half = await queue.EnqueueAsync("a@example.test", ["b@remote.test"], default, data.File("body"), null, CancellationToken.None);
        // What a power cut can leave of a removal that was not yet durable, or of an enqueue whose
        // two renames reached the disk out of order (the client was not told 250 then).
        File.Delete(queue.MessagePath(half));

        Assert.Equal(1, queue.CleanUp(TimeSpan.FromHours(1)));
        Assert.Equal([kept], queue.Ids());
        Assert.NotNull(queue.Read(kept));
    }

    [Fact]
    public async Task Concurrent_enqueues_share_directory_syncs_and_each_leaves_a_whole_entry()
    {
        var queue = new OutboundQueue(data.Path);
        File.WriteAllText(data.File("body"), "Subject: many\r\n\r\nbody\r\n");
        var ids = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() =>
            queue.EnqueueAsync("a@example.test", [$"r{i}@remote.test"], Encoding.ASCII.GetBytes($"X-N: {i}\r\n"), data.File("body"), null, CancellationToken.None))));

        Assert.Equal(64, ids.Distinct().Count());
        Assert.Equal(ids.Order(), queue.Ids().Order());
        for (int i = 0; i < ids.Length; i++)
        {
            Assert.Equal($"X-N: {i}\r\nSubject: many\r\n\r\nbody\r\n", File.ReadAllText(queue.MessagePath(ids[i])));
            Assert.Equal($"r{i}@remote.test", Assert.Single(queue.Read(ids[i])!.Recipients).Address);
        }
        Assert.Empty(Directory.GetFiles(Path.Combine(queue.Root, "tmp")));
        Assert.Equal(0, queue.CleanUp(TimeSpan.Zero));
    }

    [Fact]
    public async Task A_finished_entry_is_removed_whole()
    {
        var queue = new OutboundQueue(data.Path);
        File.WriteAllText(data.File("body"), "x");
        var id = await queue.EnqueueAsync("a@example.test", ["b@remote.test"], default, data.File("body"), null, CancellationToken.None);
        using (queue.TryLock(id))
            queue.RemoveFinished(id);
        Assert.Empty(queue.Ids());
        Assert.False(File.Exists(queue.MessagePath(id)));
        Assert.Empty(Directory.GetFiles(Path.Combine(queue.Root, "lock")));
    }

    [Fact]
    public async Task An_entry_is_locked_against_a_second_holder_and_removed_whole()
    {
        var queue = new OutboundQueue(data.Path);
        File.WriteAllText(data.File("body"), "x");
        var id = await queue.EnqueueAsync("a@example.test", ["b@remote.test"], default, data.File("body"), null, CancellationToken.None);
        using (var held = queue.TryLock(id))
        {
            Assert.NotNull(held);
            Assert.Null(queue.TryLock(id));
        }
        using (queue.TryLock(id))
            queue.Remove(id);
        Assert.Null(queue.Read(id));
        Assert.False(File.Exists(queue.MessagePath(id)));
        Assert.Empty(queue.List());
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"id\": \"other\", \"from\": \"\", \"recipients\": [{\"address\": \"a@b.test\"}]}")]
    [InlineData("{\"id\": 5}")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{\"id\": \"ID\", \"from\": \"\", \"recipients\": []}")]
    public async Task A_damaged_envelope_is_set_aside_and_the_rest_of_the_queue_still_works(string content)
    {
        var queue = new OutboundQueue(data.Path);
        File.WriteAllText(data.File("body"), "x");
        var good = await queue.EnqueueAsync("a@example.test", ["b@remote.test"], default, data.File("body"), null, CancellationToken.None);
        var bad = await queue.EnqueueAsync("a@example.test", ["b@remote.test"], default, data.File("body"), null, CancellationToken.None);
        var path = Path.Combine(queue.EnvelopeDirectory, bad + ".json");
        File.WriteAllText(path, content.Replace("ID", bad));

        Assert.Equal([good], queue.List().Select(e => e.Id));
        Assert.Null(queue.Read(bad));
        Assert.True(File.Exists(path + ".damaged"));
        Assert.Equal([good], queue.Ids());
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("ABC")]
    [InlineData("")]
    public void Ids_from_outside_cannot_name_other_files(string id)
    {
        var queue = new OutboundQueue(data.Path);
        Assert.False(OutboundQueue.IsValidId(id));
        Assert.Null(queue.Read(id));
        Assert.Throws<ArgumentException>(() => queue.MessagePath(id));
    }

    [Fact]
    public async Task Enqueue_without_recipients_or_with_a_missing_body_leaves_nothing()
    {
        var queue = new OutboundQueue(data.Path);
        await Assert.ThrowsAsync<ArgumentException>(() => queue.EnqueueAsync("a@b.test", [], default, data.File("none"), null, CancellationToken.None));
        await Assert.ThrowsAsync<FileNotFoundException>(() => queue.EnqueueAsync("a@b.test", ["c@d.test"], Encoding.ASCII.GetBytes("X: y\r\n"), data.File("none"), null, CancellationToken.None));
        Assert.Empty(queue.List());
        Assert.Empty(Directory.GetFiles(Path.Combine(queue.Root, "msg")));
        Assert.Empty(Directory.GetFiles(Path.Combine(queue.Root, "tmp")));
    }
}
