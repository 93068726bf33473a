namespace Letterbox.Store;

/// <summary>
/// One Maildir++ folder on disk and the lock around its index. Every read or change of the
/// index happens in <see cref="Update{T}"/>: lock, load (recovering a damaged index), bring it
/// in line with the files, run the change, write the index if anything changed, unlock. So
/// any number of processes and sessions can use the folder at once, and each sees a state
/// that matches the files at that moment.
/// </summary>
internal sealed class MaildirFolder(string directory, string maildirRoot)
{
    /// <summary>The folder's Maildir (the root for INBOX).</summary>
    public string Directory { get; } = directory;

    /// <summary>The user's Maildir root, where UIDVALIDITY values are handed out.</summary>
    public string MaildirRoot { get; } = maildirRoot;

    /// <summary>True when the folder is a Maildir (has cur/, new/ and tmp/).</summary>
    public bool Exists => IsMaildir(Directory);

    public static bool IsMaildir(string directory) =>
        System.IO.Directory.Exists(Path.Combine(directory, "cur"))
        && System.IO.Directory.Exists(Path.Combine(directory, "new"))
        && System.IO.Directory.Exists(Path.Combine(directory, "tmp"));

    /// <summary>A name that can be a message file in cur/ or new/: no dot file, no control character.</summary>
    public static bool IsMessageFileName(string name)
    {
        if (name.Length == 0 || name[0] == '.')
        {
            return false;
        }
        foreach (char c in name)
        {
            if (c < 0x20 || c == '/' || c == 0x7f)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Runs <paramref name="body"/> on the folder's index under its lock; see the class summary.</summary>
    /// <exception cref="MailFolderException">The folder does not exist (any more), or its lock stayed busy.</exception>
    public T Update<T>(Func<FolderTransaction, T> body)
    {
        using var held = Lock();
        return Transact(Directory, body);
    }

    /// <summary>As <see cref="Update{T}"/>, without the scan of the files (<see cref="FolderTransaction.Begin"/> with scan false).</summary>
    public T Look<T>(Func<FolderTransaction, T> body)
    {
        using var held = Lock();
        var transaction = FolderTransaction.Begin(Directory, MaildirRoot, scan: false);
        T result = body(transaction);
        transaction.Commit();
        return result;
    }

    /// <summary>Takes the folder's lock, for callers that then use <see cref="Transact"/> (possibly after moving the folder).</summary>
    public FileLock Lock()
    {
        if (!Exists)
        {
            throw NoSuchFolder();
        }
        FileLock held;
        try
        {
            held = FileLock.Acquire(Path.Combine(Directory, UidList.LockFileName));
        }
        catch (DirectoryNotFoundException)
        {
            throw NoSuchFolder();
        }
        if (!Exists)
        {
            // Deleted or renamed while we waited for the lock.
            held.Dispose();
            throw NoSuchFolder();
        }
        return held;
    }

    /// <summary>The transaction itself, for a caller already holding the lock of the folder now at <paramref name="directory"/>.</summary>
    public T Transact<T>(string directory, Func<FolderTransaction, T> body)
    {
        var transaction = FolderTransaction.Begin(directory, MaildirRoot);
        T result = body(transaction);
        transaction.Commit();
        return result;
    }

    private MailFolderException NoSuchFolder() =>
        new(MailFolderError.NoSuchFolder, $"no folder at {Directory}");
}
