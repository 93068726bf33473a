namespace Letterbox.Store;

/// <summary>
/// One message on its way in: spooled once to <c>&lt;data&gt;/spool/tmp/</c> as the SMTP server writes
/// <see cref="Body"/>, then either committed to every recipient's mailbox or aborted. Disposing an
/// uncommitted message aborts it. Not thread-safe: one session owns it.
/// </summary>
/// <remarks>
/// Nothing is added to the bytes (no Return-Path or Delivered-To): every recipient gets a hard link
/// of the one spooled file, which per-recipient headers would rule out. The SMTP server adds its
/// Received header (and Return-Path, if wanted) before writing the body. Bytes are stored exactly
/// as written, line endings included.
/// </remarks>
public sealed class IncomingMessage : IDisposable
{
    private enum State { Open, Committed, Aborted }

    private readonly AccountStore accounts;
    private readonly FileStream file;
    private readonly SpoolStream body;
    private readonly Mailbox? direct;
    private readonly int directHeaderLength;
    private State state;

    internal IncomingMessage(AccountStore accounts, string spoolPath, long maxBytes, Mailbox? direct = null, ReadOnlySpan<byte> header = default)
    {
        this.accounts = accounts;
        this.direct = direct;
        SpoolPath = spoolPath;
        MaxBytes = maxBytes;
        file = new FileStream(spoolPath, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read,
            BufferSize = 64 * 1024,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        // The per-recipient header goes to the file itself, outside the body's byte limit.
        file.Write(header);
        directHeaderLength = header.Length;
        body = new SpoolStream(file, maxBytes);
    }

    /// <summary>Where the message is written: write-only, not seekable. Disposing it only ends writing.</summary>
    public Stream Body => body;

    /// <summary>The byte limit given to <see cref="MailStore.BeginMessage"/>.</summary>
    public long MaxBytes { get; }

    /// <summary>Bytes written to <see cref="Body"/> so far, counting those past the limit.</summary>
    public long Length => body.Received;

    /// <summary>
    /// True once more than <see cref="MaxBytes"/> bytes were written: the rest is discarded and the
    /// spool file emptied; read the client's data to its end, then answer 552 5.3.4 (RFC 5321 §4.5.3.1.10).
    /// </summary>
    public bool TooLarge => body.TooLarge;

    /// <summary>The file being written: the spool file, or the mailbox's tmp/ file of a one-recipient delivery.
    /// Read it (e.g. to queue a copy) before <see cref="Commit"/>, which removes or renames it.</summary>
    public string SpoolPath { get; }

    /// <summary>Reads back what was spooled so far (for checks before commit, or a copy for the queue).</summary>
    public Stream OpenRead()
    {
        ThrowIfDone();
        file.Flush();
        return new FileStream(SpoolPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
    }

    /// <summary>
    /// Delivers the message to every mailbox (duplicates ignored) and returns only when it is on disk
    /// in each: the spool file is fsynced, hard-linked (copied and fsynced across filesystems) into each
    /// mailbox's tmp/ under a unique Maildir name, renamed into new/, and new/ is fsynced. Each
    /// user's counted usage grows by the message size. Quota is checked first.
    /// </summary>
    /// <param name="mailboxes">Where to deliver.</param>
    /// <param name="header">
    /// Per-recipient header lines (Return-Path, Delivered-To) written before the spooled bytes; each
    /// recipient then gets a copy of its own instead of a hard link. Null: hard links, nothing added.
    /// </param>
    /// <exception cref="DeliveryException">
    /// Too large, over quota, or a storage failure. All or nothing: any copy already placed in a new/
    /// is removed again before this is thrown, and the message stays spooled (abort it, or retry).
    /// </exception>
    public void Commit(IReadOnlyList<Mailbox> mailboxes, Func<Mailbox, byte[]>? header = null)
    {
        ArgumentNullException.ThrowIfNull(mailboxes);
        ThrowIfDone();
        if (TooLarge)
        {
            throw new DeliveryException(DeliveryFailure.TooLarge,
                $"message larger than {MaxBytes} bytes", permanent: true);
        }
        var targets = mailboxes.DistinctBy(m => m.Directory).ToList();
        if (direct is not null)
        {
            CommitDirect(targets);
            return;
        }
        long size = Length;
        CheckQuota(targets, size);

        body.Closed = true;
        var placed = new List<string>(targets.Count);
        try
        {
            // Hard links share the spool file's blocks, so it must be on disk first. Copies are
            // fsynced one by one before their rename, and the spool file is deleted after: syncing
            // it too would cost a disk flush per message for nothing.
            if (header is null)
                file.Flush(flushToDisk: true);
            else
                file.Flush();
            var sizes = new Dictionary<Mailbox, long>();
            foreach (var mailbox in targets)
            {
                var prefix = header?.Invoke(mailbox);
                sizes[mailbox] = size + (prefix?.Length ?? 0);
                string newPath = Place(mailbox.Directory, sizes[mailbox], prefix);
                placed.Add(newPath);
                Posix.FsyncDirectory(Path.GetDirectoryName(newPath)!);
            }
            foreach (var mailbox in targets)
            {
                accounts.AddUsageSoon(mailbox.Address, sizes[mailbox]);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Unplace(placed);
            throw new DeliveryException(DeliveryFailure.Storage, $"delivery failed, nothing delivered: {e.Message}", e);
        }
        state = State.Committed;
        file.Dispose();
        TryDelete(SpoolPath);
    }

    /// <summary>
    /// The one-recipient path (<see cref="MailStore.BeginDelivery"/>): the file already sits in the
    /// mailbox's tmp/ with its header, so delivery is an fsync, a rename into new/ and an fsync of new/.
    /// </summary>
    private void CommitDirect(List<Mailbox> targets)
    {
        if (targets.Count != 1 || targets[0].Directory != direct!.Directory)
        {
            throw new InvalidOperationException($"this message was begun for {direct!.Address} alone");
        }
        long size = directHeaderLength + Length;
        CheckQuota(targets, size);
        body.Closed = true;
        string? placed = null;
        try
        {
            file.Flush(flushToDisk: true);
            string maildir = direct.Directory;
            for (int attempt = 0; placed is null; attempt++)
            {
                string newPath = Path.Combine(maildir, "new", MaildirName.Create(size));
                int errno = Posix.TryRenameNoReplace(SpoolPath, newPath);
                if (errno == 0)
                    placed = newPath;
                else if (errno != Posix.EEXIST || attempt == 2)
                    throw Posix.Failure("rename", newPath, errno);
            }
            Posix.FsyncDirectory(Path.GetDirectoryName(placed)!);
            accounts.AddUsageSoon(direct.Address, size);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (placed is not null)
            {
                // Back to tmp/, so the message stays whole for a retry and an abort removes it.
                Posix.TryRenameNoReplace(placed, SpoolPath);
                TryFsync(Path.GetDirectoryName(placed)!);
            }
            throw new DeliveryException(DeliveryFailure.Storage, $"delivery failed, nothing delivered: {e.Message}", e);
        }
        state = State.Committed;
        file.Dispose();
    }

    private static void TryFsync(string directory)
    {
        try
        {
            Posix.FsyncDirectory(directory);
        }
        catch (IOException)
        {
            // Best effort, as in Unplace.
        }
    }

    /// <summary>Drops the message: the spool file is deleted. Does nothing once committed or aborted.</summary>
    public void Abort()
    {
        if (state != State.Open)
        {
            return;
        }
        state = State.Aborted;
        body.Closed = true;
        file.Dispose();
        TryDelete(SpoolPath);
    }

    /// <summary>Aborts the message unless it was committed.</summary>
    public void Dispose() => Abort();

    private void CheckQuota(List<Mailbox> targets, long size)
    {
        List<Mailbox>? over = null;
        bool permanent = false;
        foreach (var mailbox in targets)
        {
            var status = accounts.CheckQuota(mailbox, size);
            if (status != QuotaStatus.Ok)
            {
                (over ??= []).Add(mailbox);
                permanent |= status == QuotaStatus.TooBig;
            }
        }
        if (over is not null)
        {
            throw new DeliveryException(DeliveryFailure.OverQuota,
                $"over quota: {string.Join(", ", over.Select(m => m.Address))}", overQuota: over, permanent: permanent);
        }
    }

    /// <summary>Puts the spooled file into one Maildir: tmp/ first, then a rename into new/.</summary>
    private string Place(string maildir, long size, byte[]? prefix)
    {
        MaildirLayout.EnsureMaildir(maildir);
        for (int attempt = 0; ; attempt++)
        {
            string name = MaildirName.Create(size);
            string tmpPath = Path.Combine(maildir, "tmp", name);
            string newPath = Path.Combine(maildir, "new", name);
            if (prefix is null)
                LinkOrCopy(tmpPath);
            else
                CopyWithPrefix(tmpPath, prefix);
            // Maildir: a file appears in new/ only complete, by rename from tmp/ (never replacing one).
            int errno = Posix.TryRenameNoReplace(tmpPath, newPath);
            if (errno == 0)
            {
                return newPath;
            }
            TryDelete(tmpPath);
            if (errno != Posix.EEXIST || attempt == 2)
            {
                throw Posix.Failure("rename", newPath, errno);
            }
        }
    }

    /// <summary>A copy of the spool file behind per-recipient header lines, fsynced before it is renamed into new/.</summary>
    private void CopyWithPrefix(string tmpPath, byte[] prefix)
    {
        try
        {
            using var source = new FileStream(SpoolPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var copy = new FileStream(tmpPath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                PreallocationSize = prefix.Length + source.Length,
            });
            copy.Write(prefix);
            source.CopyTo(copy);
            copy.Flush(flushToDisk: true);
        }
        catch
        {
            TryDelete(tmpPath);
            throw;
        }
    }

    private void LinkOrCopy(string tmpPath)
    {
        int errno = Posix.TryLink(SpoolPath, tmpPath);
        if (errno == 0)
        {
            return; // same inode as the spool file, whose data is fsynced already
        }
        if (errno is not (Posix.EXDEV or Posix.EPERM))
        {
            throw Posix.Failure("link", tmpPath, errno);
        }
        // Another filesystem (or one without hard links): a real copy, fsynced.
        try
        {
            using var source = new FileStream(SpoolPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var copy = new FileStream(tmpPath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
            source.CopyTo(copy);
            copy.Flush(flushToDisk: true);
        }
        catch
        {
            TryDelete(tmpPath);
            throw;
        }
    }

    private static void Unplace(List<string> placed)
    {
        foreach (string path in placed)
        {
            TryDelete(path);
        }
        foreach (string directory in placed.Select(p => Path.GetDirectoryName(p)!).Distinct())
        {
            try
            {
                Posix.FsyncDirectory(directory);
            }
            catch (IOException)
            {
                // Best effort: the removal is done; only its durability is in doubt.
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Left for MailStore.Maintenance.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private void ThrowIfDone()
    {
        if (state != State.Open)
        {
            throw new InvalidOperationException($"the message is already {state.ToString().ToLowerInvariant()}");
        }
    }
}
