using Letterbox.Store;

namespace Letterbox.Daemons.Pop3;

/// <summary>
/// A user's INBOX as POP3 sees it (RFC 1939 §3): a numbered list fixed for the session, with a
/// unique id per message that never changes (the Maildir base name, which the IMAP index binds
/// its UIDs to, so both protocols name a message the same way). Deletions happen at QUIT only.
/// </summary>
public sealed class Maildrop
{
    public sealed record Message(int Number, string Uid, string Path, long Size)
    {
        public bool Deleted { get; set; }
    }

    private readonly string _root;

    public IReadOnlyList<Message> Messages { get; }

    public Maildrop(string maildir)
    {
        _root = maildir;
        var files = new List<FileInfo>();
        foreach (var sub in new[] { "cur", "new" })
        {
            var dir = new DirectoryInfo(System.IO.Path.Combine(maildir, sub));
            if (dir.Exists)
                files.AddRange(dir.EnumerateFiles().Where(f => !f.Name.StartsWith('.')));
        }
        Messages = files
            .OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => BaseName(f.Name), StringComparer.Ordinal)
            .Select((f, i) => new Message(i + 1, BaseName(f.Name), f.FullName, f.Length))
            .ToList();
    }

    public Message? Find(int number) =>
        number >= 1 && number <= Messages.Count && !Messages[number - 1].Deleted ? Messages[number - 1] : null;

    public IEnumerable<Message> Live => Messages.Where(m => !m.Deleted);

    /// <summary>
    /// Marks a message read after RETR, as Dovecot's POP3 does: moved from new/ to cur/ with the S
    /// flag in its name (Maildir spec), which is how IMAP clients then see it as \Seen.
    /// </summary>
    public void MarkSeen(Message message)
    {
        var name = System.IO.Path.GetFileName(message.Path);
        int colon = name.IndexOf(":2,", StringComparison.Ordinal);
        var flags = colon < 0 ? "" : name[(colon + 3)..];
        if (flags.Contains('S'))
            return;
        var target = System.IO.Path.Combine(_root, "cur", BaseName(name) + ":2," + new string([.. flags.Append('S').Order()]));
        try
        {
            File.Move(message.Path, target);
        }
        catch (IOException)
        {
            // Moved or removed by another session meanwhile: the flag is cosmetic, the read succeeded.
        }
    }

    /// <summary>The UPDATE state (RFC 1939 §6): removes what was marked; returns the bytes freed.</summary>
    public long Commit()
    {
        long freed = 0;
        foreach (var m in Messages.Where(m => m.Deleted))
        {
            var path = Current(m);
            if (path is null)
                continue;
            File.Delete(path);
            freed += m.Size;
        }
        return freed;
    }

    /// <summary>Where the message is now (RETR may have renamed it, another client may have flagged it).</summary>
    public string? Current(Message message)
    {
        if (File.Exists(message.Path))
            return message.Path;
        var cur = new DirectoryInfo(System.IO.Path.Combine(_root, "cur"));
        return cur.Exists ? cur.EnumerateFiles(message.Uid + "*").Select(f => f.FullName).FirstOrDefault(f => BaseName(System.IO.Path.GetFileName(f)) == message.Uid) : null;
    }

    private static string BaseName(string fileName)
    {
        int colon = fileName.IndexOf(':');
        return colon < 0 ? fileName : fileName[..colon];
    }
}
