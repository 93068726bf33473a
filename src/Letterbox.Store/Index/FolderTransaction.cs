using System.Globalization;
using System.IO.Enumeration;

namespace Letterbox.Store;

/// <summary>How the index was found when a transaction began.</summary>
internal enum IndexOrigin
{
    /// <summary>Read as written.</summary>
    Loaded,

    /// <summary>The index was damaged or missing; its backup copy had every UID.</summary>
    Backup,

    /// <summary>Index and backup damaged: the UIDs still readable were kept, the rest got new ones.</summary>
    Salvaged,

    /// <summary>No index of ours, but Dovecot's <c>dovecot-uidlist</c>: its UIDVALIDITY and UIDs were taken over.</summary>
    Imported,

    /// <summary>Nothing usable (or a new folder): new UIDVALIDITY, UIDs from 1.</summary>
    Created,
}

/// <summary>
/// The index of one folder while its lock is held: loaded, recovered if damaged, and brought in
/// line with the files (<see cref="Scan"/>) when it begins; changed by the operations below;
/// written back by <see cref="Commit"/> when anything changed. Every change made in one
/// transaction gets the same new mod-sequence (RFC 7162 allows one value for one operation).
/// </summary>
internal sealed class FolderTransaction
{
    private readonly string directory;
    private readonly UidList data;
    private readonly Dictionary<string, IndexEntry> byBase = new(StringComparer.Ordinal);
    private ulong modSeq;
    private bool dirty;
    private bool mustSync; // a change a client may be told of (UID, MODSEQ, UIDVALIDITY): written durably
    private bool compact;
    private bool curTouched;
    private bool newTouched;
    private readonly byte[]? loaded; // the index's bytes as read, when read as written
    private ParsedIndexCache.CurState? curKnown; // cur/ as the last transaction left it, if trusted
    private DateTime curListedAt;                // when the names taken for cur/ were listed
    private long curListedTick;

    /// <summary>
    /// How much older cur/'s modification time must be than a listing of it before an unchanged
    /// time proves nothing changed: more than the coarsest timestamps (whole seconds on some
    /// filesystems; the kernel's clock tick elsewhere).
    /// </summary>
    private static readonly TimeSpan CurQuietFor = TimeSpan.FromSeconds(2);

    /// <summary>However quiet cur/ looks, list it again after this long (a clock set back, a filesystem with odd times).</summary>
    private const long RelistAfterMs = 30_000;

    private FolderTransaction(string directory, UidList data, IndexOrigin origin, byte[]? loaded, ParsedIndexCache.CurState? cur)
    {
        this.directory = directory;
        this.data = data;
        this.loaded = loaded;
        curKnown = cur;
        Origin = origin;
        dirty = origin != IndexOrigin.Loaded;
        mustSync = dirty;
        Keywords = KeywordMap.Load(directory);
        foreach (var entry in data.Entries)
        {
            byBase[entry.BaseName] = entry;
        }
    }

    public string Directory => directory;

    public IndexOrigin Origin { get; }

    public KeywordMap Keywords { get; }

    public uint UidValidity => data.UidValidity;

    public uint UidNext => data.UidNext;

    public ulong HighestModSeq => data.HighestModSeq;

    public uint FirstRecentUid => data.FirstRecentUid;

    /// <summary>Messages in ascending UID order.</summary>
    public IReadOnlyList<IndexEntry> Entries
    {
        get
        {
            if (compact)
            {
                data.Entries.RemoveAll(e => e.Removed);
                compact = false;
            }
            return data.Entries;
        }
    }

    /// <param name="directory">The folder.</param>
    /// <param name="maildirRoot">The user's Maildir root.</param>
    /// <param name="scan">
    /// False for a quick look at the index as the last transaction of any process left it: no
    /// scan of cur/ and new/ (files changed by other programs, SMTP deliveries) and no recovery
    /// of interrupted moves; those wait for the next transaction that scans. A damaged or missing
    /// index is scanned for all the same.
    /// </param>
    public static FolderTransaction Begin(string directory, string maildirRoot, bool scan = true)
    {
        var (data, origin, imported, loaded, cur) = Load(directory, maildirRoot);
        var transaction = new FolderTransaction(directory, data, origin, loaded, cur);
        if (scan || origin != IndexOrigin.Loaded)
        {
            transaction.Scan(rebuilding: origin == IndexOrigin.Created, imported);
            MoveJournal.Recover(transaction);
        }
        else if (cur is not null)
        {
            // Nothing listed: what was known of cur/ still holds as far as it goes (CurNow checks its time).
            transaction.curListedAt = cur.ListedAt;
            transaction.curListedTick = cur.ListedTick;
        }
        return transaction;
    }

    public IndexEntry? Find(uint uid)
    {
        var entries = Entries;
        int low = 0, high = entries.Count - 1;
        while (low <= high)
        {
            int mid = (low + high) >>> 1;
            uint current = entries[mid].Uid;
            if (current == uid)
            {
                return entries[mid];
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
        return null;
    }

    public IndexEntry? FindBase(string baseName) => byBase.GetValueOrDefault(baseName);

    /// <summary>The message as a session sees it.</summary>
    public MessageInfo Info(IndexEntry entry, bool recent) => new(
        entry.Uid,
        entry.BaseName,
        entry.Path(directory),
        entry.Size,
        DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(entry.Date, 0, 253402300799)),
        MaildirFlags.SystemFlags(entry.FileName),
        Keywords.NamesOf(MaildirFlags.KeywordLetters(entry.FileName)),
        entry.ModSeq,
        recent);

    /// <summary>
    /// The letters of <paramref name="keywords"/>, giving new ones a letter when
    /// <paramref name="create"/> (the map is written before this returns, so no file name ever
    /// uses a letter the map on disk lacks). Keywords without a letter go to <paramref name="missing"/>.
    /// </summary>
    public string LettersOf(IEnumerable<string> keywords, bool create, List<string>? missing = null)
    {
        var letters = new SortedSet<char>();
        bool added = false;
        foreach (string keyword in keywords)
        {
            char? letter = Keywords.LetterOf(keyword);
            if (letter is null && create)
            {
                letter = Keywords.Add(keyword);
                added |= letter is not null;
            }
            if (letter is char c)
            {
                letters.Add(c);
            }
            else
            {
                missing?.Add(keyword);
            }
        }
        if (added)
        {
            Keywords.Save(directory);
        }
        return string.Concat(letters);
    }

    /// <summary>
    /// Gives a message new flags by renaming its file (into cur/, with the new <c>:2,</c> info).
    /// Returns true when its flags changed (it then has the transaction's new MODSEQ); false when
    /// they were already so, or the file vanished under us.
    /// </summary>
    public bool SetFlags(IndexEntry entry, MessageFlags flags, string keywordLetters)
    {
        string newName = MaildirFlags.WithFlags(entry.FileName, flags, keywordLetters);
        if (!entry.InNew && newName == entry.FileName)
        {
            return false;
        }
        if (!Move(entry, newName))
        {
            return false;
        }
        bool changed = !MaildirFlags.SameFlags(entry.FileName, newName);
        entry.FileName = newName;
        entry.InNew = false;
        dirty = true;
        if (changed)
        {
            entry.ModSeq = NewModSeq();
        }
        return changed;
    }

    /// <summary>Deletes a message's file and forgets it (an expunge).</summary>
    public void Delete(IndexEntry entry)
    {
        File.Delete(entry.Path(directory));
        if (entry.InNew)
        {
            newTouched = true;
        }
        else
        {
            curTouched = true;
        }
        Forget(entry);
    }

    /// <summary>Forgets a message whose file is gone or was moved elsewhere (an expunge).</summary>
    public void Forget(IndexEntry entry)
    {
        if (entry.Removed)
        {
            return;
        }
        entry.Removed = true;
        byBase.Remove(entry.BaseName);
        compact = true;
        dirty = true;
        NewModSeq(); // RFC 7162 §3.1.1: an expunge raises HIGHESTMODSEQ too
    }

    /// <summary>
    /// Gives the next UID to a file put into cur/ (APPEND, COPY, MOVE): by this transaction, so
    /// cur/ is fsynced at commit, or with <paramref name="durable"/> by the caller before, who
    /// fsynced cur/ already.
    /// </summary>
    public IndexEntry Register(string curFileName, long size, long date, bool durable = false)
    {
        curTouched |= !durable;
        return Add(curFileName, inNew: false, size, date);
    }

    /// <summary>
    /// Claims the <c>\Recent</c> messages for the calling session (RFC 3501 §2.3.2: only one session
    /// sees a message as recent): those not yet claimed become claimed, and their files move from
    /// new/ to cur/ as the Maildir specification asks of a reader that has seen them.
    /// </summary>
    public IReadOnlyList<IndexEntry> ClaimRecent()
    {
        var claimed = new List<IndexEntry>();
        foreach (var entry in Entries)
        {
            if (entry.Uid >= data.FirstRecentUid)
            {
                claimed.Add(entry);
            }
        }
        if (data.FirstRecentUid != data.UidNext)
        {
            data.FirstRecentUid = data.UidNext;
            dirty = true;
        }
        foreach (var entry in claimed)
        {
            if (entry.InNew)
            {
                string curName = MaildirFlags.WithFlags(entry.FileName,
                    MaildirFlags.SystemFlags(entry.FileName), MaildirFlags.KeywordLetters(entry.FileName));
                if (Move(entry, curName))
                {
                    entry.FileName = curName;
                    entry.InNew = false;
                    dirty = true;
                }
            }
        }
        return claimed;
    }

    /// <summary>Sets a new UIDVALIDITY (after a rename: the UIDs stay, clients' caches of the name go).</summary>
    public void SetUidValidity(uint uidValidity)
    {
        data.UidValidity = uidValidity;
        dirty = mustSync = true;
    }

    /// <summary>
    /// Writes what changed: the directories renamed in, then the index and its backup copy;
    /// durably (fsync) when a client may be told of the change (a UID, MODSEQ or UIDVALIDITY).
    /// A claim of \Recent or a new/ to cur/ rename alone is written without fsync: a crash can
    /// only undo it, and the next scan finds the files wherever they are (Dovecot writes its
    /// dovecot-uidlist without fsync at all). This saves a SELECT and the sync after each APPEND
    /// their two fsyncs.
    /// </summary>
    public void Commit()
    {
        if (curTouched && mustSync)
        {
            Posix.FsyncDirectory(Path.Combine(directory, "cur"));
        }
        if (newTouched && mustSync)
        {
            Posix.FsyncDirectory(Path.Combine(directory, "new"));
        }
        if (!dirty)
        {
            if (loaded is not null)
            {
                ParsedIndexCache.Put(directory, loaded, data, CurNow());
            }
            return;
        }
        _ = Entries; // drop removed entries
        data.Generation++;
        byte[] content = data.Serialize();
        DurableFile.Replace(Path.Combine(directory, UidList.FileName), content, durable: mustSync);
        // The backup needs no fsync, nor a rename: it only matters when the index itself is
        // damaged, which a crash (temp file, fsync, rename) never causes; a torn backup fails its
        // check line like any damaged one. (A rename over it cost as much as an fsync on ext4.)
        DurableFile.Overwrite(Path.Combine(directory, UidList.BackupFileName), content);
        dirty = mustSync = false;
        ParsedIndexCache.Put(directory, content, data, CurNow());
    }

    // ---- Loading and recovery -----------------------------------------------------------------

    private static (UidList, IndexOrigin, Dictionary<string, uint>?, byte[]?, ParsedIndexCache.CurState?) Load(string directory, string maildirRoot)
    {
        byte[]? main = TryRead(Path.Combine(directory, UidList.FileName));
        if (main is not null && ParsedIndexCache.Take(directory, main) is var (cached, cur))
        {
            return (cached, IndexOrigin.Loaded, null, main, cur);
        }
        var (list, origin, loaded) = LoadOurs(directory, maildirRoot, main);
        if (origin == IndexOrigin.Created && DovecotUidList.Read(directory) is var (uidValidity, uidNext, uids))
        {
            // Mail moved in from Dovecot: its UIDs stay valid for the clients that cached them.
            var imported = new UidList { UidValidity = uidValidity, UidNext = uidNext, FirstRecentUid = uidNext };
            return (imported, IndexOrigin.Imported, uids, null, null);
        }
        return (list, origin, null, loaded, null);
    }

    private static (UidList, IndexOrigin, byte[]?) LoadOurs(string directory, string maildirRoot, byte[]? main)
    {
        if (main is not null && UidList.Parse(main) is UidList good)
        {
            return (good, IndexOrigin.Loaded, main);
        }
        byte[]? backup = TryRead(Path.Combine(directory, UidList.BackupFileName));
        var salvaged = main is null ? null : UidList.Salvage(main);
        if (backup is not null && UidList.Parse(backup) is UidList copy)
        {
            // The backup is written right after the index, so it has every UID the index had,
            // unless a crash fell between the two writes; then the damaged index's header still
            // tells the UIDs handed out since, and none of them is given out again.
            if (salvaged is not null && salvaged.UidValidity == copy.UidValidity)
            {
                Merge(copy, salvaged);
            }
            return (copy, IndexOrigin.Backup, null);
        }
        if (salvaged is not null)
        {
            return (salvaged, IndexOrigin.Salvaged, null);
        }
        // Nothing to keep UIDs by: RFC 3501 §2.3.1.1 wants a new, greater UIDVALIDITY.
        uint previous = backup is null ? 0 : UidList.Salvage(backup)?.UidValidity ?? 0;
        uint uidValidity = UidValidityCounter.Allocate(maildirRoot, previous == uint.MaxValue ? 1 : previous + 1);
        return (new UidList { UidValidity = uidValidity }, IndexOrigin.Created, null);
    }

    /// <summary>
    /// Takes from a damaged index what its intact lines add to the backup: a higher UIDNEXT and
    /// HIGHESTMODSEQ, and UIDs given out after the backup was written (for files and UIDs the
    /// backup does not know, so nothing it says is contradicted).
    /// </summary>
    private static void Merge(UidList backup, UidList salvaged)
    {
        backup.UidNext = Math.Max(backup.UidNext, salvaged.UidNext);
        backup.HighestModSeq = Math.Max(backup.HighestModSeq, salvaged.HighestModSeq);
        var bases = backup.Entries.Select(e => e.BaseName).ToHashSet(StringComparer.Ordinal);
        var uids = backup.Entries.Select(e => e.Uid).ToHashSet();
        bool added = false;
        foreach (var entry in salvaged.Entries)
        {
            if (!bases.Contains(entry.BaseName) && !uids.Contains(entry.Uid))
            {
                backup.Entries.Add(entry);
                added = true;
            }
        }
        if (added)
        {
            backup.Entries.Sort((a, b) => a.Uid.CompareTo(b.Uid));
        }
    }

    private static byte[]? TryRead(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    // ---- Scanning -----------------------------------------------------------------------------

    private readonly record struct Found(string Name, bool InNew);

    /// <summary>
    /// Brings the index in line with cur/ and new/: names that changed (flags set by another
    /// program, a move from new/ to cur/), files gone (expunged elsewhere or deleted by hand),
    /// and files never seen (delivered into new/, or placed by hand), which get the next UIDs in
    /// order of modification time. When <paramref name="rebuilding"/>, files in cur/ come first
    /// and only those in new/ count as recent.
    /// </summary>
    private void Scan(bool rebuilding, Dictionary<string, uint>? imported = null)
    {
        Dictionary<string, Found> listing;
        List<Found> duplicates;
        int attempt = 0;
        bool skipCur = CurUnchanged();
        while (true)
        {
            (listing, duplicates) = List(skipCur && attempt == 0);
            // A file another program renames between our reads of cur/ and new/ can be missed;
            // look once more before calling anything expunged.
            if (attempt++ > 0 || Entries.All(e => listing.ContainsKey(e.BaseName)))
            {
                break;
            }
        }
        foreach (var entry in Entries)
        {
            if (listing.Remove(entry.BaseName, out var found))
            {
                if (found.Name != entry.FileName || found.InNew != entry.InNew)
                {
                    if (!MaildirFlags.SameFlags(found.Name, entry.FileName))
                    {
                        entry.ModSeq = NewModSeq();
                    }
                    entry.FileName = found.Name;
                    entry.InNew = found.InNew;
                    dirty = true;
                }
            }
            else
            {
                Forget(entry);
            }
        }
        foreach (var duplicate in duplicates)
        {
            if (Rename(duplicate) is Found renamed)
            {
                listing[MaildirFlags.BaseName(renamed.Name)] = renamed;
            }
        }
        var unknown = new List<(Found File, long Size, DateTime Modified)>();
        foreach (var file in listing.Values)
        {
            var info = new FileInfo(Path.Combine(directory, file.InNew ? "new" : "cur", file.Name));
            if (info.Exists)
            {
                unknown.Add((file, MaildirName.SizeOf(file.Name) ?? info.Length, info.LastWriteTimeUtc));
            }
        }
        unknown.Sort((a, b) =>
        {
            int order = rebuilding ? a.File.InNew.CompareTo(b.File.InNew) : 0;
            order = order != 0 ? order : a.Modified.CompareTo(b.Modified);
            return order != 0 ? order : string.CompareOrdinal(a.File.Name, b.File.Name);
        });
        bool recentSet = false;
        var taken = imported is null ? null : new HashSet<uint>();
        foreach (var (file, size, modified) in unknown)
        {
            long date = new DateTimeOffset(modified).ToUnixTimeSeconds();
            if (imported is not null && imported.TryGetValue(MaildirFlags.BaseName(file.Name), out uint uid) && taken!.Add(uid))
            {
                Add(file.Name, file.InNew, size, date, uid);
                continue;
            }
            if (rebuilding && file.InNew && !recentSet)
            {
                data.FirstRecentUid = data.UidNext;
                recentSet = true;
            }
            Add(file.Name, file.InNew, size, date);
        }
        if (rebuilding && !recentSet)
        {
            data.FirstRecentUid = data.UidNext;
        }
        if (imported is not null)
        {
            data.Entries.Sort((a, b) => a.Uid.CompareTo(b.Uid));
        }
    }

    /// <summary>
    /// True when cur/ holds just what the index says, as the last transaction in this process
    /// left it: the index is the one that transaction read or wrote (no other process changed
    /// it), and cur/'s modification time is the one it saw, old enough to be trusted.
    /// </summary>
    private bool CurUnchanged()
    {
        if (curKnown is not { } known || Environment.TickCount64 - known.ListedTick > RelistAfterMs)
        {
            return false;
        }
        try
        {
            return System.IO.Directory.GetLastWriteTimeUtc(Path.Combine(directory, "cur")) == known.Modified;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>What the next transaction may trust of cur/ as this one leaves it (see <see cref="ParsedIndexCache.CurState"/>).</summary>
    private ParsedIndexCache.CurState? CurNow()
    {
        if (curListedTick == 0)
        {
            return null;
        }
        DateTime modified;
        try
        {
            modified = System.IO.Directory.GetLastWriteTimeUtc(Path.Combine(directory, "cur"));
        }
        catch (IOException)
        {
            return null;
        }
        // Changed since (or just before) the listing, this one's own renames included: the time
        // may not move for a change in the same tick, so the next transaction lists again.
        return modified + CurQuietFor < curListedAt ? new ParsedIndexCache.CurState(modified, curListedAt, curListedTick) : null;
    }

    /// <param name="knownCur">Take cur/'s names from the index (<see cref="CurUnchanged"/>) instead of reading it.</param>
    private (Dictionary<string, Found>, List<Found>) List(bool knownCur)
    {
        var listing = new Dictionary<string, Found>(StringComparer.Ordinal);
        var duplicates = new List<Found>();
        if (knownCur)
        {
            foreach (var entry in Entries)
            {
                if (!entry.InNew)
                {
                    listing[entry.BaseName] = new Found(entry.FileName, false);
                }
            }
            curListedAt = curKnown!.ListedAt;
            curListedTick = curKnown.ListedTick;
        }
        else
        {
            curListedAt = DateTime.UtcNow;
            curListedTick = Environment.TickCount64;
        }
        foreach (bool inNew in (ReadOnlySpan<bool>)[false, true])
        {
            if (!inNew && knownCur)
            {
                continue;
            }
            foreach (string name in FileNames(Path.Combine(directory, inNew ? "new" : "cur")))
            {
                var found = new Found(name, inNew);
                string baseName = MaildirFlags.BaseName(name);
                if (!listing.TryGetValue(baseName, out var other))
                {
                    listing[baseName] = found;
                    continue;
                }
                // Two files, one base name (a crash inside another program's rename, or a copy
                // by hand): keep the one the index knows, give the other a name of its own.
                var known = byBase.GetValueOrDefault(baseName);
                bool keepNew = known is not null && known.FileName == name && known.InNew == inNew;
                duplicates.Add(keepNew ? other : found);
                if (keepNew)
                {
                    listing[baseName] = found;
                }
            }
        }
        return (listing, duplicates);
    }

    private static IEnumerable<string> FileNames(string directory)
    {
        try
        {
            return new FileSystemEnumerable<string>(directory, (ref FileSystemEntry entry) => entry.FileName.ToString())
            {
                ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory,
            }.Where(MaildirFolder.IsMessageFileName).ToList();
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }

    private Found? Rename(Found duplicate)
    {
        string sub = duplicate.InNew ? "new" : "cur";
        string info = duplicate.Name[MaildirFlags.BaseName(duplicate.Name).Length..];
        string path = Path.Combine(directory, sub, duplicate.Name);
        long size;
        try
        {
            size = MaildirName.SizeOf(duplicate.Name) ?? new FileInfo(path).Length;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        string name = string.Create(CultureInfo.InvariantCulture, $"{MaildirName.Unique()},S={size}{info}");
        return Posix.TryRenameNoReplace(path, Path.Combine(directory, sub, name)) == 0 ? new Found(name, duplicate.InNew) : null;
    }

    private IndexEntry Add(string fileName, bool inNew, long size, long date, uint? uid = null)
    {
        if (uid is null && data.UidNext == uint.MaxValue)
        {
            // RFC 3501 UIDs are 32-bit; a folder that used them all would need renumbering under a
            // new UIDVALIDITY. Four billion messages in one folder is not a case we meet.
            throw new IOException($"{directory}: out of UIDs");
        }
        var entry = new IndexEntry
        {
            Uid = uid ?? data.UidNext++,
            ModSeq = NewModSeq(),
            Size = size,
            Date = date,
            InNew = inNew,
            FileName = fileName,
            BaseName = MaildirFlags.BaseName(fileName),
        };
        _ = Entries;
        data.Entries.Add(entry);
        byBase[entry.BaseName] = entry;
        dirty = true;
        return entry;
    }

    private ulong NewModSeq()
    {
        mustSync = true;
        if (modSeq == 0)
        {
            modSeq = ++data.HighestModSeq;
            dirty = true;
        }
        return modSeq;
    }

    /// <summary>Renames a message's file into cur/ under <paramref name="curName"/>; false when it vanished.</summary>
    private bool Move(IndexEntry entry, string curName)
    {
        string source = entry.Path(directory);
        int errno = Posix.TryRenameNoReplace(source, Path.Combine(directory, "cur", curName));
        if (errno == Posix.ENOENT)
        {
            return false;
        }
        if (errno != 0)
        {
            throw Posix.Failure("rename", source, errno);
        }
        curTouched = true;
        newTouched |= entry.InNew;
        return true;
    }
}
