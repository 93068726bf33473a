using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Letterbox.Store;

namespace Letterbox.Delivery.Queue;

/// <summary>
/// The durable outbound queue under <c>&lt;data&gt;/queue/</c>:
/// <list type="bullet">
/// <item><c>msg/&lt;id&gt;</c>: the message bytes as they will be sent (signatures and trace headers included), never changed;</item>
/// <item><c>env/&lt;id&gt;.json</c>: the envelope and per-recipient state (<see cref="Envelope"/>), rewritten by rename;</item>
/// <item><c>tmp/</c>: files being written; <c>flush</c>: a request to try everything now.</item>
/// </list>
/// The envelope is the commit point: both files are written and fsynced under <c>tmp/</c>, the message
/// is renamed into <c>msg/</c>, then the envelope into <c>env/</c>, and the enqueue returns once both
/// directories are fsynced (one directory fsync serves every enqueue that renamed before it started:
/// <see cref="GroupSync"/>). A crash before that return leaves a whole entry, an orphan message file,
/// or (the two renames reaching the disk out of order) an envelope without its message; the client was
/// not told 250 in those cases, and <see cref="CleanUp"/> removes the halves. Several processes use
/// one queue: the SMTP daemon enqueues, the queue daemon delivers, the CLI lists and deletes. Whoever
/// changes an entry holds its lock (<see cref="TryLock"/>).
/// </summary>
public sealed class OutboundQueue
{
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = PrivateFile | UnixFileMode.UserExecute;

    private readonly GroupSync messageSync;
    private readonly GroupSync envelopeSync;

    /// <summary>Opens (and creates, mode 0700) the queue of a data directory.</summary>
    public OutboundQueue(string dataDirectory)
    {
        Root = Path.Combine(Path.GetFullPath(dataDirectory), "queue");
        messageSync = new GroupSync(MessageDirectory);
        envelopeSync = new GroupSync(EnvelopeDirectory);
        foreach (var dir in new[] { Root, TmpDirectory, MessageDirectory, EnvelopeDirectory, LockDirectory })
        {
            if (!System.IO.Directory.Exists(dir))
            {
                System.IO.Directory.CreateDirectory(dir, PrivateDirectory);
                Durable.FsyncDirectory(Path.GetDirectoryName(dir)!);
            }
        }
    }

    /// <summary><c>&lt;data&gt;/queue</c>.</summary>
    public string Root { get; }

    internal string TmpDirectory => Path.Combine(Root, "tmp");
    internal string MessageDirectory => Path.Combine(Root, "msg");
    internal string LockDirectory => Path.Combine(Root, "lock");

    /// <summary>Where envelopes are: the queue daemon watches it to learn of new mail at once.</summary>
    public string EnvelopeDirectory => Path.Combine(Root, "env");

    /// <summary>The file whose presence asks the runner to try every entry now (`letterbox queue flush`).</summary>
    public string FlushRequestPath => Path.Combine(Root, "flush");

    /// <summary>The message file of an entry.</summary>
    public string MessagePath(string id) => Path.Combine(MessageDirectory, CheckId(id));

    private string EnvelopePath(string id) => Path.Combine(EnvelopeDirectory, CheckId(id) + ".json");

    /// <summary>
    /// Writes <paramref name="prefix"/> (extra header lines, already CRLF-terminated) followed by the bytes of
    /// <paramref name="bodyFile"/> into the queue, fsyncs file and directory, and only then returns the queue
    /// id: the caller may answer 250 once this returns.
    /// </summary>
    public Task<string> EnqueueAsync(string envelopeFrom, IReadOnlyList<string> recipients, ReadOnlyMemory<byte> prefix,
        string bodyFile, string? submittedBy, CancellationToken ct) =>
        EnqueueAsync(envelopeFrom, recipients, prefix, bodyFile, submittedBy, DateTimeOffset.UtcNow, ct);

    internal async Task<string> EnqueueAsync(string envelopeFrom, IReadOnlyList<string> recipients, ReadOnlyMemory<byte> prefix,
        string bodyFile, string? submittedBy, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(envelopeFrom);
        ArgumentNullException.ThrowIfNull(recipients);
        if (recipients.Count == 0)
            throw new ArgumentException("a queued message needs at least one recipient", nameof(recipients));
        string id = NewId(now);
        string tmpMessage = Path.Combine(TmpDirectory, id + ".msg");
        string tmpEnvelope = Path.Combine(TmpDirectory, id + ".json");
        long size;
        try
        {
            await using (var output = new FileStream(tmpMessage, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = PrivateFile,
                BufferSize = 64 * 1024,
                Options = FileOptions.Asynchronous,
            }))
            {
                await output.WriteAsync(prefix, ct);
                await using (var input = new FileStream(bodyFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan))
                    await input.CopyToAsync(output, ct);
                await output.FlushAsync(ct);
                output.Flush(flushToDisk: true);
                size = output.Length;
            }
            var envelope = new Envelope
            {
                Id = id,
                From = envelopeFrom,
                SubmittedBy = submittedBy,
                Created = now,
                NextAttempt = now,
                Size = size,
                Recipients = recipients.Distinct(StringComparer.OrdinalIgnoreCase)
                    .Select(r => new QueuedRecipient { Address = r }).ToList(),
            };
            WriteEnvelope(tmpEnvelope, envelope);
            // Message first, then the envelope that makes it an entry: in this order, no other process
            // ever sees an envelope whose message is missing.
            File.Move(tmpMessage, MessagePath(id));
            File.Move(tmpEnvelope, EnvelopePath(id));
            await Task.WhenAll(messageSync.SyncAsync(), envelopeSync.SyncAsync());
        }
        catch
        {
            TryDelete(tmpMessage);
            TryDelete(tmpEnvelope);
            TryDelete(EnvelopePath(id));
            TryDelete(MessagePath(id));
            throw;
        }
        return id;
    }

    /// <summary>Every entry's envelope, oldest first. Entries removed while listing are skipped.</summary>
    public IReadOnlyList<Envelope> List()
    {
        var list = new List<Envelope>();
        foreach (var path in System.IO.Directory.EnumerateFiles(EnvelopeDirectory, "*.json"))
        {
            var envelope = Read(Path.GetFileNameWithoutExtension(path));
            if (envelope is not null)
                list.Add(envelope);
        }
        return list.OrderBy(e => e.Created).ThenBy(e => e.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>The ids of every entry, without reading them.</summary>
    public IReadOnlyList<string> Ids() =>
        System.IO.Directory.EnumerateFiles(EnvelopeDirectory, "*.json").Select(Path.GetFileNameWithoutExtension).OfType<string>().ToList();

    /// <summary>
    /// One entry's envelope, or null when there is no such entry. An envelope that cannot be read
    /// (it is only ever replaced by rename, so this takes a damaged disk or a hand edit) is moved
    /// aside to <c>env/&lt;id&gt;.json.damaged</c> for a person to look at, and is no entry any more:
    /// one bad file must not stop the queue.
    /// </summary>
    public Envelope? Read(string id)
    {
        if (!IsValidId(id))
            return null;
        string path = EnvelopePath(id);
        try
        {
            using var stream = File.OpenRead(path);
            var envelope = JsonSerializer.Deserialize(stream, QueueJson.Default.Envelope);
            if (envelope is { Id: var stored, Recipients.Count: > 0 } && stored == id)
                return envelope;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException)
        {
        }
        try
        {
            File.Move(path, path + ".damaged", overwrite: true);
        }
        catch (IOException)
        {
        }
        return null;
    }

    /// <summary>Writes the envelope durably: temp file, fsync, rename over the old one, fsync of env/.</summary>
    public void Save(Envelope envelope)
    {
        string tmp = Path.Combine(TmpDirectory, envelope.Id + ".json." + RandomNumberGenerator.GetHexString(6, lowercase: true));
        try
        {
            WriteEnvelope(tmp, envelope);
            File.Move(tmp, EnvelopePath(envelope.Id), overwrite: true);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
        Durable.FsyncDirectory(EnvelopeDirectory);
    }

    private static void WriteEnvelope(string path, Envelope envelope)
    {
        using var output = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = PrivateFile,
        });
        JsonSerializer.Serialize(output, envelope, QueueJson.Default.Envelope);
        output.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Takes the entry's lock (an exclusive flock on <c>lock/&lt;id&gt;</c>: the message file cannot carry
    /// it, because .NET's shared flock on every other open of it would then conflict), or returns null
    /// when another process or task holds it, or the entry is gone. Dispose to release.
    /// </summary>
    public IDisposable? TryLock(string id)
    {
        if (!File.Exists(MessagePath(id)))
            return null;
        try
        {
            return new FileStream(Path.Combine(LockDirectory, CheckId(id)), new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None, // .NET takes flock(LOCK_EX|LOCK_NB) for this
                UnixCreateMode = PrivateFile,
            });
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the entry's lock.</summary>
    public async Task<IDisposable?> LockAsync(string id, TimeSpan timeout, CancellationToken ct)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var held = TryLock(id);
            if (held is not null || DateTime.UtcNow >= until || !File.Exists(MessagePath(id)))
                return held;
            await Task.Delay(100, ct);
        }
    }

    /// <summary>Removes an entry (envelope first, so it stops being an entry at once). Hold its lock.</summary>
    public void Remove(string id)
    {
        TryDelete(EnvelopePath(id));
        Durable.FsyncDirectory(EnvelopeDirectory);
        TryDelete(MessagePath(id));
        TryDelete(Path.Combine(LockDirectory, id));
    }

    /// <summary>
    /// Removes an entry that the runner finished (every recipient delivered, or failed with the DSN
    /// queued), without waiting for the removal to reach the disk: a power cut right after may bring
    /// the entry back and send it again, which is the duplicate RFC 5321 §6.1 accepts when the
    /// remote's 250 is lost, and the price of one directory fsync fewer per message. A half-done
    /// removal (envelope back, message gone) is removed by <see cref="CleanUp"/>. Hold its lock.
    /// </summary>
    public void RemoveFinished(string id)
    {
        TryDelete(EnvelopePath(id));
        TryDelete(MessagePath(id));
        TryDelete(Path.Combine(LockDirectory, id));
    }

    /// <summary>Asks the runner to try every entry now.</summary>
    public void RequestFlush()
    {
        File.WriteAllText(FlushRequestPath, "");
    }

    /// <summary>
    /// Removes what crashes leave: message files without an envelope and temp files, once older than
    /// <paramref name="minAge"/> (so an enqueue in progress in another process is not disturbed), and
    /// envelopes without a message at any age (an enqueue renames the message first, so only a crash
    /// leaves one: see the class summary and <see cref="RemoveFinished"/>).
    /// </summary>
    public int CleanUp(TimeSpan minAge)
    {
        var cutoff = DateTime.UtcNow - minAge;
        int removed = 0;
        foreach (var path in System.IO.Directory.EnumerateFiles(TmpDirectory))
        {
            if (File.GetLastWriteTimeUtc(path) < cutoff && TryDelete(path))
                removed++;
        }
        foreach (var path in System.IO.Directory.EnumerateFiles(LockDirectory))
        {
            string id = Path.GetFileName(path);
            if (IsValidId(id) && !File.Exists(MessagePath(id)) && File.GetLastWriteTimeUtc(path) < cutoff)
                TryDelete(path);
        }
        foreach (var path in System.IO.Directory.EnumerateFiles(EnvelopeDirectory, "*.json"))
        {
            string id = Path.GetFileNameWithoutExtension(path);
            if (IsValidId(id) && !File.Exists(MessagePath(id)) && TryDelete(path))
                removed++;
        }
        foreach (var path in System.IO.Directory.EnumerateFiles(MessageDirectory))
        {
            string id = Path.GetFileName(path);
            if (IsValidId(id) && !File.Exists(EnvelopePath(id)) && File.GetLastWriteTimeUtc(path) < cutoff && TryDelete(path))
                removed++;
        }
        return removed;
    }

    /// <summary>Time-ordered and unguessable: yyMMddHHmmss then 10 random hex digits.</summary>
    private static string NewId(DateTimeOffset now) =>
        now.UtcDateTime.ToString("yyMMddHHmmss", CultureInfo.InvariantCulture) + RandomNumberGenerator.GetHexString(10, lowercase: true);

    /// <summary>Ids come from the CLI too: only the characters we generate, so an id can never name another path.</summary>
    public static bool IsValidId(string id) =>
        id.Length is > 0 and <= 64 && id.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'z' or '-');

    private static string CheckId(string id) =>
        IsValidId(id) ? id : throw new ArgumentException($"not a queue id: {id}", nameof(id));

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
