namespace Letterbox.Config;

/// <summary>Rules about key names: which look like inline secrets, and which known key a typo meant.</summary>
public static class KeyNames
{
    private static readonly string[] SecretWords = ["password", "secret", "key"];

    /// <summary>
    /// True when a key's last part names a secret but is not a file reference or a hash: such a
    /// key would put a secret in user-data, tags or a world-readable file, so none may exist.
    /// </summary>
    public static bool IsInlineSecret(string dottedKey)
    {
        var leaf = dottedKey[(dottedKey.LastIndexOf('.') + 1)..].ToLowerInvariant();
        return SecretWords.Any(leaf.Contains) && !leaf.EndsWith("_file", StringComparison.Ordinal)
            && !leaf.EndsWith("_hash", StringComparison.Ordinal);
    }

    /// <summary>The file-reference key to use instead of an inline secret, when there is one.</summary>
    public static ConfigKey? FileReferenceFor(string dottedKey)
    {
        if (ConfigSchema.Find(dottedKey + "_file") is { } direct)
        {
            return direct;
        }
        var dot = dottedKey.LastIndexOf('.');
        var section = dot < 0 ? "" : dottedKey[..dot];
        return ConfigSchema.All
            .Where(k => k.Section == section && k.Name.EndsWith("_file", StringComparison.Ordinal) && k.Secret)
            .MinBy(k => Distance(k.Name, dottedKey));
    }

    /// <summary>
    /// The known key an unknown one most likely meant: the same last part in another section
    /// (max_message_size written at top level), else the closest name within a few edits.
    /// </summary>
    public static ConfigKey? Nearest(string unknown)
    {
        var lower = unknown.ToLowerInvariant();
        if (ConfigSchema.Find(lower) is { } sameButCase)
        {
            return sameButCase;
        }
        var leaf = lower[(lower.LastIndexOf('.') + 1)..];
        var sameLeaf = ConfigSchema.All.Where(k => k.Leaf == leaf).ToList();
        if (sameLeaf.Count == 1)
        {
            return sameLeaf[0];
        }
        var best = ConfigSchema.All.MinBy(k => Distance(k.Name, lower))!;
        var limit = Math.Max(2, lower.Length / 4);
        return Distance(best.Name, lower) <= limit ? best : null;
    }

    /// <summary>
    /// Edit distance counting insertions, deletions, substitutions and adjacent transpositions
    /// (optimal string alignment), so "smpt" is one edit from "smtp".
    /// </summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }
}
