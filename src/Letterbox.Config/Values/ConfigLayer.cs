namespace Letterbox.Config;

/// <summary>Where a value was written: a source name and, for line-oriented sources, the line.</summary>
/// <param name="Source">"/etc/letterbox/letterbox.toml", "ec2 tag letterbox:smtp:max_message_size", "default"...</param>
/// <param name="Line">1-based line, or 0 when the source has no lines.</param>
public sealed record ConfigOrigin(string Source, int Line = 0)
{
    /// <summary>The origin of built-in defaults.</summary>
    public static ConfigOrigin Default { get; } = new("default");

    /// <summary>"source:line", or just the source.</summary>
    public override string ToString() => Line > 0 ? $"{Source}:{Line}" : Source;
}

/// <summary>One key as one source set it.</summary>
/// <param name="Key">Dotted key, e.g. "smtp.max_message_size".</param>
/// <param name="Value">The value before typing.</param>
/// <param name="Origin">Where it was written.</param>
public sealed record ConfigEntry(string Key, RawValue Value, ConfigOrigin Origin);

/// <summary>
/// Everything one source said: its keys in the order written, and any problem met while reading
/// it (a malformed document yields no entries and one error).
/// </summary>
public sealed class ConfigLayer
{
    private readonly Dictionary<string, ConfigEntry> _byKey = new(StringComparer.Ordinal);

    /// <summary>Builds a layer; when a key repeats, the later entry wins.</summary>
    public ConfigLayer(string name, IEnumerable<ConfigEntry> entries, IEnumerable<ConfigDiagnostic>? diagnostics = null)
    {
        Name = name;
        var list = new List<ConfigEntry>();
        foreach (var entry in entries)
        {
            if (_byKey.ContainsKey(entry.Key))
            {
                list.RemoveAll(e => e.Key == entry.Key);
            }
            _byKey[entry.Key] = entry;
            list.Add(entry);
        }
        Entries = list;
        Diagnostics = diagnostics?.ToList() ?? [];
    }

    /// <summary>The source's name, e.g. "/etc/letterbox/letterbox.toml" or "ec2 tags".</summary>
    public string Name { get; }

    /// <summary>The keys this source set, in the order it set them.</summary>
    public IReadOnlyList<ConfigEntry> Entries { get; }

    /// <summary>The keys this source set, by dotted name.</summary>
    public IReadOnlyDictionary<string, ConfigEntry> ByKey => _byKey;

    /// <summary>Problems met while reading the source (not while validating its values).</summary>
    public IReadOnlyList<ConfigDiagnostic> Diagnostics { get; }

    /// <summary>A source that could not be read at all.</summary>
    public static ConfigLayer Failed(string name, ConfigDiagnostic diagnostic) => new(name, [], [diagnostic]);
}
