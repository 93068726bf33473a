using System.Text;

namespace Letterbox.Store;

/// <summary>
/// Makes MOVE all or nothing across a crash. A move is a copy into the destination (hard links,
/// under the destination's lock) and then an expunge in the source (under the source's lock);
/// the two locks are never held together, so a process killed in between would leave the
/// message in both folders. Before the first link the mover writes this journal into the source
/// folder and holds an flock on it until the move is over; after the destination's index is
/// committed it appends <c>committed</c>. The next transaction on the source that finds a journal
/// nobody holds finishes the move (<see cref="Recover"/>):
/// <list type="bullet">
/// <item><c>committed</c>: the copies are in the destination; the originals are expunged.</item>
/// <item>not committed: per message, a copy already in the destination's cur/ wins (the original
/// is expunged); otherwise the move is undone (the link left in the destination's tmp/ goes).</item>
/// <item>no <c>end</c> line: the crash came while writing it, before any link; it is dropped.</item>
/// </list>
/// Format: <c>letterbox-move 1</c>, the destination directory relative to the source's, one
/// line per message <c>&lt;source base name&gt; TAB &lt;destination file name&gt;</c>, <c>end</c>.
/// </summary>
internal sealed class MoveJournal : IDisposable
{
    public const string Prefix = "letterbox-move.";
    private const string Magic = "letterbox-move 1";
    private const string End = "end";
    private const string Committed = "committed";

    private readonly FileLock _held;
    private readonly string _path;
    private long _length;

    private MoveJournal(FileLock held, string path, long length)
    {
        _held = held;
        _path = path;
        _length = length;
    }

    /// <summary>Writes and fsyncs the journal of a move from <paramref name="sourceDirectory"/>; the caller holds it until <see cref="Complete"/> or disposal.</summary>
    public static MoveJournal Begin(string sourceDirectory, string targetDirectory, IEnumerable<(string SourceBase, string TargetName)> items)
    {
        var text = new StringBuilder();
        text.Append(Magic).Append('\n');
        text.Append(Path.GetRelativePath(sourceDirectory, targetDirectory)).Append('\n');
        foreach (var (sourceBase, targetName) in items)
        {
            text.Append(sourceBase).Append('\t').Append(targetName).Append('\n');
        }
        text.Append(End).Append('\n');
        string path = Path.Combine(sourceDirectory, Prefix + MaildirName.Unique());
        var held = FileLock.CreateNew(path);
        try
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
            RandomAccess.Write(held.Handle, bytes, 0);
            held.Flush();
            Posix.FsyncDirectory(sourceDirectory);
            return new MoveJournal(held, path, bytes.Length);
        }
        catch
        {
            held.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>The destination has the copies, durably: from here on a recovery finishes the move.</summary>
    public void MarkCommitted()
    {
        byte[] line = Encoding.ASCII.GetBytes(Committed + "\n");
        RandomAccess.Write(_held.Handle, line, _length);
        _length += line.Length;
        _held.Flush();
    }

    /// <summary>The originals are expunged and committed: the journal goes.</summary>
    public void Complete() => File.Delete(_path);

    /// <summary>Releases the lock. Without <see cref="Complete"/> the journal stays for <see cref="Recover"/>.</summary>
    public void Dispose() => _held.Dispose();

    /// <summary>Finishes or undoes the moves of dead processes found in the transaction's folder; see the class summary.</summary>
    public static void Recover(FolderTransaction tx)
    {
        IEnumerable<string> journals;
        try
        {
            journals = Directory.EnumerateFiles(tx.Directory, Prefix + "*").ToList();
        }
        catch (DirectoryNotFoundException)
        {
            return;
        }
        foreach (string path in journals)
        {
            using var held = FileLock.TryAcquireExisting(path);
            if (held is null || !File.Exists(path))
            {
                continue; // a live mover holds it, or it finished meanwhile
            }
            // Read through the locked descriptor: a FileStream would take .NET's own shared flock, which ours excludes.
            long length = RandomAccess.GetLength(held.Handle);
            byte[] bytes = new byte[Math.Min(length, 16L * 1024 * 1024)];
            int read = 0;
            for (int n; read < bytes.Length && (n = RandomAccess.Read(held.Handle, bytes.AsSpan(read), read)) > 0;)
            {
                read += n;
            }
            var lines = Encoding.UTF8.GetString(bytes, 0, read).Split('\n');
            int end = Array.IndexOf(lines, End);
            if (lines.Length >= 3 && lines[0] == Magic && end >= 2)
            {
                bool committed = end + 1 < lines.Length && lines[end + 1] == Committed;
                string target = Path.GetFullPath(Path.Combine(tx.Directory, lines[1]));
                for (int i = 2; i < end; i++)
                {
                    int tab = lines[i].IndexOf('\t', StringComparison.Ordinal);
                    if (tab <= 0)
                    {
                        continue;
                    }
                    string sourceBase = lines[i][..tab];
                    string targetName = lines[i][(tab + 1)..];
                    if (targetName.Contains('/', StringComparison.Ordinal) || targetName.StartsWith('.'))
                    {
                        continue; // not a name we wrote
                    }
                    if (committed || InCur(target, targetName))
                    {
                        if (tx.FindBase(sourceBase) is IndexEntry entry)
                        {
                            tx.Delete(entry);
                        }
                    }
                    TryDelete(Path.Combine(target, "tmp", targetName));
                }
            }
            File.Delete(path);
        }
    }

    private static bool InCur(string folder, string name)
    {
        string cur = Path.Combine(folder, "cur");
        if (File.Exists(Path.Combine(cur, name)))
        {
            return true;
        }
        try
        {
            return Directory.EnumerateFiles(cur, name + ":*").Any();
        }
        catch (DirectoryNotFoundException)
        {
            return false;
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
            // Left for MailStore.Maintenance, which clears old files from tmp/.
        }
    }
}
