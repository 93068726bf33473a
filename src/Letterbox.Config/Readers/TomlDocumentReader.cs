using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Letterbox.Config;

/// <summary>
/// Reads a TOML document (a file or EC2 user-data) into a layer of dotted keys, each with the
/// line it was written on. Uses Tomlyn's syntax tree, not its object mapper: the mapper relies on
/// reflection, and the tree keeps the positions that error messages need.
/// </summary>
public static class TomlDocumentReader
{
    /// <summary>Reads a document. Never throws for bad input: problems land in the layer's diagnostics.</summary>
    /// <param name="text">The document.</param>
    /// <param name="source">Origin name for values and errors, e.g. the path or "ec2 user-data".</param>
    /// <param name="documentName">How to name the whole document in "is not a Letterbox config document";
    /// defaults to <paramref name="source"/>.</param>
    public static ConfigLayer Read(string text, string source, string? documentName = null)
    {
        documentName ??= source;
        if (DocumentSniffer.DescribeForeign(text) is { } foreign)
        {
            return NotConfig(source, documentName, foreign);
        }

        var document = SyntaxParser.Parse(text, source, validate: true);
        if (document.HasErrors)
        {
            if (!DocumentSniffer.LooksLikeToml(text))
            {
                return NotConfig(source, documentName, "no line has the form key = value or [section]");
            }
            // One error: the parser's later complaints are usually echoes of the first.
            var first = document.Diagnostics.First(d => d.Kind == DiagnosticMessageKind.Error);
            var where = $"{source}:{first.Span.Start.Line + 1}:{first.Span.Start.Column + 1}";
            return ConfigLayer.Failed(source, ConfigDiagnostic.Error(null, where, "invalid TOML: " + first.Message));
        }

        var entries = new List<ConfigEntry>();
        AddKeyValues(entries, [], document.KeyValues, source);
        foreach (var table in document.Tables)
        {
            var name = KeyParts(table.Name!);
            if (table is TableArraySyntax)
            {
                entries.Add(new ConfigEntry(string.Join('.', name), RawValue.Table(), Origin(source, table)));
                continue;
            }
            AddKeyValues(entries, name, table.Items, source);
        }
        return new ConfigLayer(source, entries);
    }

    private static ConfigLayer NotConfig(string source, string documentName, string why) =>
        ConfigLayer.Failed(source, ConfigDiagnostic.Error(null, source, $"{documentName} is not a Letterbox config document ({why})"));

    private static void AddKeyValues(List<ConfigEntry> entries, IReadOnlyList<string> prefix,
        IEnumerable<KeyValueSyntax> keyValues, string source)
    {
        foreach (var kv in keyValues)
        {
            var parts = prefix.Concat(KeyParts(kv.Key!)).ToList();
            if (kv.Value is InlineTableSyntax inline)
            {
                // An inline table is only another way to write a section: smtp = { max_recipients = 200 }.
                AddKeyValues(entries, parts, inline.Items.Select(i => i.KeyValue!), source);
                continue;
            }
            entries.Add(new ConfigEntry(string.Join('.', parts), ToRaw(kv.Value!), Origin(source, kv)));
        }
    }

    private static ConfigOrigin Origin(string source, SyntaxNode node) => new(source, node.Span.Start.Line + 1);

    private static List<string> KeyParts(KeySyntax key)
    {
        var parts = new List<string> { KeyPart(key.Key!) };
        parts.AddRange(key.DotKeys.Select(d => KeyPart(d.Key!)));
        return parts;
    }

    private static string KeyPart(BareKeyOrStringValueSyntax part) => part switch
    {
        BareKeySyntax bare => bare.Key!.Text!,
        StringValueSyntax quoted => quoted.Value ?? "",
        _ => part.ToString()!.Trim(),
    };

    private static RawValue ToRaw(ValueSyntax value) => value switch
    {
        StringValueSyntax s => RawValue.String(s.Value ?? ""),
        IntegerValueSyntax i => RawValue.Integer(i.Value),
        BooleanValueSyntax b => RawValue.Boolean(b.Value),
        FloatValueSyntax f => RawValue.Float(f.Value),
        ArraySyntax a => RawValue.Array(a.Items.Select(item => ToRaw(item.Value!)).ToList()),
        DateTimeValueSyntax d => RawValue.DateTime(d.ToString()!.Trim()),
        _ => RawValue.Table(),
    };
}
