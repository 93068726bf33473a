using System.Text;

namespace Letterbox.Store;

/// <summary>
/// Where mail lives: <c>&lt;data&gt;/mail/&lt;domain&gt;/&lt;localpart&gt;/</c>, a Maildir++ tree laid out
/// as Dovecot's (<c>mail_location = maildir:/.../%d/%n</c>) so a user's directory can move to or
/// from Dovecot as it is.
/// </summary>
internal static class MaildirLayout
{
    /// <summary>Folders every new mailbox gets (RFC 6154 special-use names, Dovecot's usual set).</summary>
    public static readonly string[] SpecialFolders = ["Sent", "Drafts", "Trash", "Junk", "Archive"];

    public static readonly string[] Subdirectories = ["cur", "new", "tmp"];

    public static string MailRoot(string dataDirectory) => Path.Combine(dataDirectory, "mail");

    public static string MailboxDirectory(string dataDirectory, string localPart, string domain) =>
        Path.Combine(MailRoot(dataDirectory), PathComponent(domain), PathComponent(localPart));

    /// <summary>
    /// A name as one safe path component. Kept as is unless it contains '/', '\', '%', NUL or
    /// another control character, or starts with '.' (which also rules out "." and ".."); each of
    /// those (all ASCII) becomes <c>%XX</c>. '%' itself is escaped, so the mapping is one-to-one.
    /// </summary>
    public static string PathComponent(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        bool safe = name[0] != '.';
        foreach (char c in name)
        {
            safe &= !IsUnsafe(c);
        }
        if (safe)
        {
            return name;
        }
        var encoded = new StringBuilder(name.Length * 3);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (IsUnsafe(c) || (i == 0 && c == '.'))
            {
                encoded.Append('%').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                encoded.Append(c);
            }
        }
        return encoded.ToString();
    }

    private static bool IsUnsafe(char c) => c is '/' or '%' or '\\' || c < 0x20 || c == 0x7f;

    /// <summary>The Maildir++ tree of a new user: cur/new/tmp plus the special folders, each marked with <c>maildirfolder</c>.</summary>
    public static void Create(string mailboxDirectory)
    {
        EnsureMaildir(mailboxDirectory);
        foreach (string folder in SpecialFolders)
        {
            string path = Path.Combine(mailboxDirectory, "." + folder);
            EnsureMaildir(path);
            DurableDirectory.EnsureEmptyFile(Path.Combine(path, "maildirfolder"));
        }
    }

    /// <summary>Makes sure cur/, new/ and tmp/ exist (a removed mailbox directory is recreated on delivery).</summary>
    public static void EnsureMaildir(string directory)
    {
        foreach (string sub in Subdirectories)
        {
            DurableDirectory.Ensure(Path.Combine(directory, sub));
        }
    }

    /// <summary>The root Maildir and every Maildir++ folder (".Name" directories) of a mailbox.</summary>
    public static IEnumerable<string> Maildirs(string mailboxDirectory)
    {
        yield return mailboxDirectory;
        IEnumerable<string> folders;
        try
        {
            folders = Directory.EnumerateDirectories(mailboxDirectory, ".*").ToList();
        }
        catch (DirectoryNotFoundException)
        {
            yield break;
        }
        foreach (string folder in folders)
        {
            yield return folder;
        }
    }

    /// <summary>
    /// Bytes of mail in a mailbox: the S= size in each file name of cur/ and new/ of every
    /// folder, or the file's length when the name carries none.
    /// </summary>
    public static long CountUsage(string mailboxDirectory)
    {
        long total = 0;
        foreach (string maildir in Maildirs(mailboxDirectory))
        {
            foreach (string sub in (ReadOnlySpan<string>)["cur", "new"])
            {
                var dir = new DirectoryInfo(Path.Combine(maildir, sub));
                if (!dir.Exists)
                {
                    continue;
                }
                foreach (var file in dir.EnumerateFiles())
                {
                    try
                    {
                        total += MaildirName.SizeOf(file.Name) ?? file.Length;
                    }
                    catch (FileNotFoundException)
                    {
                        // Moved or expunged while we counted.
                    }
                }
            }
        }
        return total;
    }
}
