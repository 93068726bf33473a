using System.Globalization;

namespace Letterbox.Store;

/// <summary>
/// Reads Dovecot's <c>dovecot-uidlist</c>, so a Maildir moved in from Dovecot keeps its UIDs and
/// UIDVALIDITY (clients keep their caches). Version 3 (Dovecot 1.0 and later):
/// <code>
/// 3 V&lt;uidvalidity&gt; N&lt;nextuid&gt; G&lt;guid&gt; [more header fields]
/// &lt;uid&gt; [&lt;extension fields&gt;] :&lt;base file name&gt;
/// </code>
/// and version 1 (<c>1 &lt;uidvalidity&gt; &lt;nextuid&gt;</c>, then <c>&lt;uid&gt; &lt;base file name&gt;</c>).
/// Only read, never written: Letterbox keeps its own index next to it.
/// </summary>
internal static class DovecotUidList
{
    public const string FileName = "dovecot-uidlist";

    /// <summary>UIDVALIDITY, next UID and base name → UID, or null when there is no readable file.</summary>
    public static (uint UidValidity, uint UidNext, Dictionary<string, uint> Uids)? Read(string directory)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(Path.Combine(directory, FileName));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        if (lines.Length == 0)
        {
            return null;
        }
        string[] header = lines[0].Split(' ');
        uint validity = 0, next = 0;
        bool version3 = header[0] == "3";
        if (version3)
        {
            foreach (string field in header.Skip(1))
            {
                if (field.Length > 1 && field[0] == 'V')
                {
                    _ = uint.TryParse(field.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out validity);
                }
                else if (field.Length > 1 && field[0] == 'N')
                {
                    _ = uint.TryParse(field.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out next);
                }
            }
        }
        else if (header[0] != "1" || header.Length < 3
            || !uint.TryParse(header[1], NumberStyles.None, CultureInfo.InvariantCulture, out validity)
            || !uint.TryParse(header[2], NumberStyles.None, CultureInfo.InvariantCulture, out next))
        {
            return null;
        }
        if (validity == 0 || next == 0)
        {
            return null;
        }
        var uids = new Dictionary<string, uint>(StringComparer.Ordinal);
        var used = new HashSet<uint>();
        foreach (string line in lines.Skip(1))
        {
            int space = line.IndexOf(' ');
            if (space <= 0 || !uint.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out uint uid) || uid == 0)
            {
                continue;
            }
            string name;
            if (version3)
            {
                int colon = line.IndexOf(" :", StringComparison.Ordinal);
                if (colon < 0)
                {
                    continue;
                }
                name = line[(colon + 2)..];
            }
            else
            {
                name = line[(space + 1)..];
            }
            name = MaildirFlags.BaseName(name);
            // A UID listed twice keeps its first file.
            if (name.Length > 0 && used.Add(uid))
            {
                uids[name] = uid;
            }
            next = Math.Max(next, uid == uint.MaxValue ? uid : uid + 1);
        }
        return (validity, next, uids);
    }
}
