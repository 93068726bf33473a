using System.Collections.Concurrent;
using Letterbox.Store;
using MimeKit;

namespace Letterbox.Daemons.Imap;

/// <summary>
/// The header fields of messages that SEARCH read, kept for the next SEARCH, in any session of
/// this process: a header search otherwise opens and parses every file of the folder each time
/// (500 files for one SEARCH SUBJECT). Safe because a Maildir message never changes: a flag
/// change renames the file but keeps its base name, and the key is the folder's directory with
/// that base name and the size. Bounded by the characters held (<see cref="MaxChars"/>); when
/// full it starts over, which costs one re-read of what is searched again.
/// </summary>
internal static class HeaderCache
{
    /// <summary>About 16 MiB of UTF-16 text.</summary>
    public const long MaxChars = 8L * 1024 * 1024;

    private static readonly ConcurrentDictionary<string, Field[]> Entries = new(StringComparer.Ordinal);
    private static long _chars;

    /// <summary>One header field: its name and unfolded, decoded value as MimeKit gives them.</summary>
    public readonly record struct Field(string Name, string Value);

    /// <summary>The header fields of <paramref name="message"/> in <paramref name="view"/>; null when the message is gone.</summary>
    public static Field[]? Get(MailFolder view, MessageInfo message)
    {
        string key = KeyOf(message);
        if (Entries.TryGetValue(key, out var cached))
            return cached;
        using var stream = view.OpenMessage(message.Uid);
        if (stream is null)
            return null;
        var headers = HeaderList.Load(stream);
        var fields = new Field[headers.Count];
        long chars = key.Length;
        for (int i = 0; i < fields.Length; i++)
        {
            fields[i] = new Field(headers[i].Field, headers[i].Value ?? "");
            chars += fields[i].Name.Length + fields[i].Value.Length;
        }
        if (Interlocked.Add(ref _chars, chars) > MaxChars)
        {
            Entries.Clear();
            Interlocked.Exchange(ref _chars, chars);
        }
        Entries[key] = fields;
        return fields;
    }

    /// <summary>The folder directory (cur/ and new/ alike), the base name and the size.</summary>
    private static string KeyOf(MessageInfo message)
    {
        string? folder = Path.GetDirectoryName(Path.GetDirectoryName(message.Path));
        return string.Concat(folder, "/", message.BaseName, "/", message.Size.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
