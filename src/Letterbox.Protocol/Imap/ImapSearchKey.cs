namespace Letterbox.Protocol.Imap;

/// <summary>The SEARCH keys (RFC 9051 §6.4.4, RFC 3501 §6.4.4, RFC 7162 §3.1.5).</summary>
public enum ImapSearchKeyKind
{
    All,
    Answered,
    Deleted,
    Draft,
    Flagged,
    /// <summary>RFC 3501 only: RECENT UNSEEN.</summary>
    New,
    /// <summary>RFC 3501 only: NOT RECENT.</summary>
    Old,
    /// <summary>RFC 3501 only.</summary>
    Recent,
    Seen,
    Unanswered,
    Undeleted,
    Undraft,
    Unflagged,
    Unseen,
    Keyword,
    Unkeyword,
    Bcc,
    Body,
    Cc,
    From,
    Subject,
    Text,
    To,
    Header,
    Before,
    On,
    Since,
    SentBefore,
    SentOn,
    SentSince,
    Larger,
    Smaller,
    /// <summary>A bare sequence set of message numbers.</summary>
    SequenceSet,
    Uid,
    Not,
    Or,
    /// <summary>A parenthesized list, or the top-level list: all must match.</summary>
    And,
    /// <summary>RFC 7162 §3.1.5.</summary>
    ModSeq,
}

/// <summary>
/// A SEARCH criterion, as a tree. Its depth is bounded by <see cref="ImapParseOptions.MaxNestingDepth"/>,
/// so a server may evaluate it recursively.
/// </summary>
public abstract record ImapSearchKey(ImapSearchKeyKind Kind);

/// <summary>The keys without an argument: ALL, ANSWERED, DELETED, DRAFT, FLAGGED, NEW, OLD, RECENT, SEEN and the UN- forms.</summary>
public sealed record ImapSearchFlagKey(ImapSearchKeyKind Kind) : ImapSearchKey(Kind);

/// <summary>
/// The keys with a string: BCC, BODY, CC, FROM, SUBJECT, TEXT, TO (decoded from UTF-8) and KEYWORD,
/// UNKEYWORD (the flag keyword atom).
/// </summary>
public sealed record ImapSearchTextKey(ImapSearchKeyKind Kind, string Value) : ImapSearchKey(Kind);

/// <summary>HEADER field-name string.</summary>
public sealed record ImapSearchHeaderKey(string FieldName, string Value) : ImapSearchKey(ImapSearchKeyKind.Header);

/// <summary>BEFORE, ON, SINCE (internal date) and SENTBEFORE, SENTON, SENTSINCE (Date: header); dates have no time zone (RFC 9051 §6.4.4).</summary>
public sealed record ImapSearchDateKey(ImapSearchKeyKind Kind, DateOnly Date) : ImapSearchKey(Kind);

/// <summary>LARGER n, SMALLER n (RFC822.SIZE).</summary>
public sealed record ImapSearchSizeKey(ImapSearchKeyKind Kind, long Size) : ImapSearchKey(Kind);

/// <summary>A sequence set (Kind SequenceSet) or UID set (Kind Uid); either may be "$" (RFC 5182).</summary>
public sealed record ImapSearchSetKey(ImapSearchKeyKind Kind, ImapSequenceSet Set) : ImapSearchKey(Kind);

/// <summary>NOT key.</summary>
public sealed record ImapSearchNotKey(ImapSearchKey Operand) : ImapSearchKey(ImapSearchKeyKind.Not);

/// <summary>OR key1 key2.</summary>
public sealed record ImapSearchOrKey(ImapSearchKey Left, ImapSearchKey Right) : ImapSearchKey(ImapSearchKeyKind.Or);

/// <summary>(key key ...), and the top-level list of keys.</summary>
public sealed record ImapSearchAndKey(IReadOnlyList<ImapSearchKey> Operands) : ImapSearchKey(ImapSearchKeyKind.And);

/// <summary>Which metadata a MODSEQ search looks at (RFC 7162 §3.1.5 entry-type-req).</summary>
public enum ImapEntryType
{
    /// <summary>No entry given.</summary>
    Unspecified,
    Private,
    Shared,
    All,
}

/// <summary>MODSEQ ["/flags/\flag" type] n (RFC 7162 §3.1.5): messages whose mod-sequence is at least n.</summary>
public sealed record ImapSearchModSeqKey(ulong ModSeq, string? EntryName, ImapEntryType EntryType) : ImapSearchKey(ImapSearchKeyKind.ModSeq);
