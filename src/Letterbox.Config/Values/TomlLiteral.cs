using System.Collections;
using System.Globalization;

namespace Letterbox.Config;

/// <summary>Renders a flat-syntax value (a schema default or example) as the TOML a user would write.</summary>
internal static class TomlLiteral
{
    /// <summary>"25M" for a size stays a string, "100" for an int is bare, "a, b" for a list becomes ["a", "b"].</summary>
    public static string FromFlat(ConfigKey key, string flat)
    {
        if (key.IsList)
        {
            var items = flat.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return "[" + string.Join(", ", items.Select(RawValue.Quote)) + "]";
        }
        return key.Type switch
        {
            ConfigType.Bool or ConfigType.Int => flat,
            ConfigType.Size when flat.All(char.IsAsciiDigit) => flat,
            _ => RawValue.Quote(flat),
        };
    }

    /// <summary>A typed value as TOML that reads back to the same value under the same key.</summary>
    public static string FromTyped(ConfigKey key, object value) => value switch
    {
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        long bytes when key.Type == ConfigType.Size => RawValue.Quote(SizeSyntax.Format(bytes)),
        TimeSpan t => RawValue.Quote(DurationSyntax.Format(t)),
        string s => RawValue.Quote(s),
        IEnumerable items => "[" + string.Join(", ", items.Cast<object>().Select(i => RawValue.Quote(i.ToString()!))) + "]",
        _ => RawValue.Quote(value.ToString()!),
    };
}
