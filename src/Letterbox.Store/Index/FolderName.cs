using System.Text;

namespace Letterbox.Store;

/// <summary>
/// Folder names as IMAP shows them (Unicode, '/' between levels, "INBOX" in any case is the
/// inbox) and as Dovecot's Maildir++ layout stores them: INBOX is the Maildir root, every other
/// folder a directory <c>.A.B</c> under it, each level in modified UTF-7 (Dovecot's default,
/// <c>mailbox_list_utf8 = no</c>), so "Entwürfe" is <c>.Entw&amp;APw-rfe</c>.
/// </summary>
/// <remarks>
/// '.' separates levels on disk, so it cannot appear inside a level (Dovecot with
/// <c>separator = /</c> refuses it too). Also refused: empty levels, control characters, the LIST
/// wildcards '*' and '%', and directory names over 255 bytes. A single trailing '/' (RFC 3501
/// CREATE "declares the intent to create inferiors") is dropped.
/// </remarks>
internal static class FolderName
{
    public const char Separator = '/';
    public const string Inbox = "INBOX";
    private const int MaxDirectoryNameBytes = 255;

    /// <summary>The one spelling of a valid name ("inbox/x" becomes "INBOX/x"); throws <see cref="MailFolderException"/> otherwise.</summary>
    public static string Normalize(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw Invalid(name ?? "", "empty name");
        }
        if (name.Length > 1 && name[^1] == Separator)
        {
            name = name[..^1];
        }
        string[] levels = name.Split(Separator);
        foreach (string level in levels)
        {
            if (level.Length == 0)
            {
                throw Invalid(name, "empty hierarchy level");
            }
            foreach (char c in level)
            {
                if (c < 0x20 || c == 0x7f || c is '.' or '*' or '%')
                {
                    throw Invalid(name, $"character not allowed: U+{(int)c:X4}");
                }
            }
        }
        if (levels[0].Equals(Inbox, StringComparison.OrdinalIgnoreCase))
        {
            levels[0] = Inbox;
        }
        string normalized = string.Join(Separator, levels);
        string directory;
        try
        {
            directory = ToDirectoryName(normalized);
        }
        catch (ArgumentException)
        {
            throw Invalid(name, "unpaired surrogate");
        }
        if (Encoding.UTF8.GetByteCount(directory) > MaxDirectoryNameBytes)
        {
            throw Invalid(name, "name too long");
        }
        return normalized;
    }

    public static bool IsInbox(string normalized) => normalized == Inbox;

    /// <summary>The directory under the Maildir root: "" for INBOX, <c>.A.B</c> for "A/B".</summary>
    public static string ToDirectoryName(string normalized) =>
        IsInbox(normalized)
            ? ""
            : "." + string.Join('.', normalized.Split(Separator).Select(ModifiedUtf7.Encode));

    /// <summary>
    /// The folder a directory name under the Maildir root stands for, or null when it is none we
    /// could address (not a <c>.Name</c>, bad modified UTF-7, a refused character, or a
    /// spelling other than the one <see cref="ToDirectoryName"/> gives).
    /// </summary>
    public static string? FromDirectoryName(string directoryName)
    {
        if (directoryName.Length < 2 || directoryName[0] != '.' || directoryName[1] == '.')
        {
            return null;
        }
        var levels = new List<string>();
        foreach (string level in directoryName[1..].Split('.'))
        {
            string? decoded = level.Length == 0 ? null : ModifiedUtf7.Decode(level);
            if (decoded is null)
            {
                return null;
            }
            levels.Add(decoded);
        }
        try
        {
            string name = Normalize(string.Join(Separator, levels));
            return ToDirectoryName(name) == directoryName ? name : null;
        }
        catch (MailFolderException)
        {
            return null;
        }
    }

    /// <summary>The parent's name, or null for a top-level name.</summary>
    public static string? Parent(string normalized)
    {
        int last = normalized.LastIndexOf(Separator);
        return last < 0 ? null : normalized[..last];
    }

    /// <summary>True when <paramref name="name"/> is <paramref name="ancestor"/> or below it.</summary>
    public static bool IsSelfOrBelow(string name, string ancestor) =>
        name == ancestor || (name.Length > ancestor.Length && name.StartsWith(ancestor, StringComparison.Ordinal) && name[ancestor.Length] == Separator);

    /// <summary>RFC 6154 attribute of a top-level folder with one of the usual names (the set every new mailbox gets).</summary>
    public static SpecialUse SpecialUseOf(string normalized) => normalized switch
    {
        "Sent" => SpecialUse.Sent,
        "Drafts" => SpecialUse.Drafts,
        "Trash" => SpecialUse.Trash,
        "Junk" => SpecialUse.Junk,
        "Archive" => SpecialUse.Archive,
        _ => SpecialUse.None,
    };

    private static MailFolderException Invalid(string name, string why) =>
        new(MailFolderError.InvalidName, $"invalid folder name \"{name}\": {why}");
}
