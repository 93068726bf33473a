using System.Globalization;
using System.Text;

namespace Letterbox.Store;

/// <summary>
/// One user's folders, for the IMAP and POP3 servers: listing, CREATE, DELETE, RENAME,
/// subscriptions, STATUS, APPEND, and opening a folder for a session (<see cref="Open"/>).
/// Safe to use from many sessions and processes at once; each call is complete when it returns.
/// </summary>
/// <remarks>
/// <para>Names: Unicode, '/' between levels (the IMAP hierarchy separator; the IMAP layer converts
/// modified UTF-7 or UTF-8 from the wire), "INBOX" in any case is the inbox. On disk, Dovecot's
/// Maildir++ layout: see <c>Index/README.md</c>.</para>
/// <para>Structural changes (create, delete, rename, subscriptions) are serialized by
/// <c>letterbox-folders.lock</c> in the Maildir root.</para>
/// </remarks>
public sealed class MailFolders
{
    /// <summary>The hierarchy separator IMAP clients see.</summary>
    public const char Separator = FolderName.Separator;

    /// <summary>The inbox's name.</summary>
    public const string Inbox = FolderName.Inbox;

    /// <summary>Dovecot's subscriptions file in the Maildir root.</summary>
    public const string SubscriptionsFileName = "subscriptions";

    private const string FoldersLockFileName = "letterbox-folders.lock";
    private const string SubscriptionsHeader = "V\t2\n\n";
    private const string DeletedPrefix = "letterbox-deleted.";

    private readonly AccountStore accounts;

    /// <summary>The folders of <paramref name="mailbox"/>; quota usage is kept in <paramref name="accounts"/>.</summary>
    public MailFolders(AccountStore accounts, Mailbox mailbox)
    {
        this.accounts = accounts ?? throw new ArgumentNullException(nameof(accounts));
        Mailbox = mailbox ?? throw new ArgumentNullException(nameof(mailbox));
    }

    /// <summary>The user's mailbox (address and Maildir root).</summary>
    public Mailbox Mailbox { get; }

    private string Root => Mailbox.Directory;

    /// <summary>The RFC 6154 attribute a folder name carries (Sent, Drafts, Trash, Junk, Archive at the top level).</summary>
    public static SpecialUse SpecialUseOf(string name) => FolderName.SpecialUseOf(FolderName.Normalize(name));

    /// <summary>
    /// Every folder, INBOX first, then by name (ordinal), with the levels that exist only as
    /// parents of others (not selectable). Directories whose names are not in the form
    /// Dovecot writes are left out.
    /// </summary>
    public IReadOnlyList<FolderInfo> List()
    {
        MaildirLayout.EnsureMaildir(Root);
        var selectable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, directory) in FolderDirectories())
        {
            if (MaildirFolder.IsMaildir(directory))
            {
                selectable.Add(name);
            }
        }
        var all = new SortedSet<string>(selectable, StringComparer.Ordinal);
        var parents = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in selectable)
        {
            for (string? parent = FolderName.Parent(name); parent is not null; parent = FolderName.Parent(parent))
            {
                parents.Add(parent);
                all.Add(parent);
            }
        }
        var subscribed = Subscriptions().ToHashSet(StringComparer.Ordinal);
        var result = new List<FolderInfo>(all.Count + 1)
        {
            new(Inbox, true, parents.Contains(Inbox), SpecialUse.None, subscribed.Contains(Inbox)),
        };
        foreach (string name in all)
        {
            if (name == Inbox)
            {
                continue;
            }
            result.Add(new FolderInfo(name, selectable.Contains(name), parents.Contains(name),
                FolderName.SpecialUseOf(name), subscribed.Contains(name)));
        }
        return result;
    }

    /// <summary>True when the folder exists and can be selected.</summary>
    public bool Exists(string name)
    {
        string normalized = FolderName.Normalize(name);
        return FolderName.IsInbox(normalized) || Folder(normalized).Exists;
    }

    /// <summary>
    /// CREATE (RFC 3501 §6.3.3): a new Maildir++ folder (cur/, new/, tmp/, the <c>maildirfolder</c>
    /// marker) with a fresh UIDVALIDITY. Levels above it are not created: in Maildir++ they
    /// exist implicitly (LIST shows them as not selectable), as with Dovecot.
    /// </summary>
    /// <exception cref="MailFolderException"><see cref="MailFolderError.AlreadyExists"/> or <see cref="MailFolderError.InvalidName"/>.</exception>
    public void Create(string name)
    {
        string normalized = FolderName.Normalize(name);
        using var held = LockFolders();
        var folder = Folder(normalized);
        if (FolderName.IsInbox(normalized) || folder.Exists)
        {
            throw new MailFolderException(MailFolderError.AlreadyExists, $"{normalized} exists already");
        }
        CreateMaildir(folder);
    }

    /// <summary>
    /// DELETE (RFC 3501 §6.3.4): removes the folder and its messages (usage shrinks by their
    /// size). Folders below it stay, as in Dovecot; the name then lives on as a
    /// non-selectable parent. INBOX cannot be deleted. Subscriptions are left alone (RFC 3501 §6.3.9).
    /// </summary>
    /// <exception cref="MailFolderException"><see cref="MailFolderError.NoSuchFolder"/> or <see cref="MailFolderError.NotAllowed"/> (INBOX).</exception>
    public void Delete(string name)
    {
        string normalized = FolderName.Normalize(name);
        if (FolderName.IsInbox(normalized))
        {
            throw new MailFolderException(MailFolderError.NotAllowed, "INBOX cannot be deleted");
        }
        long size;
        string trash = Path.Combine(Root, "tmp", DeletedPrefix + MaildirName.Unique());
        using (LockFolders())
        {
            var folder = Folder(normalized);
            // Under the folder's lock, so no session is half-way through a change: count what is
            // freed, then move the whole directory out of sight in one rename.
            using (folder.Lock())
            {
                size = folder.Transact(folder.Directory, tx => tx.Entries.Sum(e => e.Size));
                DurableDirectory.Ensure(Path.Combine(Root, "tmp"));
                int errno = Posix.TryRenameNoReplace(folder.Directory, trash);
                if (errno != 0)
                {
                    throw Posix.Failure("rename", folder.Directory, errno);
                }
                Posix.FsyncDirectory(Root);
            }
        }
        AddUsage(-size);
        RemoveDeleted();
    }

    /// <summary>
    /// RENAME (RFC 3501 §6.3.5): the folder and every folder below it get the new name; UIDs and
    /// UIDVALIDITY stay (every UIDVALIDITY is unique for the user, so no client can mistake the
    /// renamed folder for an older one of the same name). Subscriptions follow. Renaming INBOX
    /// moves its messages into a new folder and leaves INBOX empty; folders below INBOX stay.
    /// </summary>
    /// <exception cref="MailFolderException">
    /// <see cref="MailFolderError.NoSuchFolder"/>, <see cref="MailFolderError.AlreadyExists"/> (the new name or one
    /// below it exists), <see cref="MailFolderError.NotAllowed"/> (a name below itself), <see cref="MailFolderError.InvalidName"/>.
    /// </exception>
    public void Rename(string name, string newName)
    {
        string from = FolderName.Normalize(name);
        string to = FolderName.Normalize(newName);
        if (FolderName.IsInbox(to) || from == to)
        {
            throw new MailFolderException(MailFolderError.AlreadyExists, $"{to} exists already");
        }
        if (FolderName.IsSelfOrBelow(to, from) && !FolderName.IsInbox(from))
        {
            throw new MailFolderException(MailFolderError.NotAllowed, $"cannot move {from} below itself");
        }
        using var held = LockFolders();
        if (FolderName.IsInbox(from))
        {
            RenameInbox(to);
            return;
        }
        var moves = new List<(string Name, string From, string To)>();
        foreach (var (folderName, directory) in FolderDirectories())
        {
            if (FolderName.IsSelfOrBelow(folderName, from))
            {
                string target = to + folderName[from.Length..];
                moves.Add((target, directory, Path.Combine(Root, FolderName.ToDirectoryName(FolderName.Normalize(target)))));
            }
        }
        if (moves.Count == 0)
        {
            throw new MailFolderException(MailFolderError.NoSuchFolder, $"no folder {from}");
        }
        foreach (var move in moves)
        {
            if (System.IO.Directory.Exists(move.To))
            {
                throw new MailFolderException(MailFolderError.AlreadyExists, $"{move.Name} exists already");
            }
        }
        foreach (var move in moves)
        {
            // Maildir++ is flat (.A and .A.B are siblings), so each is one rename of its own; the
            // folder's lock keeps a session from being half-way through a change meanwhile.
            FileLock? folderLock = MaildirFolder.IsMaildir(move.From) ? new MaildirFolder(move.From, Root).Lock() : null;
            try
            {
                int errno = Posix.TryRenameNoReplace(move.From, move.To);
                if (errno != 0)
                {
                    throw Posix.Failure("rename", move.From, errno);
                }
            }
            finally
            {
                folderLock?.Dispose();
            }
        }
        Posix.FsyncDirectory(Root);
        var subscriptions = ReadSubscriptions();
        var renamed = subscriptions.Select(s => FolderName.IsSelfOrBelow(s, from) ? to + s[from.Length..] : s).ToList();
        if (!renamed.SequenceEqual(subscriptions))
        {
            WriteSubscriptions(renamed.Distinct().ToList());
        }
    }

    /// <summary>LSUB / LIST (SUBSCRIBED): the subscribed names, folders or not, in file order.</summary>
    public IReadOnlyList<string> Subscriptions() => ReadSubscriptions();

    /// <summary>SUBSCRIBE (RFC 3501 §6.3.6): adds the name (existing or not) to the subscriptions file.</summary>
    public void Subscribe(string name)
    {
        string normalized = FolderName.Normalize(name);
        using var held = LockFolders();
        var names = ReadSubscriptions();
        if (!names.Contains(normalized))
        {
            WriteSubscriptions([.. names, normalized]);
        }
    }

    /// <summary>UNSUBSCRIBE (RFC 3501 §6.3.7); false when the name was not subscribed.</summary>
    public bool Unsubscribe(string name)
    {
        string normalized = FolderName.Normalize(name);
        using var held = LockFolders();
        var names = ReadSubscriptions();
        if (!names.Remove(normalized))
        {
            return false;
        }
        WriteSubscriptions(names);
        return true;
    }

    /// <summary>STATUS (RFC 3501 §6.3.10): counts as of now, new deliveries included.</summary>
    public FolderStatus Status(string name)
    {
        var folder = Resolve(name, out string normalized);
        return folder.Update(tx =>
        {
            int unseen = 0;
            int recent = 0;
            long size = 0;
            foreach (var entry in tx.Entries)
            {
                unseen += (MaildirFlags.SystemFlags(entry.FileName) & MessageFlags.Seen) == 0 ? 1 : 0;
                recent += entry.Uid >= tx.FirstRecentUid ? 1 : 0;
                size += entry.Size;
            }
            return new FolderStatus(normalized, tx.Entries.Count, unseen, recent, size, tx.UidNext, tx.UidValidity, tx.HighestModSeq);
        });
    }

    /// <summary>
    /// Opens a folder for a session: SELECT, EXAMINE, or a POP3 maildrop (INBOX). New deliveries
    /// get UIDs first; with <see cref="FolderAccess.Select"/> the session claims the <c>\Recent</c> messages.
    /// </summary>
    /// <exception cref="MailFolderException"><see cref="MailFolderError.NoSuchFolder"/> or <see cref="MailFolderError.InvalidName"/>.</exception>
    public MailFolder Open(string name, FolderAccess access = FolderAccess.Select)
    {
        var folder = Resolve(name, out string normalized);
        return new MailFolder(this, normalized, folder, access);
    }

    /// <summary>
    /// APPEND (RFC 3501 §6.3.11) with APPENDUID (RFC 4315): stores the message durably (written to
    /// tmp/, fsynced, renamed into cur/ with its flags, cur/ fsynced) with its file time set to
    /// the internal date, gives it the next UID and adds its size to the quota usage. The
    /// message is <c>\Recent</c> for the next session to claim it (the appending one, when
    /// <paramref name="selected"/> is this folder opened with SELECT).
    /// </summary>
    /// <param name="name">Folder.</param>
    /// <param name="message">The message's bytes, read to the end (the IMAP layer enforces its size limit while reading the literal).</param>
    /// <param name="flags">Its flags.</param>
    /// <param name="keywords">Its keywords, or null.</param>
    /// <param name="internalDate">INTERNALDATE; now when null.</param>
    /// <param name="selected">
    /// The appending session's selected folder, if any. When it is this folder, the view catches
    /// up in the same transaction (<see cref="AppendResult.Changes"/>: report them instead of
    /// calling <see cref="MailFolder.Sync"/>), and a SELECT view claims the new message's
    /// <c>\Recent</c> (RFC 3501 §2.3.2: the first session told of it). Without this every APPEND
    /// to the selected folder took the lock twice and wrote the index twice.
    /// </param>
    /// <exception cref="MailFolderException">
    /// <see cref="MailFolderError.NoSuchFolder"/> (answer [TRYCREATE]), <see cref="MailFolderError.OverQuota"/>, <see cref="MailFolderError.KeywordLimit"/>.
    /// </exception>
    public AppendResult Append(string name, Stream message, MessageFlags flags = MessageFlags.None,
        IReadOnlyCollection<string>? keywords = null, DateTimeOffset? internalDate = null, MailFolder? selected = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        keywords ??= [];
        foreach (string keyword in keywords)
        {
            KeywordMap.Validate(keyword);
        }
        var folder = Resolve(name, out _);
        string unique = MaildirName.Unique();
        string temp = Path.Combine(folder.Directory, "tmp", unique);
        string? placed = null;
        long date = (internalDate ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        long size;
        try
        {
            using (var file = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                message.CopyTo(file);
                file.Flush(flushToDisk: true);
                size = file.Length;
            }
            File.SetLastWriteTimeUtc(temp, DateTime.UnixEpoch.AddSeconds(date));
            CheckQuota(size);
            // (Not before the folder's first index: that scan would take the file for an old one.)
            if (keywords.Count == 0 && File.Exists(Path.Combine(folder.Directory, UidList.FileName)))
            {
                // Into cur/ and durable there before the lock, so that sessions wait for the
                // index write only, not for this fsync as well. A session that scans meanwhile
                // gives the file its UID (that transaction is durable too); we then report that one.
                string baseName = string.Create(CultureInfo.InvariantCulture, $"{unique},S={size}");
                placed = Path.Combine(folder.Directory, "cur", MaildirFlags.WithFlags(baseName, flags, ""));
                int errno = Posix.TryRenameNoReplace(temp, placed);
                if (errno != 0)
                {
                    placed = null;
                    throw errno == Posix.ENOENT
                        ? new MailFolderException(MailFolderError.NoSuchFolder, $"no folder {name}")
                        : Posix.Failure("rename", temp, errno);
                }
                Posix.FsyncDirectory(Path.Combine(folder.Directory, "cur"));
                string curName = Path.GetFileName(placed);
                var early = folder.Update(tx =>
                {
                    uint uid = (tx.FindBase(baseName) ?? tx.Register(curName, size, date, durable: true)).Uid;
                    return new AppendResult(tx.UidValidity, uid, selected?.CatchUpIn(folder, tx));
                });
                AddUsage(size);
                return early;
            }
            var uid = folder.Update(tx =>
            {
                var missing = new List<string>();
                string letters = tx.LettersOf(keywords, create: true, missing);
                if (missing.Count > 0)
                {
                    throw new MailFolderException(MailFolderError.KeywordLimit,
                        $"no room for keyword {missing[0]}: a folder holds {KeywordMap.Capacity}");
                }
                string curName = MaildirFlags.WithFlags(string.Create(CultureInfo.InvariantCulture, $"{unique},S={size}"), flags, letters);
                int errno = Posix.TryRenameNoReplace(temp, Path.Combine(tx.Directory, "cur", curName));
                if (errno != 0)
                {
                    throw Posix.Failure("rename", temp, errno);
                }
                uint uid = tx.Register(curName, size, date).Uid;
                return new AppendResult(tx.UidValidity, uid, selected?.CatchUpIn(folder, tx));
            });
            AddUsage(size);
            return uid;
        }
        catch
        {
            try
            {
                // Not appended (RFC 3501 §6.3.11): the file goes, from cur/ too if it got there. A
                // session that gave it a UID meanwhile sees it expunged. (Should the folder have
                // been renamed in that instant, the message went with it.)
                File.Delete(placed ?? temp);
            }
            catch (IOException)
            {
                // Left for MailStore.Maintenance.
            }
            throw;
        }
    }

    // ---- Internals ----------------------------------------------------------------------------

    /// <summary>The existing folder called <paramref name="name"/>; INBOX is created when missing.</summary>
    internal MaildirFolder Resolve(string name) => Resolve(name, out _);

    private MaildirFolder Resolve(string name, out string normalized)
    {
        normalized = FolderName.Normalize(name);
        var folder = Folder(normalized);
        if (FolderName.IsInbox(normalized))
        {
            MaildirLayout.EnsureMaildir(Root);
        }
        if (!folder.Exists)
        {
            throw new MailFolderException(MailFolderError.NoSuchFolder, $"no folder {normalized}");
        }
        return folder;
    }

    /// <summary>The directory of a folder name (whether it exists or not).</summary>
    internal string DirectoryOf(string name) => Folder(FolderName.Normalize(name)).Directory;

    private MaildirFolder Folder(string normalized) =>
        new(Path.Combine(Root, FolderName.ToDirectoryName(normalized)), Root);

    /// <summary>Every <c>.Name</c> directory under the root that stands for a folder name, with that name.</summary>
    private List<(string Name, string Directory)> FolderDirectories()
    {
        var result = new List<(string, string)>();
        IEnumerable<string> directories;
        try
        {
            directories = System.IO.Directory.EnumerateDirectories(Root, ".*").ToList();
        }
        catch (DirectoryNotFoundException)
        {
            return result;
        }
        foreach (string directory in directories)
        {
            if (FolderName.FromDirectoryName(Path.GetFileName(directory)) is string name)
            {
                result.Add((name, directory));
            }
        }
        return result;
    }

    private void CreateMaildir(MaildirFolder folder)
    {
        MaildirLayout.EnsureMaildir(folder.Directory);
        DurableDirectory.EnsureEmptyFile(Path.Combine(folder.Directory, "maildirfolder"));
        folder.Update(_ => 0); // the index, with a new UIDVALIDITY
    }

    /// <summary>
    /// INBOX's messages move into a new folder (RFC 3501 §6.3.5), under both folders' locks —
    /// the only place two are held: the new folder's first, which no one else knows yet.
    /// </summary>
    private void RenameInbox(string to)
    {
        var target = Folder(to);
        if (target.Exists)
        {
            throw new MailFolderException(MailFolderError.AlreadyExists, $"{to} exists already");
        }
        var inbox = Resolve(Inbox);
        MaildirLayout.EnsureMaildir(target.Directory);
        DurableDirectory.EnsureEmptyFile(Path.Combine(target.Directory, "maildirfolder"));
        // A new folder, so it can take INBOX's keyword letters as they are.
        KeywordMap.Load(inbox.Directory).Save(target.Directory);
        target.Update(targetTx => inbox.Update(inboxTx =>
        {
            foreach (var entry in inboxTx.Entries)
            {
                string curName = MaildirFlags.WithFlags(entry.FileName,
                    MaildirFlags.SystemFlags(entry.FileName), MaildirFlags.KeywordLetters(entry.FileName));
                int errno = Posix.TryRenameNoReplace(entry.Path(inboxTx.Directory), Path.Combine(targetTx.Directory, "cur", curName));
                if (errno == Posix.ENOENT)
                {
                    continue; // expunged meanwhile: the inbox's next scan notices
                }
                if (errno != 0)
                {
                    throw Posix.Failure("rename", entry.Path(inboxTx.Directory), errno);
                }
                targetTx.Register(curName, entry.Size, entry.Date);
                inboxTx.Forget(entry);
            }
            return 0;
        }));
    }

    private FileLock LockFolders()
    {
        MaildirLayout.EnsureMaildir(Root);
        return FileLock.Acquire(Path.Combine(Root, FoldersLockFileName));
    }

    /// <summary>Removes what a delete left behind when it was interrupted.</summary>
    private void RemoveDeleted()
    {
        try
        {
            foreach (string directory in System.IO.Directory.EnumerateDirectories(Path.Combine(Root, "tmp"), DeletedPrefix + "*"))
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Tried again at the next delete.
        }
    }

    /// <summary>
    /// The subscriptions file as Dovecot 2.x writes it: the header <c>V\t2\n\n</c>, then one name
    /// a line, levels separated by a tab, each level in modified UTF-7 as on disk. Version 1
    /// files (no header; one storage name a line, levels separated by '.') are read too.
    /// </summary>
    private List<string> ReadSubscriptions()
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(Root, SubscriptionsFileName));
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
        bool version2 = text.StartsWith(SubscriptionsHeader, StringComparison.Ordinal);
        var names = new List<string>();
        foreach (string line in (version2 ? text[SubscriptionsHeader.Length..] : text).Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }
            string? name = line.Equals(Inbox, StringComparison.OrdinalIgnoreCase)
                ? Inbox
                : FolderName.FromDirectoryName("." + (version2 ? line.Replace('\t', '.') : line));
            if (name is not null && !names.Contains(name))
            {
                names.Add(name);
            }
        }
        return names;
    }

    private void WriteSubscriptions(List<string> names)
    {
        var text = new StringBuilder(SubscriptionsHeader);
        foreach (string name in names)
        {
            text.Append(FolderName.IsInbox(name) ? Inbox : FolderName.ToDirectoryName(name)[1..].Replace('.', '\t')).Append('\n');
        }
        DurableFile.Replace(Path.Combine(Root, SubscriptionsFileName), Encoding.UTF8.GetBytes(text.ToString()), durable: true);
    }

    internal void CheckQuota(long bytes)
    {
        var status = accounts.CheckQuota(Mailbox, bytes);
        if (status != QuotaStatus.Ok)
        {
            throw new MailFolderException(MailFolderError.OverQuota, $"{Mailbox.Address} is over quota");
        }
    }

    /// <summary>Keeps the user's counted usage (which SMTP's quota check reads) in step with IMAP's changes.</summary>
    internal void AddUsage(long deltaBytes)
    {
        if (deltaBytes == 0)
        {
            return;
        }
        try
        {
            accounts.AddUsage(Mailbox.Address, deltaBytes);
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            // The mail change is done and must be reported as done; the count drifts until
            // MailStore.Maintenance recounts it from the file names.
        }
    }
}
