using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Letterbox.Store;

/// <summary>One message in a folder's index.</summary>
internal sealed class IndexEntry
{
    public required uint Uid { get; init; }

    public required ulong ModSeq { get; set; }

    public required long Size { get; init; }

    /// <summary>INTERNALDATE, Unix seconds.</summary>
    public required long Date { get; init; }

    /// <summary>True while the file is in new/ (not yet claimed, no info part), else it is in cur/.</summary>
    public required bool InNew { get; set; }

    /// <summary>The file's current name, flags included.</summary>
    public required string FileName { get; set; }

    /// <summary>The name before the info part: what binds the file to <see cref="Uid"/>.</summary>
    public required string BaseName { get; init; }

    public bool Removed { get; set; }

    public string Path(string folder) => System.IO.Path.Combine(folder, InNew ? "new" : "cur", FileName);
}

/// <summary>
/// A folder's index as stored in <c>letterbox-uidlist</c> (text, UTF-8, one line each):
/// <code>
/// letterbox-uidlist 1 V&lt;uidvalidity&gt; N&lt;uidnext&gt; M&lt;highestmodseq&gt; R&lt;first-unclaimed-uid&gt; G&lt;generation&gt;
/// &lt;uid&gt; &lt;modseq&gt; &lt;size&gt; &lt;internaldate, unix seconds&gt; &lt;n|c: in new/ or cur/&gt; &lt;file name&gt;
/// ...
/// end &lt;message count&gt; &lt;first 16 hex digits of the SHA-256 of every byte above&gt;
/// </code>
/// Messages in ascending UID order. The last line makes any truncation or damage detectable.
/// </summary>
internal sealed class UidList
{
    public const string FileName = "letterbox-uidlist";
    public const string BackupFileName = FileName + ".bak";
    public const string LockFileName = FileName + ".lock";

    private const string Magic = "letterbox-uidlist";
    private const string Version = "1";

    public uint UidValidity { get; set; }

    public uint UidNext { get; set; } = 1;

    public ulong HighestModSeq { get; set; } = 1;

    /// <summary>Messages from this UID on are <c>\Recent</c> and not yet claimed by a session.</summary>
    public uint FirstRecentUid { get; set; } = 1;

    /// <summary>Counts writes; for diagnosis only.</summary>
    public ulong Generation { get; set; }

    public List<IndexEntry> Entries { get; } = [];

    public byte[] Serialize()
    {
        var text = new StringBuilder(64 + Entries.Count * 80);
        text.Append(CultureInfo.InvariantCulture,
            $"{Magic} {Version} V{UidValidity} N{UidNext} M{HighestModSeq} R{FirstRecentUid} G{Generation}\n");
        foreach (var e in Entries)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"{e.Uid} {e.ModSeq} {e.Size} {e.Date} {(e.InNew ? 'n' : 'c')} {e.FileName}\n");
        }
        byte[] body = Encoding.UTF8.GetBytes(text.ToString());
        byte[] trailer = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"end {Entries.Count} {Checksum(body)}\n"));
        return [.. body, .. trailer];
    }

    /// <summary>The index in <paramref name="content"/>, or null unless every byte of it checks out.</summary>
    public static UidList? Parse(byte[] content)
    {
        int trailerStart = content.AsSpan(0, Math.Max(0, content.Length - 1)).LastIndexOf((byte)'\n') + 1;
        if (content.Length == 0 || content[^1] != (byte)'\n')
        {
            return null;
        }
        string trailer = Encoding.ASCII.GetString(content, trailerStart, content.Length - trailerStart - 1);
        string[] parts = trailer.Split(' ');
        if (parts.Length != 3 || parts[0] != "end"
            || parts[2] != Checksum(content.AsSpan(0, trailerStart)))
        {
            return null;
        }
        var list = Read(Encoding.UTF8.GetString(content, 0, trailerStart), strict: true);
        return list is not null && parts[1] == list.Entries.Count.ToString(CultureInfo.InvariantCulture) ? list : null;
    }

    /// <summary>
    /// What can still be trusted in a damaged index: the header line and the well-formed
    /// messages before the first bad line. Null when the header itself is gone.
    /// </summary>
    public static UidList? Salvage(byte[] content) => Read(Encoding.UTF8.GetString(content), strict: false);

    private static UidList? Read(string text, bool strict)
    {
        string[] lines = text.Split('\n');
        var list = ReadHeader(lines[0]);
        if (list is null)
        {
            return null;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // The text ends with '\n', so the last element is empty (or, salvaging, a torn line).
        for (int i = 1; i < lines.Length - 1; i++)
        {
            var entry = ReadEntry(lines[i], list);
            if (entry is null || (list.Entries.Count > 0 && entry.Uid <= list.Entries[^1].Uid) || !seen.Add(entry.BaseName))
            {
                if (strict)
                {
                    return null;
                }
                break;
            }
            list.Entries.Add(entry);
        }
        if (strict && lines[^1].Length != 0)
        {
            return null;
        }
        return list;
    }

    private static UidList? ReadHeader(string line)
    {
        string[] f = line.Split(' ');
        if (f.Length != 7 || f[0] != Magic || f[1] != Version
            || !Number(f[2], 'V', out ulong validity) || validity is 0 or > uint.MaxValue
            || !Number(f[3], 'N', out ulong next) || next is 0 or > uint.MaxValue
            || !Number(f[4], 'M', out ulong modseq) || modseq == 0
            || !Number(f[5], 'R', out ulong recent) || recent == 0 || recent > next
            || !Number(f[6], 'G', out ulong generation))
        {
            return null;
        }
        return new UidList
        {
            UidValidity = (uint)validity,
            UidNext = (uint)next,
            HighestModSeq = modseq,
            FirstRecentUid = (uint)recent,
            Generation = generation,
        };
    }

    private static IndexEntry? ReadEntry(string line, UidList list)
    {
        string[] f = line.Split(' ', 6);
        if (f.Length != 6
            || !uint.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint uid) || uid == 0 || uid >= list.UidNext
            || !ulong.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong modseq) || modseq == 0 || modseq > list.HighestModSeq
            || !long.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out long size)
            || !long.TryParse(f[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long date)
            || f[4] is not ("n" or "c")
            || !MaildirFolder.IsMessageFileName(f[5]))
        {
            return null;
        }
        return new IndexEntry
        {
            Uid = uid,
            ModSeq = modseq,
            Size = size,
            Date = date,
            InNew = f[4] == "n",
            FileName = f[5],
            BaseName = MaildirFlags.BaseName(f[5]),
        };
    }

    private static bool Number(string field, char prefix, out ulong value)
    {
        value = 0;
        return field.Length > 1 && field[0] == prefix
            && ulong.TryParse(field.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static string Checksum(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data).AsSpan(0, 8));
}
