using System.Text;

namespace Letterbox.Store;

/// <summary>
/// Flags in Maildir file names: <c>base:2,FLAGS</c> (cr.yp.to/proto/maildir.html), letters in
/// ASCII order. D F R S T are the IMAP system flags, a-z are keywords through the folder's
/// <c>dovecot-keywords</c> map; any other letter (P, "passed", or a foreign one) is kept as it
/// is, and so is anything after a second ',' — as Dovecot does.
/// </summary>
internal static class MaildirFlags
{
    private const string Info = ":2,";

    /// <summary>The name before the last ':': the message's identity, unchanged by flag changes.</summary>
    public static string BaseName(string fileName)
    {
        int colon = fileName.LastIndexOf(':');
        return colon < 0 ? fileName : fileName[..colon];
    }

    /// <summary>The flag letters after <c>:2,</c>, up to the next ','; empty when there are none.</summary>
    public static ReadOnlySpan<char> Letters(string fileName)
    {
        int colon = fileName.LastIndexOf(':');
        if (colon < 0 || !fileName.AsSpan(colon).StartsWith(Info))
        {
            return [];
        }
        var letters = fileName.AsSpan(colon + Info.Length);
        int comma = letters.IndexOf(',');
        return comma < 0 ? letters : letters[..comma];
    }

    /// <summary>The IMAP system flags in a file name.</summary>
    public static MessageFlags SystemFlags(string fileName)
    {
        var flags = MessageFlags.None;
        foreach (char c in Letters(fileName))
        {
            flags |= FlagOf(c);
        }
        return flags;
    }

    /// <summary>The keyword letters (a-z) in a file name, ascending.</summary>
    public static string KeywordLetters(string fileName)
    {
        var letters = new StringBuilder();
        foreach (char c in Letters(fileName))
        {
            if (c is >= 'a' and <= 'z')
            {
                letters.Append(c);
            }
        }
        return letters.ToString();
    }

    /// <summary>True when two names carry the same set of flag letters (order and duplicates aside).</summary>
    public static bool SameFlags(string a, string b) => Normalized(Letters(a)) == Normalized(Letters(b));

    /// <summary>
    /// The file name with <paramref name="flags"/> and exactly <paramref name="keywordLetters"/> as
    /// its flags: base + <c>:2,</c> + sorted letters, foreign letters and a trailing ",..." kept.
    /// </summary>
    public static string WithFlags(string fileName, MessageFlags flags, string keywordLetters)
    {
        var kept = new SortedSet<char>();
        string rest = "";
        int colon = fileName.LastIndexOf(':');
        if (colon >= 0 && fileName.AsSpan(colon).StartsWith(Info))
        {
            var letters = fileName.AsSpan(colon + Info.Length);
            int comma = letters.IndexOf(',');
            if (comma >= 0)
            {
                rest = letters[comma..].ToString();
                letters = letters[..comma];
            }
            foreach (char c in letters)
            {
                if (FlagOf(c) == MessageFlags.None && c is not (>= 'a' and <= 'z'))
                {
                    kept.Add(c);
                }
            }
        }
        foreach (var (flag, letter) in Table)
        {
            if ((flags & flag) != 0)
            {
                kept.Add(letter);
            }
        }
        foreach (char c in keywordLetters)
        {
            kept.Add(c);
        }
        var name = new StringBuilder(fileName.Length + 8);
        name.Append(BaseName(fileName)).Append(Info);
        foreach (char c in kept)
        {
            name.Append(c);
        }
        return name.Append(rest).ToString();
    }

    private static readonly (MessageFlags Flag, char Letter)[] Table =
    [
        (MessageFlags.Draft, 'D'),
        (MessageFlags.Flagged, 'F'),
        (MessageFlags.Answered, 'R'),
        (MessageFlags.Seen, 'S'),
        (MessageFlags.Deleted, 'T'),
    ];

    private static MessageFlags FlagOf(char c) => c switch
    {
        'D' => MessageFlags.Draft,
        'F' => MessageFlags.Flagged,
        'R' => MessageFlags.Answered,
        'S' => MessageFlags.Seen,
        'T' => MessageFlags.Deleted,
        _ => MessageFlags.None,
    };

    private static string Normalized(ReadOnlySpan<char> letters)
    {
        var set = new SortedSet<char>();
        foreach (char c in letters)
        {
            set.Add(c);
        }
        return string.Concat(set);
    }
}
