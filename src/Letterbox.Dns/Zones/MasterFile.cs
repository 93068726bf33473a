using System.Text;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Zones;

/// <summary>
/// RFC 1035 §5 master files: written by <c>letterbox dns zone</c> (NSD, Knot and BIND load them)
/// and read for the zones users drop in <c>&lt;data&gt;/dns/zones/</c>. The reader takes $ORIGIN,
/// $TTL, "@", relative names, a blank owner meaning "same as above", optional TTL and class in
/// either order, parentheses across lines, quoted strings and ";" comments. $INCLUDE is refused:
/// a zone file must not read other files of the host.
/// </summary>
public static class MasterFile
{
    public static string Write(Zone zone)
    {
        var sb = new StringBuilder();
        sb.Append("; zone ").Append(zone.Apex).Append(", serial ").Append(zone.Soa.Serial).Append(", written by letterbox\n");
        sb.Append("$ORIGIN ").Append(zone.Apex).Append('\n');
        foreach (var r in zone.Records())
            sb.Append(r.ToText()).Append('\n');
        return sb.ToString();
    }

    /// <summary>Reads a zone's records; errors name the source and line.</summary>
    public static List<ResourceRecord> Read(string text, DnsName origin, string source, uint defaultTtl = 3600)
    {
        var records = new List<ResourceRecord>();
        DnsName? previousOwner = null;
        uint ttl = defaultTtl;
        foreach (var (lineNumber, startsBlank, fields) in Lines(text, source))
        {
            try
            {
                if (!fields[0].Quoted && fields[0].Text.StartsWith('$') && !startsBlank)
                {
                    switch (fields[0].Text.ToUpperInvariant())
                    {
                        case "$ORIGIN" when fields.Count == 2:
                            origin = DnsName.Parse(fields[1].Text, origin);
                            continue;
                        case "$TTL" when fields.Count == 2:
                            ttl = DnsTtl.Parse(fields[1].Text);
                            continue;
                        default:
                            throw new FormatException($"unsupported directive {fields[0].Text}");
                    }
                }
                int i = 0;
                DnsName owner;
                if (startsBlank)
                {
                    owner = previousOwner ?? throw new FormatException("a record without owner name before any owner");
                }
                else
                {
                    owner = DnsName.Parse(fields[0].Text, origin);
                    i = 1;
                }
                uint recordTtl = ttl;
                DnsType type = default;
                bool typed = false;
                for (int k = 0; k < 2 && i < fields.Count && !typed; k++)
                {
                    var f = fields[i].Text;
                    if (string.Equals(f, "IN", StringComparison.OrdinalIgnoreCase))
                    {
                        i++;
                    }
                    else if (f.Length > 0 && char.IsAsciiDigit(f[0]))
                    {
                        recordTtl = DnsTtl.Parse(f);
                        i++;
                    }
                    else if (string.Equals(f, "CH", StringComparison.OrdinalIgnoreCase) || string.Equals(f, "HS", StringComparison.OrdinalIgnoreCase))
                    {
                        throw new FormatException("only class IN is served");
                    }
                    else
                    {
                        break;
                    }
                }
                if (i >= fields.Count || !DnsTypeNames.TryParse(fields[i].Text, out type))
                    throw new FormatException(i >= fields.Count ? "no record type" : $"unknown record type '{fields[i].Text}'");
                i++;
                var data = RData.Parse(type, fields.Skip(i).ToList(), origin);
                records.Add(new ResourceRecord(owner, recordTtl, data));
                previousOwner = owner;
            }
            catch (FormatException e)
            {
                throw new ZoneException($"{source}:{lineNumber}: {e.Message}");
            }
        }
        return records;
    }

    /// <summary>Logical lines: parentheses joined, comments dropped, each split into fields.</summary>
    private static IEnumerable<(int Line, bool StartsBlank, List<MasterToken> Fields)> Lines(string text, string source)
    {
        var fields = new List<MasterToken>();
        int depth = 0, line = 1, startLine = 1;
        bool startsBlank = false, atLineStart = true;
        var current = new StringBuilder();
        bool inToken = false;

        for (int i = 0; i <= text.Length; i++)
        {
            char c = i < text.Length ? text[i] : '\n';
            if (atLineStart && depth == 0 && fields.Count == 0)
            {
                startsBlank = c is ' ' or '\t';
                startLine = line;
            }
            atLineStart = false;
            if (c == '"')
            {
                int end = i + 1;
                var sb = new StringBuilder();
                while (end < text.Length && text[end] != '"')
                {
                    if (text[end] == '\\' && end + 1 < text.Length)
                        sb.Append(text[end++]);
                    if (text[end] == '\n')
                        throw new ZoneException($"{source}:{line}: unterminated quoted string");
                    sb.Append(text[end++]);
                }
                if (end >= text.Length)
                    throw new ZoneException($"{source}:{line}: unterminated quoted string");
                fields.Add(new MasterToken(sb.ToString(), true));
                i = end;
                continue;
            }
            if (c == '\\' && i + 1 < text.Length)
            {
                current.Append(c).Append(text[++i]);
                inToken = true;
                continue;
            }
            if (c is ' ' or '\t' or '\r' or '\n' or ';' or '(' or ')')
            {
                if (inToken)
                {
                    fields.Add(new MasterToken(current.ToString(), false));
                    current.Clear();
                    inToken = false;
                }
                if (c == ';')
                {
                    while (i + 1 < text.Length && text[i + 1] != '\n')
                        i++;
                }
                else if (c == '(')
                {
                    depth++;
                }
                else if (c == ')')
                {
                    if (--depth < 0)
                        throw new ZoneException($"{source}:{line}: ')' without '('");
                }
                else if (c == '\n')
                {
                    line++;
                    atLineStart = true;
                    if (depth == 0 && fields.Count > 0)
                    {
                        yield return (startLine, startsBlank, fields);
                        fields = [];
                    }
                }
                continue;
            }
            current.Append(c);
            inToken = true;
        }
        if (depth != 0)
            throw new ZoneException($"{source}: '(' never closed");
    }
}
