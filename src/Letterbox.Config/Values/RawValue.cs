using System.Globalization;
using System.Text;

namespace Letterbox.Config;

/// <summary>The shape a value had in its source, before the schema gives it a type.</summary>
public enum RawKind
{
    /// <summary>Untyped text from a flat key or an EC2 tag: the key's type decides how to read it.</summary>
    Flat,
    /// <summary>A TOML string.</summary>
    String,
    /// <summary>A TOML integer.</summary>
    Integer,
    /// <summary>A TOML float.</summary>
    Float,
    /// <summary>A TOML boolean.</summary>
    Boolean,
    /// <summary>A TOML date or time; no Letterbox key takes one.</summary>
    DateTime,
    /// <summary>A TOML array.</summary>
    Array,
    /// <summary>A TOML table in a value position (inline table in an array, array of tables); no Letterbox key takes one.</summary>
    Table,
}

/// <summary>
/// A value as a reader found it. Typing happens later, against the schema, so that a wrong
/// type can be reported with the key, the place it was written and what was written there.
/// </summary>
public sealed class RawValue
{
    private RawValue(RawKind kind, string text, IReadOnlyList<RawValue>? items = null)
    {
        Kind = kind;
        Text = text;
        Items = items ?? [];
    }

    /// <summary>Which kind of value the source held.</summary>
    public RawKind Kind { get; }

    /// <summary>The text of a flat or string value; the literal text of any other scalar.</summary>
    public string Text { get; }

    /// <summary>The items of an array; empty for anything else.</summary>
    public IReadOnlyList<RawValue> Items { get; }

    /// <summary>Untyped text from a flat key or tag.</summary>
    public static RawValue Flat(string text) => new(RawKind.Flat, text);

    /// <summary>A TOML string.</summary>
    public static RawValue String(string text) => new(RawKind.String, text);

    /// <summary>A TOML integer.</summary>
    public static RawValue Integer(long value) => new(RawKind.Integer, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A TOML boolean.</summary>
    public static RawValue Boolean(bool value) => new(RawKind.Boolean, value ? "true" : "false");

    /// <summary>A TOML float.</summary>
    public static RawValue Float(double value) => new(RawKind.Float, value.ToString("R", CultureInfo.InvariantCulture));

    /// <summary>A TOML date/time, kept only as text for error messages.</summary>
    public static RawValue DateTime(string literal) => new(RawKind.DateTime, literal);

    /// <summary>A TOML table where a value was expected, kept only so that it can be reported.</summary>
    public static RawValue Table() => new(RawKind.Table, "{...}");

    /// <summary>A TOML array.</summary>
    public static RawValue Array(IReadOnlyList<RawValue> items) => new(RawKind.Array, "", items);

    /// <summary>The integer of an <see cref="RawKind.Integer"/> value.</summary>
    public long AsInteger() => long.Parse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    /// <summary>What was written, for "expected X, got Y" messages.</summary>
    public string Describe() => Kind switch
    {
        RawKind.Flat => $"\"{Text}\"",
        RawKind.String => $"string {Quote(Text)}",
        RawKind.Integer => $"integer {Text}",
        RawKind.Float => $"float {Text}",
        RawKind.Boolean => $"boolean {Text}",
        RawKind.DateTime => $"date/time {Text}",
        RawKind.Array => Items.Count == 1 ? "an array of 1 value" : $"an array of {Items.Count} values",
        RawKind.Table => "a table",
        _ => Kind.ToString(),
    };

    /// <summary>The value as a TOML literal, as <c>letterbox config show</c> prints it.</summary>
    public string ToToml() => Kind switch
    {
        RawKind.Flat or RawKind.String => Quote(Text),
        RawKind.Array => "[" + string.Join(", ", Items.Select(i => i.ToToml())) + "]",
        _ => Text,
    };

    /// <inheritdoc/>
    public override string ToString() => ToToml();

    /// <summary>A TOML basic string: quotes, backslashes and control characters escaped.</summary>
    public static string Quote(string text)
    {
        var sb = new StringBuilder(text.Length + 2);
        sb.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (char.IsControl(c))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
