using System.Globalization;
using System.Text;

namespace Letterbox.Protocol.Imap;

/// <summary>The FETCH data items (RFC 9051 §6.4.5, RFC 3501 §6.4.5, RFC 3516, RFC 7162).</summary>
public enum ImapFetchItemKind
{
    Flags,
    InternalDate,
    Rfc822Size,
    Envelope,
    /// <summary>"BODY": the body structure without extension data.</summary>
    Body,
    BodyStructure,
    Uid,
    /// <summary>BODY[section]&lt;partial&gt; or BODY.PEEK[...].</summary>
    BodySection,
    /// <summary>BINARY[part]&lt;partial&gt; or BINARY.PEEK[...] (RFC 3516, RFC 9051).</summary>
    BinarySection,
    /// <summary>BINARY.SIZE[part].</summary>
    BinarySize,
    /// <summary>RFC 3501: BODY[], sets \Seen.</summary>
    Rfc822,
    /// <summary>RFC 3501: BODY.PEEK[HEADER].</summary>
    Rfc822Header,
    /// <summary>RFC 3501: BODY[TEXT], sets \Seen.</summary>
    Rfc822Text,
    /// <summary>RFC 7162 §3.1.4.</summary>
    ModSeq,
}

/// <summary>The text part of a section spec (RFC 9051 §9 section-text).</summary>
public enum ImapSectionText
{
    /// <summary>The whole part (or the whole message for BODY[]).</summary>
    None,
    Header,
    HeaderFields,
    HeaderFieldsNot,
    Text,
    /// <summary>The MIME header of a part; only after a part number.</summary>
    Mime,
}

/// <summary>
/// A section spec: "[1.2.HEADER.FIELDS (From To)]" is part 1.2, HeaderFields, [From, To]. An empty
/// <see cref="Part"/> means the top-level message.
/// </summary>
public sealed record ImapSection(IReadOnlyList<uint> Part, ImapSectionText Text, IReadOnlyList<string>? HeaderFields)
{
    public static ImapSection Whole { get; } = new([], ImapSectionText.None, null);

    /// <summary>The spec as it goes between the brackets of a FETCH response: "1.2.HEADER.FIELDS (FROM TO)".</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (uint p in Part)
        {
            if (sb.Length > 0)
                sb.Append('.');
            sb.Append(p.ToString(CultureInfo.InvariantCulture));
        }
        string? text = Text switch
        {
            ImapSectionText.Header => "HEADER",
            ImapSectionText.HeaderFields => "HEADER.FIELDS",
            ImapSectionText.HeaderFieldsNot => "HEADER.FIELDS.NOT",
            ImapSectionText.Text => "TEXT",
            ImapSectionText.Mime => "MIME",
            _ => null,
        };
        if (text is not null)
        {
            if (sb.Length > 0)
                sb.Append('.');
            sb.Append(text);
        }
        if (HeaderFields is not null)
        {
            sb.Append(" (");
            for (int i = 0; i < HeaderFields.Count; i++)
            {
                // header-fld-name = astring: a bare atom when it can be, else quoted with escapes.
                string field = HeaderFields[i].ToUpperInvariant();
                sb.Append(i > 0 ? " " : "");
                if (ImapChars.IsAStringAtom(field))
                    sb.Append(field);
                else
                    sb.Append('"').Append(field.Replace("\\", "\\\\").Replace("\"", "\\\"")).Append('"');
            }
            sb.Append(')');
        }
        return sb.ToString();
    }
}

/// <summary>"&lt;offset.length&gt;" of a partial fetch (RFC 9051 §9 partial).</summary>
public readonly record struct ImapPartial(long Offset, long Length);

/// <summary>One FETCH data item.</summary>
public sealed record ImapFetchItem(ImapFetchItemKind Kind)
{
    /// <summary>For BODY[...], BINARY[...] and BINARY.SIZE[...]; BINARY sections have a part number only.</summary>
    public ImapSection? Section { get; init; }

    /// <summary>BODY.PEEK / BINARY.PEEK: do not set \Seen.</summary>
    public bool Peek { get; init; }

    /// <summary>The requested octet range, if any.</summary>
    public ImapPartial? Partial { get; init; }

    public static ImapFetchItem Flags { get; } = new(ImapFetchItemKind.Flags);
    public static ImapFetchItem InternalDate { get; } = new(ImapFetchItemKind.InternalDate);
    public static ImapFetchItem Rfc822Size { get; } = new(ImapFetchItemKind.Rfc822Size);
    public static ImapFetchItem Envelope { get; } = new(ImapFetchItemKind.Envelope);
    public static ImapFetchItem Body { get; } = new(ImapFetchItemKind.Body);

    /// <summary>
    /// The item's name in the FETCH response (RFC 9051 §7.5.2): "BODY[HEADER.FIELDS (FROM)]&lt;0&gt;"
    /// for BODY.PEEK[HEADER.FIELDS (From)]&lt;0.100&gt; — PEEK dropped, only the origin octet kept.
    /// </summary>
    public string ResponseName => Kind switch
    {
        ImapFetchItemKind.Flags => "FLAGS",
        ImapFetchItemKind.InternalDate => "INTERNALDATE",
        ImapFetchItemKind.Rfc822Size => "RFC822.SIZE",
        ImapFetchItemKind.Envelope => "ENVELOPE",
        ImapFetchItemKind.Body => "BODY",
        ImapFetchItemKind.BodyStructure => "BODYSTRUCTURE",
        ImapFetchItemKind.Uid => "UID",
        ImapFetchItemKind.BodySection => "BODY[" + Section + "]" + Origin(),
        ImapFetchItemKind.BinarySection => "BINARY[" + Section + "]" + Origin(),
        ImapFetchItemKind.BinarySize => "BINARY.SIZE[" + Section + "]",
        ImapFetchItemKind.Rfc822 => "RFC822",
        ImapFetchItemKind.Rfc822Header => "RFC822.HEADER",
        ImapFetchItemKind.Rfc822Text => "RFC822.TEXT",
        _ => "MODSEQ",
    };

    /// <summary>Fetching it sets \Seen (RFC 9051 §6.4.5): BODY[...] and BINARY[...] without PEEK, RFC822, RFC822.TEXT.</summary>
    public bool SetsSeen => Kind switch
    {
        ImapFetchItemKind.BodySection or ImapFetchItemKind.BinarySection => !Peek,
        ImapFetchItemKind.Rfc822 or ImapFetchItemKind.Rfc822Text => true,
        _ => false,
    };

    private string Origin() => Partial is { } p ? "<" + p.Offset.ToString(CultureInfo.InvariantCulture) + ">" : "";
}
