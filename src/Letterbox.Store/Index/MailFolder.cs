using System.Globalization;

namespace Letterbox.Store;

/// <summary>
/// A folder as one session has it open: the session's own view of the messages (its sequence
/// numbers), which changes only when the session asks — <see cref="Sync"/> reports what other
/// sessions and processes did since, and each operation updates the view for what it did
/// itself. Every call works on the folder's shared index under its lock, so any number of
/// views in any number of processes stay consistent. Not thread-safe: one session owns it.
/// </summary>
/// <remarks>
/// Sequence number n is <c>Messages[n - 1]</c>. Use <see cref="MailFolders.Open"/> to get one.
/// </remarks>
public sealed class MailFolder
{
    private readonly MailFolders owner;
    private readonly MaildirFolder folder;
    private List<MessageInfo> messages = [];
    private readonly HashSet<uint> pendingExpunges = [];

    internal MailFolder(MailFolders owner, string name, MaildirFolder folder, FolderAccess access)
    {
        this.owner = owner;
        this.folder = folder;
        Name = name;
        Access = access;
        folder.Update(tx =>
        {
            var claimed = Claim(tx);
            foreach (var entry in tx.Entries)
            {
                messages.Add(tx.Info(entry, IsRecent(tx, entry, claimed)));
            }
            UidValidity = tx.UidValidity;
            Capture(tx);
            return 0;
        });
    }

    /// <summary>The folder's name ('/' between levels).</summary>
    public string Name { get; }

    /// <summary>How it was opened.</summary>
    public FolderAccess Access { get; }

    /// <summary>True when opened with EXAMINE: flags, expunges and moves are refused.</summary>
    public bool ReadOnly => Access == FolderAccess.Examine;

    /// <summary>UIDVALIDITY; constant while the view lives (see <see cref="MailFolderError.Invalidated"/>).</summary>
    public uint UidValidity { get; private set; }

    /// <summary>UIDNEXT as of the last call.</summary>
    public uint UidNext { get; private set; }

    /// <summary>HIGHESTMODSEQ as of the last sync (held back while expunges wait to be reported).</summary>
    public ulong HighestModSeq { get; private set; }

    /// <summary>The session's messages in UID order; sequence number n is index n - 1.</summary>
    public IReadOnlyList<MessageInfo> Messages => messages;

    /// <summary>Messages <c>\Recent</c> for this session (the RECENT response).</summary>
    public int RecentCount => messages.Count(m => m.Recent);

    /// <summary>The keywords defined in this folder (for the FLAGS response).</summary>
    public IReadOnlyList<string> Keywords { get; private set; } = [];

    /// <summary>True while new keywords can be stored (PERMANENTFLAGS then includes <c>\*</c>).</summary>
    public bool CanCreateKeywords { get; private set; }

    /// <summary>The message with <paramref name="uid"/> in the session's view, or null.</summary>
    public MessageInfo? Find(uint uid)
    {
        int index = IndexOf(uid);
        return index < 0 ? null : messages[index];
    }

    /// <summary>The sequence number of <paramref name="uid"/> in the session's view, or 0.</summary>
    public int SequenceOf(uint uid) => IndexOf(uid) + 1;

    /// <summary>
    /// A POP3 UIDL (RFC 1939 §7) for a message: Dovecot's default <c>%08Xu%08Xv</c> (UID, then
    /// UIDVALIDITY, both 8 hex digits), so clients that move between Dovecot and us do not fetch
    /// everything again; stable for as long as the UID is.
    /// </summary>
    public string Uidl(uint uid) => string.Create(CultureInfo.InvariantCulture, $"{uid:X8}{UidValidity:X8}");

    /// <summary>
    /// Catches up with the folder: new files (deliveries into new/, other sessions' APPEND, COPY
    /// and MOVE) get UIDs, flag changes made by other sessions or programs and files that vanished
    /// are found. Call it for NOOP, IDLE and CHECK, and before each command's tagged reply.
    /// With <paramref name="reportExpunges"/> false (during FETCH, STORE and SEARCH, which must
    /// not be answered with EXPUNGE, RFC 3501 §7.4.1) vanished messages stay in the view,
    /// reported by a later call.
    /// </summary>
    /// <param name="reportExpunges">False during FETCH, STORE and SEARCH.</param>
    /// <param name="scan">
    /// False for a quick sync (IMAP after FETCH and SEARCH, as Dovecot's "fast" sync): what other
    /// sessions and processes did through the index, without listing the folder's files, so new
    /// deliveries and changes by other programs wait for the next full sync (NOOP, IDLE, or any
    /// command that changes the folder).
    /// </param>
    /// <exception cref="MailFolderException">The folder was deleted or renamed (<see cref="MailFolderError.NoSuchFolder"/>), or its UIDVALIDITY changed.</exception>
    public FolderChanges Sync(bool reportExpunges = true, bool scan = true)
    {
        Func<FolderTransaction, FolderChanges> body = tx =>
        {
            CheckValidity(tx);
            return Catch(tx, Claim(tx), reportExpunges);
        };
        return scan ? folder.Update(body) : folder.Look(body);
    }

    /// <summary>
    /// STORE (RFC 3501 §6.4.6) with CONDSTORE's UNCHANGEDSINCE (RFC 7162 §3.1.3): changes the
    /// flags and keywords of the messages with the given UIDs by renaming their files. UIDs not in
    /// the session's view, or no longer in the folder, are skipped. The view is updated for the
    /// messages changed.
    /// </summary>
    /// <param name="uids">Messages to change.</param>
    /// <param name="operation">Replace, add or remove.</param>
    /// <param name="flags">System flags.</param>
    /// <param name="keywords">Keywords (atoms, not starting with '\'); null for none.</param>
    /// <param name="unchangedSince">Refuse messages whose MODSEQ is greater (UNCHANGEDSINCE); null for no condition.</param>
    /// <param name="catchUp">
    /// Also catch up with everyone else's changes in the same transaction, as
    /// <see cref="Sync"/>(reportExpunges: false) does, and return them in
    /// <see cref="StoreResult.Changes"/> (IMAP STORE: one lock and one scan instead of two).
    /// Not for POP3, whose maildrop stays as it was at login.
    /// </param>
    /// <exception cref="MailFolderException"><see cref="MailFolderError.KeywordLimit"/> before anything changed, or <see cref="MailFolderError.ReadOnly"/>.</exception>
    public StoreResult SetFlags(IEnumerable<uint> uids, FlagOperation operation, MessageFlags flags,
        IReadOnlyCollection<string>? keywords = null, ulong? unchangedSince = null, bool catchUp = false)
    {
        ArgumentNullException.ThrowIfNull(uids);
        ThrowIfReadOnly();
        keywords ??= [];
        foreach (string keyword in keywords)
        {
            KeywordMap.Validate(keyword);
        }
        var result = folder.Update(tx =>
        {
            CheckValidity(tx);
            var missing = new List<string>();
            string letters = tx.LettersOf(keywords, create: operation != FlagOperation.Remove, missing);
            if (operation != FlagOperation.Remove && missing.Count > 0)
            {
                throw new MailFolderException(MailFolderError.KeywordLimit,
                    $"no room for keyword {missing[0]}: a folder holds {KeywordMap.Capacity}");
            }
            var updated = new List<MessageInfo>();
            var unchanged = new List<uint>();
            var failed = new List<uint>();
            foreach (uint uid in uids.Distinct().Order())
            {
                // Only messages the session knows of (and not expunged meanwhile).
                var entry = IndexOf(uid) < 0 ? null : tx.Find(uid);
                if (entry is null)
                {
                    continue;
                }
                if (entry.ModSeq > unchangedSince)
                {
                    failed.Add(uid);
                    continue;
                }
                var current = MaildirFlags.SystemFlags(entry.FileName);
                string currentLetters = MaildirFlags.KeywordLetters(entry.FileName);
                var (newFlags, newLetters) = operation switch
                {
                    FlagOperation.Replace => (flags, letters),
                    FlagOperation.Add => (current | flags, currentLetters + letters),
                    _ => (current & ~flags, string.Concat(currentLetters.Where(c => !letters.Contains(c)))),
                };
                if (tx.SetFlags(entry, newFlags, newLetters))
                {
                    updated.Add(tx.Info(entry, Find(uid)?.Recent ?? false));
                }
                else
                {
                    unchanged.Add(uid);
                }
            }
            foreach (var message in updated)
            {
                messages[IndexOf(message.Uid)] = message;
            }
            CaptureKeywords(tx);
            // Our own changes are in the view already, so the catch-up reports only others'.
            var changes = catchUp ? Catch(tx, Claim(tx), reportExpunges: false) : null;
            return new StoreResult(updated, unchanged, failed, changes);
        });
        return result;
    }

    /// <summary>
    /// EXPUNGE, or UID EXPUNGE (RFC 4315) with <paramref name="uids"/>: deletes the messages that
    /// have <c>\Deleted</c> (now, on disk). Returns everything the session must report, other
    /// sessions' changes included; the quota usage shrinks by the bytes freed.
    /// </summary>
    public FolderChanges Expunge(IReadOnlyCollection<uint>? uids = null)
    {
        ThrowIfReadOnly();
        var only = uids is null ? null : new HashSet<uint>(uids);
        return Delete(e => (only is null || only.Contains(e.Uid)) && (MaildirFlags.SystemFlags(e.FileName) & MessageFlags.Deleted) != 0);
    }

    /// <summary>
    /// Deletes the messages with the given UIDs whatever their flags (POP3's DELE at QUIT,
    /// RFC 1939 §6). Returns the changes as <see cref="Expunge"/> does.
    /// </summary>
    public FolderChanges Remove(IReadOnlyCollection<uint> uids)
    {
        ArgumentNullException.ThrowIfNull(uids);
        ThrowIfReadOnly();
        var only = new HashSet<uint>(uids);
        return Delete(e => only.Contains(e.Uid));
    }

    /// <summary>
    /// COPY (RFC 3501 §6.4.7) with COPYUID (RFC 4315): each message becomes a new message in
    /// <paramref name="destination"/> (a hard link of the same file where possible, so the bytes
    /// and INTERNALDATE are shared) with the same flags and keywords and a new UID. All or
    /// nothing: on failure nothing is left in the destination. Quota usage grows by the bytes.
    /// </summary>
    /// <exception cref="MailFolderException"><see cref="MailFolderError.NoSuchFolder"/> (answer [TRYCREATE]) or <see cref="MailFolderError.OverQuota"/>.</exception>
    public CopyResult CopyTo(string destination, IReadOnlyCollection<uint> uids)
    {
        ArgumentNullException.ThrowIfNull(uids);
        var target = owner.Resolve(destination);
        long bytes = uids.Distinct().Sum(uid => Find(uid)?.Size ?? 0);
        owner.CheckQuota(bytes);
        var (result, copied) = Copy(target, uids);
        owner.AddUsage(copied);
        return result;
    }

    /// <summary>
    /// MOVE (RFC 6851): a copy as <see cref="CopyTo"/> makes (the same inode, hard-linked), then
    /// the originals are expunged. A crash in between leaves the message in both folders, never
    /// in neither. Quota usage does not change.
    /// </summary>
    public MoveResult MoveTo(string destination, IReadOnlyCollection<uint> uids)
    {
        ArgumentNullException.ThrowIfNull(uids);
        ThrowIfReadOnly();
        var target = owner.Resolve(destination);
        MoveJournal? journal = null;
        try
        {
            var (copy, _) = Copy(target, uids, staged => journal = MoveJournal.Begin(folder.Directory, target.Directory, staged));
            journal?.MarkCommitted();
            var moved = new HashSet<uint>(copy.Uids.Select(p => p.Source));
            var changes = folder.Update(tx =>
            {
                CheckValidity(tx);
                foreach (uint uid in moved)
                {
                    if (tx.Find(uid) is IndexEntry entry)
                    {
                        tx.Delete(entry);
                    }
                }
                return Catch(tx, Claim(tx), reportExpunges: true);
            });
            journal?.Complete();
            return new MoveResult(copy, changes);
        }
        finally
        {
            // Not completed: the journal stays, and the next transaction here finishes or undoes the move.
            journal?.Dispose();
        }
    }

    /// <summary>
    /// Opens a message for reading, following its file if another process renamed it (a flag
    /// change); null when it is gone (expunged elsewhere: answer with what the RFC allows, e.g.
    /// NIL or NO).
    /// </summary>
    public Stream? OpenMessage(uint uid)
    {
        var message = Find(uid);
        if (message is null)
        {
            return null;
        }
        if (TryOpen(message.Path) is Stream stream)
        {
            return stream;
        }
        string? path = folder.Update(tx => tx.Find(uid)?.Path(tx.Directory));
        return path is null ? null : TryOpen(path);
    }

    // ---- Internals ----------------------------------------------------------------------------

    private FolderChanges Delete(Func<IndexEntry, bool> which)
    {
        long freed = 0;
        var changes = folder.Update(tx =>
        {
            CheckValidity(tx);
            foreach (var entry in tx.Entries)
            {
                if (which(entry))
                {
                    tx.Delete(entry);
                    freed += entry.Size;
                }
            }
            return Catch(tx, Claim(tx), reportExpunges: true);
        });
        owner.AddUsage(-freed);
        return changes;
    }

    private sealed record Staged(uint Uid, string Name, string TempPath, MessageFlags Flags, IReadOnlyList<string> Keywords, long Size, long Date);

    /// <summary>
    /// Copies in two steps, never holding two folders' locks at once: under the source's lock,
    /// hard-link each file into the destination's tmp/; then under the destination's lock,
    /// rename them into cur/ with their flags and give them UIDs, in source UID order.
    /// </summary>
    private (CopyResult Result, long Bytes) Copy(MaildirFolder target, IReadOnlyCollection<uint> uids,
        Action<IReadOnlyList<(string SourceBase, string TargetName)>>? beforeLinking = null)
    {
        var staged = folder.Update(tx =>
        {
            CheckValidity(tx);
            var list = new List<Staged>();
            var planned = new List<(IndexEntry Entry, string Name)>();
            foreach (uint uid in uids.Distinct().Order())
            {
                if (IndexOf(uid) >= 0 && tx.Find(uid) is IndexEntry found)
                {
                    planned.Add((found, string.Create(CultureInfo.InvariantCulture, $"{MaildirName.Unique()},S={found.Size}")));
                }
            }
            // MOVE writes its journal here: under the source's lock, before the first link.
            beforeLinking?.Invoke(planned.Select(p => (p.Entry.BaseName, p.Name)).ToList());
            try
            {
                foreach (var (entry, name) in planned)
                {
                    uint uid = entry.Uid;
                    string temp = Path.Combine(target.Directory, "tmp", name);
                    if (!LinkOrCopy(entry.Path(tx.Directory), temp, entry.Date))
                    {
                        continue; // vanished under us: expunged
                    }
                    list.Add(new Staged(uid, name, temp, MaildirFlags.SystemFlags(entry.FileName),
                        tx.Keywords.NamesOf(MaildirFlags.KeywordLetters(entry.FileName)), entry.Size, entry.Date));
                }
            }
            catch
            {
                Discard(list.Select(s => s.TempPath));
                throw;
            }
            return list;
        });
        var placed = new List<string>();
        try
        {
            var result = target.Update(tx =>
            {
                var pairs = new List<UidPair>(staged.Count);
                foreach (var s in staged)
                {
                    // RFC 3501 COPY SHOULD keep flags; keywords beyond the destination's 26 are dropped.
                    string letters = tx.LettersOf(s.Keywords, create: true);
                    string curName = MaildirFlags.WithFlags(s.Name, s.Flags, letters);
                    string curPath = Path.Combine(tx.Directory, "cur", curName);
                    int errno = Posix.TryRenameNoReplace(s.TempPath, curPath);
                    if (errno != 0)
                    {
                        throw Posix.Failure("rename", s.TempPath, errno);
                    }
                    placed.Add(curPath);
                    pairs.Add(new UidPair(s.Uid, tx.Register(curName, s.Size, s.Date).Uid));
                }
                return new CopyResult(tx.UidValidity, pairs);
            });
            return (result, staged.Sum(s => s.Size));
        }
        catch
        {
            // RFC 3501 §6.4.7: a failed COPY leaves the destination as it was.
            Discard(placed);
            Discard(staged.Select(s => s.TempPath));
            throw;
        }
    }

    /// <summary>Hard-links (or, across filesystems, copies and fsyncs) a message file; false when the source is gone.</summary>
    private static bool LinkOrCopy(string source, string target, long date)
    {
        int errno = Posix.TryLink(source, target);
        if (errno == 0)
        {
            return true;
        }
        if (errno == Posix.ENOENT)
        {
            return false;
        }
        if (errno is not (Posix.EXDEV or Posix.EPERM))
        {
            throw Posix.Failure("link", target, errno);
        }
        try
        {
            using (var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            using (var output = new FileStream(target, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                input.CopyTo(output);
                output.Flush(flushToDisk: true);
            }
            File.SetLastWriteTimeUtc(target, DateTime.UnixEpoch.AddSeconds(date));
            return true;
        }
        catch (FileNotFoundException)
        {
            Discard([target]);
            return false;
        }
        catch
        {
            Discard([target]);
            throw;
        }
    }

    private static void Discard(IEnumerable<string> paths)
    {
        foreach (string path in paths)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // Left in tmp/ for MailStore.Maintenance, or in cur/ for the next sync to find.
            }
        }
    }

    private static FileStream? TryOpen(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    private HashSet<uint>? Claim(FolderTransaction tx) =>
        Access == FolderAccess.Select ? tx.ClaimRecent().Select(e => e.Uid).ToHashSet() : null;

    /// <summary>
    /// In another operation's transaction on <paramref name="target"/> (an APPEND): when that is
    /// this view's folder, catches up as <see cref="Sync"/> would, in the same transaction.
    /// Null when it is another folder (or this one was replaced: the next Sync says so).
    /// </summary>
    internal FolderChanges? CatchUpIn(MaildirFolder target, FolderTransaction tx)
    {
        if (tx.UidValidity != UidValidity || !string.Equals(target.Directory, folder.Directory, StringComparison.Ordinal))
        {
            return null;
        }
        return Catch(tx, Claim(tx), reportExpunges: true);
    }

    private static bool IsRecent(FolderTransaction tx, IndexEntry entry, HashSet<uint>? claimed) =>
        claimed?.Contains(entry.Uid) ?? entry.Uid >= tx.FirstRecentUid;

    /// <summary>Updates the view to the index and says how: the heart of <see cref="Sync"/>.</summary>
    private FolderChanges Catch(FolderTransaction tx, HashSet<uint>? claimed, bool reportExpunges)
    {
        var entries = tx.Entries;
        var next = new List<MessageInfo>(Math.Max(messages.Count, entries.Count));
        var added = new List<MessageInfo>();
        var changed = new List<MessageInfo>();
        var expunged = new List<uint>();
        var sequences = new List<int>();
        int j = 0;
        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            while (j < entries.Count && entries[j].Uid < message.Uid)
            {
                j++; // cannot happen: UIDs below the view's UIDNEXT are all in the view
            }
            if (j < entries.Count && entries[j].Uid == message.Uid)
            {
                var entry = entries[j++];
                if (entry.ModSeq != message.ModSeq)
                {
                    var info = tx.Info(entry, message.Recent);
                    changed.Add(info);
                    next.Add(info);
                }
                else
                {
                    next.Add(SamePlace(message, entry) ? message : message with { Path = entry.Path(tx.Directory) });
                }
            }
            else if (reportExpunges)
            {
                expunged.Add(message.Uid);
                sequences.Add(i + 1);
                pendingExpunges.Remove(message.Uid);
            }
            else
            {
                pendingExpunges.Add(message.Uid);
                next.Add(message);
            }
        }
        for (; j < entries.Count; j++)
        {
            if (entries[j].Uid >= UidNext)
            {
                var info = tx.Info(entries[j], IsRecent(tx, entries[j], claimed));
                added.Add(info);
                next.Add(info);
            }
        }
        messages = next;
        sequences.Reverse();
        Capture(tx);
        return new FolderChanges(added, changed, expunged, sequences, messages.Count, UidNext, HighestModSeq);
    }

    private static bool SamePlace(MessageInfo message, IndexEntry entry)
    {
        string path = message.Path;
        string name = entry.FileName;
        return path.Length > name.Length + 4
            && path.EndsWith(name, StringComparison.Ordinal)
            && path.AsSpan(path.Length - name.Length - 4, 4).SequenceEqual(entry.InNew ? "new/" : "cur/");
    }

    /// <summary>Takes UIDNEXT and HIGHESTMODSEQ from the index: only once the view has every message and change up to them.</summary>
    private void Capture(FolderTransaction tx)
    {
        UidNext = tx.UidNext;
        if (pendingExpunges.Count == 0)
        {
            // RFC 7162 §3.1.2.2: HIGHESTMODSEQ may not run ahead of expunges not yet reported.
            HighestModSeq = tx.HighestModSeq;
        }
        CaptureKeywords(tx);
    }

    private void CaptureKeywords(FolderTransaction tx)
    {
        Keywords = tx.Keywords.Names;
        CanCreateKeywords = !tx.Keywords.IsFull;
    }

    private void CheckValidity(FolderTransaction tx)
    {
        if (tx.UidValidity != UidValidity)
        {
            throw new MailFolderException(MailFolderError.Invalidated,
                $"{Name}: UIDVALIDITY changed from {UidValidity} to {tx.UidValidity}; select it again");
        }
    }

    private void ThrowIfReadOnly()
    {
        if (ReadOnly)
        {
            throw new MailFolderException(MailFolderError.ReadOnly, $"{Name} is open read-only");
        }
    }

    private int IndexOf(uint uid)
    {
        int low = 0, high = messages.Count - 1;
        while (low <= high)
        {
            int mid = (low + high) >>> 1;
            uint current = messages[mid].Uid;
            if (current == uid)
            {
                return mid;
            }
            if (current < uid)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }
        return -1;
    }
}
