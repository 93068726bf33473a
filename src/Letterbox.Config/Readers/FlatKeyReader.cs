using System.Globalization;

namespace Letterbox.Config;

/// <summary>
/// Reads flat keys: Joyent-style <c>section:key = value</c> lines, and EC2 instance tags named
/// <c>letterbox:section:key</c>. Values are untyped text; the key's schema type says how to read
/// them (lists are comma-separated). Top-level keys have no section: <c>letterbox:hostname</c>.
/// </summary>
public static class FlatKeyReader
{
    /// <summary>The prefix that marks an EC2 tag as Letterbox configuration.</summary>
    public const string TagPrefix = "letterbox:";

    /// <summary>Reads <c>section:key = value</c> lines; '#' starts a comment line.</summary>
    public static ConfigLayer ReadLines(string text, string source)
    {
        var entries = new List<ConfigEntry>();
        var diagnostics = new List<ConfigDiagnostic>();
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var lineNumber = i + 1;
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var eq = line.IndexOf('=');
            var key = eq > 0 ? ToDottedKey(line[..eq].Trim()) : null;
            if (key is null)
            {
                diagnostics.Add(ConfigDiagnostic.Error(null, $"{source}:{lineNumber}",
                    "expected a line of the form section:key = value"));
                continue;
            }
            if (firstLine.TryGetValue(key, out var earlier))
            {
                diagnostics.Add(ConfigDiagnostic.Error(key, $"{source}:{lineNumber}",
                    $"set twice (first on line {earlier.ToString(CultureInfo.InvariantCulture)})"));
                continue;
            }
            firstLine[key] = lineNumber;
            entries.Add(new ConfigEntry(key, RawValue.Flat(Unquote(line[(eq + 1)..].Trim())), new ConfigOrigin(source, lineNumber)));
        }
        return new ConfigLayer(source, entries, diagnostics);
    }

    /// <summary>Reads EC2 instance tags; tags without the <c>letterbox:</c> prefix are ignored.</summary>
    public static ConfigLayer ReadTags(IEnumerable<KeyValuePair<string, string>> tags, string layerName = "ec2 tags")
    {
        var entries = new List<ConfigEntry>();
        var diagnostics = new List<ConfigDiagnostic>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (tag, value) in tags)
        {
            if (!tag.StartsWith(TagPrefix, StringComparison.Ordinal))
            {
                continue;
            }
            var origin = new ConfigOrigin($"ec2 tag {tag}");
            var key = ToDottedKey(tag[TagPrefix.Length..]);
            if (key is null)
            {
                diagnostics.Add(ConfigDiagnostic.Error(null, origin.ToString(),
                    $"tag {tag} does not name a key (expected {TagPrefix}section:key)"));
                continue;
            }
            if (seen.TryGetValue(key, out var other))
            {
                diagnostics.Add(ConfigDiagnostic.Error(key, origin.ToString(), $"also set by tag {other}"));
                continue;
            }
            seen[key] = tag;
            entries.Add(new ConfigEntry(key, RawValue.Flat(value.Trim()), origin));
        }
        return new ConfigLayer(layerName, entries, diagnostics);
    }

    /// <summary>"smtp:max_message_size" (or "smtp.max_message_size") to "smtp.max_message_size"; null when malformed.</summary>
    public static string? ToDottedKey(string flatKey)
    {
        var parts = flatKey.Split(':', '.');
        return parts.All(p => p.Length > 0 && p.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            ? string.Join('.', parts)
            : null;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0] ? value[1..^1] : value;
}
