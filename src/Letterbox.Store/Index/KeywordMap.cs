using System.Globalization;
using System.Text;

namespace Letterbox.Store;

/// <summary>
/// A folder's keywords as Dovecot stores them for Maildir: the letters a-z in a file name's
/// flags stand for keywords, listed in <c>dovecot-keywords</c> as lines <c>&lt;index&gt; &lt;name&gt;</c>
/// (index 0 is 'a'). At most 26 per folder; letters are never reused once given out. Names
/// match case-insensitively; the first spelling is kept. Changed only under the folder's lock,
/// written to a temp file, fsynced and renamed into place before any file name uses a new letter.
/// </summary>
internal sealed class KeywordMap
{
    public const string FileName = "dovecot-keywords";
    public const int Capacity = 26;

    private readonly string?[] names = new string?[Capacity];

    /// <summary>The keywords defined, in letter order.</summary>
    public IReadOnlyList<string> Names => names.OfType<string>().ToList();

    /// <summary>True when no letter is left for a new keyword.</summary>
    public bool IsFull => Array.IndexOf(names, null) < 0;

    /// <summary>Reads the map of the folder in <paramref name="directory"/> (empty when there is none).</summary>
    public static KeywordMap Load(string directory)
    {
        var map = new KeywordMap();
        string path = Path.Combine(directory, FileName);
        string text;
        try
        {
            // Most folders have no keywords: a stat, not an exception, on every transaction.
            if (!File.Exists(path))
            {
                return map;
            }
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return map;
        }
        foreach (string line in text.Split('\n'))
        {
            int space = line.IndexOf(' ');
            if (space <= 0 || space == line.Length - 1
                || !int.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                || index >= Capacity)
            {
                continue; // Dovecot skips such lines too
            }
            map.names[index] = line[(space + 1)..];
        }
        return map;
    }

    /// <summary>The keyword a letter stands for, or null when the map has none.</summary>
    public string? NameOf(char letter) => letter is >= 'a' and <= 'z' ? names[letter - 'a'] : null;

    /// <summary>The letter of a keyword, or null when it has none yet.</summary>
    public char? LetterOf(string keyword)
    {
        for (int i = 0; i < Capacity; i++)
        {
            if (string.Equals(names[i], keyword, StringComparison.OrdinalIgnoreCase))
            {
                return (char)('a' + i);
            }
        }
        return null;
    }

    /// <summary>Gives a keyword a letter (kept in memory until <see cref="Save"/>); null when all 26 are taken.</summary>
    public char? Add(string keyword)
    {
        if (LetterOf(keyword) is char existing)
        {
            return existing;
        }
        int free = Array.IndexOf(names, null);
        if (free < 0)
        {
            return null;
        }
        names[free] = keyword;
        return (char)('a' + free);
    }

    /// <summary>The keyword names of a file name's letters (letters the map does not know are skipped).</summary>
    public IReadOnlyList<string> NamesOf(string letters)
    {
        if (letters.Length == 0)
        {
            return [];
        }
        var result = new List<string>(letters.Length);
        foreach (char c in letters)
        {
            if (NameOf(c) is string name)
            {
                result.Add(name);
            }
        }
        return result;
    }

    /// <summary>Writes the map durably: temp file, fsync, rename, fsync of the directory.</summary>
    public void Save(string directory)
    {
        var text = new StringBuilder();
        for (int i = 0; i < Capacity; i++)
        {
            if (names[i] is string name)
            {
                text.Append(CultureInfo.InvariantCulture, $"{i} {name}\n");
            }
        }
        DurableFile.Replace(Path.Combine(directory, FileName), Encoding.UTF8.GetBytes(text.ToString()), durable: true);
    }

    /// <summary>Checks a keyword the IMAP layer passed on: an atom, not a system flag (RFC 3501 §9 flag-keyword).</summary>
    public static void Validate(string keyword)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyword);
        if (keyword[0] == '\\' || keyword.Length > 200)
        {
            throw new ArgumentException($"not a keyword: {keyword}", nameof(keyword));
        }
        foreach (char c in keyword)
        {
            if (c <= 0x20 || c >= 0x7f || c is '(' or ')' or '{' or '%' or '*' or '"' or '\\' or ']')
            {
                throw new ArgumentException($"not a keyword: {keyword}", nameof(keyword));
            }
        }
    }
}
