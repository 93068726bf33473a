using System.Diagnostics.CodeAnalysis;

namespace Letterbox.Protocol.Imap;

/// <summary>The commands the parser knows (RFC 9051 §6 and the extensions named).</summary>
public enum ImapCommandKind
{
    /// <summary>Not a command we know, or not a command at all.</summary>
    Unknown,
    Capability,
    Noop,
    Logout,
    StartTls,
    Authenticate,
    Login,
    /// <summary>RFC 5161.</summary>
    Enable,
    Select,
    Examine,
    Create,
    Delete,
    Rename,
    Subscribe,
    Unsubscribe,
    List,
    /// <summary>RFC 3501 §6.3.9; not in IMAP4rev2.</summary>
    Lsub,
    /// <summary>RFC 2342, RFC 9051 §6.3.10.</summary>
    Namespace,
    Status,
    Append,
    /// <summary>RFC 2177, RFC 9051 §6.3.13.</summary>
    Idle,
    /// <summary>RFC 3501 §6.4.1; not in IMAP4rev2.</summary>
    Check,
    Close,
    /// <summary>RFC 3691, RFC 9051 §6.4.2.</summary>
    Unselect,
    /// <summary>EXPUNGE, or UID EXPUNGE set (RFC 4315 §2.1).</summary>
    Expunge,
    Search,
    Fetch,
    Store,
    Copy,
    /// <summary>RFC 6851, RFC 9051 §6.4.8.</summary>
    Move,
    /// <summary>RFC 2971.</summary>
    Id,
    /// <summary>RFC 9208 §4.2: GETQUOTA quota-root.</summary>
    GetQuota,
    /// <summary>RFC 9208 §4.3: GETQUOTAROOT mailbox.</summary>
    GetQuotaRoot,
    /// <summary>RFC 9208 §4.1: SETQUOTA quota-root (resource limit ...).</summary>
    SetQuota,
    /// <summary>RFC 4978: COMPRESS algorithm.</summary>
    Compress,
}

/// <summary>A parsed command. Match on the subtype, or dispatch on <see cref="Kind"/>.</summary>
public abstract record ImapCommand(string Tag, ImapCommandKind Kind);

/// <summary>
/// The commands without arguments: CAPABILITY, NOOP, LOGOUT, STARTTLS, NAMESPACE, IDLE (the server then
/// sends "+ idling" and reads "DONE" with <see cref="ImapCommandReader.ReadLine(ReadOnlySpan{byte})"/>),
/// CHECK, CLOSE, UNSELECT.
/// </summary>
public sealed record ImapSimpleCommand(string Tag, ImapCommandKind Kind) : ImapCommand(Tag, Kind);

/// <summary>
/// AUTHENTICATE mechanism [initial-response] (RFC 9051 §6.2.2, RFC 4959 SASL-IR). The mechanism is
/// upper-cased. <see cref="InitialResponse"/> is decoded: null when none was sent, empty for "=".
/// </summary>
public sealed record ImapAuthenticateCommand(string Tag, string Mechanism, byte[]? InitialResponse) : ImapCommand(Tag, ImapCommandKind.Authenticate)
{
    /// <summary>Never shows the initial response, which carries credentials.</summary>
    public override string ToString() => $"{Tag} AUTHENTICATE {Mechanism}{(InitialResponse is null ? "" : " <initial response>")}";
}

/// <summary>LOGIN user password (RFC 9051 §6.2.3), both decoded from UTF-8.</summary>
public sealed record ImapLoginCommand(string Tag, string UserName, string Password) : ImapCommand(Tag, ImapCommandKind.Login)
{
    /// <summary>Never shows the password.</summary>
    public override string ToString() => $"{Tag} LOGIN {UserName} <password>";
}

/// <summary>ENABLE capability... (RFC 5161, RFC 9051 §6.3.1); names as sent (compare case-insensitively).</summary>
public sealed record ImapEnableCommand(string Tag, IReadOnlyList<string> Capabilities) : ImapCommand(Tag, ImapCommandKind.Enable);

/// <summary>SELECT or EXAMINE mailbox [(CONDSTORE / QRESYNC (...))] (RFC 9051 §6.3.2, RFC 7162 §3.1.8, §3.2.5).</summary>
public sealed record ImapSelectCommand(string Tag, ImapCommandKind Kind, string Mailbox, bool CondStore, ImapQResync? QResync = null) : ImapCommand(Tag, Kind)
{
    public bool IsReadOnly => Kind == ImapCommandKind.Examine;
}

/// <summary>
/// The QRESYNC select parameter (RFC 7162 §3.2.5): what the client cached. <see cref="KnownUids"/> is
/// null when not sent; <see cref="KnownSequenceNumbers"/> and <see cref="KnownSequenceUids"/> (the
/// seq-match-data) are both null or both set.
/// </summary>
public sealed record ImapQResync(uint UidValidity, ulong ModSeq, ImapSequenceSet? KnownUids,
    ImapSequenceSet? KnownSequenceNumbers, ImapSequenceSet? KnownSequenceUids);

/// <summary>CREATE, DELETE, SUBSCRIBE or UNSUBSCRIBE mailbox.</summary>
public sealed record ImapMailboxCommand(string Tag, ImapCommandKind Kind, string Mailbox) : ImapCommand(Tag, Kind);

/// <summary>RENAME from to (RFC 9051 §6.3.6).</summary>
public sealed record ImapRenameCommand(string Tag, string From, string To) : ImapCommand(Tag, ImapCommandKind.Rename);

/// <summary>LIST selection options (RFC 5258 §3.1, RFC 6154 §5.2).</summary>
[Flags]
public enum ImapListSelection
{
    None = 0,
    Subscribed = 1,
    Remote = 2,
    RecursiveMatch = 4,
    /// <summary>RFC 6154: only mailboxes with a special-use attribute.</summary>
    SpecialUse = 8,
}

/// <summary>LIST return options (RFC 5258 §3.2, RFC 6154 §5.2, RFC 5819).</summary>
[Flags]
public enum ImapListReturn
{
    None = 0,
    Subscribed = 1,
    Children = 2,
    SpecialUse = 4,
    /// <summary>RFC 5819 LIST-STATUS: a STATUS response per mailbox, items in <see cref="ImapListCommand.StatusItems"/>.</summary>
    Status = 8,
}

/// <summary>
/// LIST [(selection)] reference pattern|(patterns) [RETURN (options)] (RFC 9051 §6.3.9, RFC 5258
/// LIST-EXTENDED), or LSUB reference pattern (RFC 3501 §6.3.9, <see cref="ImapCommand.Kind"/> Lsub).
/// Names are decoded (modified UTF-7 or UTF-8); patterns keep their "%" and "*".
/// </summary>
/// <param name="IsExtended">
/// The client used the extended syntax (selection options, a pattern list or return options): only
/// then may the server send extended LIST data such as CHILDINFO (RFC 5258 §3).
/// </param>
public sealed record ImapListCommand(string Tag, ImapCommandKind Kind, string Reference, IReadOnlyList<string> Patterns,
    ImapListSelection Selection, ImapListReturn Return, ImapStatusItems StatusItems, bool IsExtended) : ImapCommand(Tag, Kind);

/// <summary>The STATUS data items (RFC 9051 §6.3.11 and the extensions named).</summary>
[Flags]
public enum ImapStatusItems
{
    None = 0,
    Messages = 1,
    UidNext = 2,
    UidValidity = 4,
    Unseen = 8,
    /// <summary>RFC 9051: messages with \Deleted.</summary>
    Deleted = 16,
    /// <summary>RFC 8438 STATUS=SIZE, RFC 9051.</summary>
    Size = 32,
    /// <summary>RFC 3501; not in IMAP4rev2.</summary>
    Recent = 64,
    /// <summary>RFC 7162 §3.1.6.</summary>
    HighestModSeq = 128,
    /// <summary>RFC 7889 §3.1.</summary>
    AppendLimit = 256,
}

/// <summary>STATUS mailbox (items) (RFC 9051 §6.3.11).</summary>
public sealed record ImapStatusCommand(string Tag, string Mailbox, ImapStatusItems Items) : ImapCommand(Tag, ImapCommandKind.Status);

/// <summary>
/// APPEND mailbox [(flags)] [date-time] message (RFC 9051 §6.3.12). The message itself went to the
/// caller through <see cref="ImapReadStatus.MessageData"/>; this says how long it is and whether it
/// was a literal8 (RFC 3516 §4.4: may hold NUL octets and binary content).
/// </summary>
/// <param name="Utf8">Sent as <c>UTF8 (~{n})</c> (RFC 6855 §4): only after ENABLE UTF8=ACCEPT.</param>
public sealed record ImapAppendCommand(string Tag, string Mailbox, IReadOnlyList<string> Flags, DateTimeOffset? InternalDate,
    long MessageLength, bool IsBinary, bool Utf8 = false) : ImapCommand(Tag, ImapCommandKind.Append);

/// <summary>EXPUNGE, or UID EXPUNGE set (RFC 4315 §2.1, RFC 9051 §6.4.9).</summary>
public sealed record ImapExpungeCommand(string Tag, ImapSequenceSet? UidSet) : ImapCommand(Tag, ImapCommandKind.Expunge)
{
    public bool IsUid => UidSet is not null;
}

/// <summary>SEARCH return options (RFC 4731 §3.1, RFC 5182 §2, RFC 9051 §6.4.4).</summary>
[Flags]
public enum ImapSearchReturn
{
    None = 0,
    Min = 1,
    Max = 2,
    All = 4,
    Count = 8,
    /// <summary>RFC 5182 SEARCHRES: keep the result for "$".</summary>
    Save = 16,
}

/// <summary>
/// [UID] SEARCH [RETURN (options)] [CHARSET charset] criteria (RFC 9051 §6.4.4, RFC 4731). The
/// criteria are one key; several top-level keys come as an <see cref="ImapSearchAndKey"/>.
/// </summary>
/// <param name="Return">The options; "RETURN ()" means ALL (RFC 4731 §3.1). None when no RETURN was sent.</param>
/// <param name="HasReturn">RETURN was given: answer with ESEARCH (RFC 4731), not SEARCH.</param>
/// <param name="Charset">The CHARSET argument, upper-cased (UTF-8 or US-ASCII); null when absent.</param>
public sealed record ImapSearchCommand(string Tag, bool IsUid, ImapSearchReturn Return, bool HasReturn, string? Charset, ImapSearchKey Criteria)
    : ImapCommand(Tag, ImapCommandKind.Search);

/// <summary>
/// [UID] FETCH set items [(CHANGEDSINCE n)] (RFC 9051 §6.4.5, RFC 7162 §3.1.4). The macros ALL, FAST
/// and FULL are expanded into their items.
/// </summary>
/// <param name="Vanished">The VANISHED modifier (RFC 7162 §3.2.6): UID FETCH only, with CHANGEDSINCE.</param>
public sealed record ImapFetchCommand(string Tag, bool IsUid, ImapSequenceSet Set, IReadOnlyList<ImapFetchItem> Items, ulong? ChangedSince,
    bool Vanished = false)
    : ImapCommand(Tag, ImapCommandKind.Fetch);

/// <summary>How STORE changes the flags.</summary>
public enum ImapStoreAction
{
    /// <summary>FLAGS: set exactly these.</summary>
    Replace,
    /// <summary>+FLAGS.</summary>
    Add,
    /// <summary>-FLAGS.</summary>
    Remove,
}

/// <summary>[UID] STORE set [(UNCHANGEDSINCE n)] (+|-)FLAGS[.SILENT] flags (RFC 9051 §6.4.6, RFC 7162 §3.1.3).</summary>
public sealed record ImapStoreCommand(string Tag, bool IsUid, ImapSequenceSet Set, ImapStoreAction Action, bool Silent,
    IReadOnlyList<string> Flags, ulong? UnchangedSince) : ImapCommand(Tag, ImapCommandKind.Store);

/// <summary>[UID] COPY or [UID] MOVE set mailbox (RFC 9051 §6.4.7, §6.4.8).</summary>
public sealed record ImapCopyCommand(string Tag, ImapCommandKind Kind, bool IsUid, ImapSequenceSet Set, string Mailbox) : ImapCommand(Tag, Kind);

/// <summary>ID (field value ...) or ID NIL (RFC 2971 §3.1); <see cref="Parameters"/> is null for NIL.</summary>
public sealed record ImapIdCommand(string Tag, IReadOnlyList<KeyValuePair<string, string?>>? Parameters) : ImapCommand(Tag, ImapCommandKind.Id);

/// <summary>What the session tells the parser, and the parser's own limits.</summary>
public sealed record ImapParseOptions
{
    public static ImapParseOptions Default { get; } = new();

    /// <summary>
    /// The client enabled IMAP4rev2 or UTF8=ACCEPT: mailbox names are UTF-8 rather than modified
    /// UTF-7 (RFC 9051 §5.1, RFC 6855 §3).
    /// </summary>
    public bool Utf8MailboxNames { get; init; }

    /// <summary>The most elements in one sequence set; more is refused (BAD).</summary>
    public int MaxSequenceRanges { get; init; } = 10_000;

    /// <summary>The deepest nesting of SEARCH keys (parentheses, NOT, OR) and body part numbers; more is refused (BAD).</summary>
    public int MaxNestingDepth { get; init; } = 100;
}

/// <summary>
/// The outcome of parsing a command: the command, or the response to send back (BAD for syntax; NO
/// for a few semantic refusals such as an unsupported CHARSET, RFC 9051 §6.4.4). <see cref="Tag"/> and
/// <see cref="Kind"/> are known whenever they could be read, so a session can check its state table
/// before reporting an argument error.
/// </summary>
public readonly record struct ImapCommandResult
{
    private ImapCommandResult(string? tag, ImapCommandKind kind, ImapCommand? command, ImapStatusResponse? error)
    {
        Tag = tag;
        Kind = kind;
        Command = command;
        Error = error;
    }

    public string? Tag { get; }
    public ImapCommandKind Kind { get; }
    public ImapCommand? Command { get; }
    public ImapStatusResponse? Error { get; }

    [MemberNotNullWhen(true, nameof(Command))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Command is not null;

    internal static ImapCommandResult Ok(ImapCommand command) => new(command.Tag, command.Kind, command, null);

    internal static ImapCommandResult Fail(string? tag, ImapCommandKind kind, ImapStatusResponse error) => new(tag, kind, null, error);
}

/// <summary>
/// GETQUOTA root, GETQUOTAROOT mailbox or SETQUOTA root (resource limit ...) (RFC 9208 §4).
/// <see cref="Argument"/> is the quota root (GETQUOTA, SETQUOTA) or the mailbox (GETQUOTAROOT);
/// <see cref="Limits"/> only for SETQUOTA, resource names upper-cased.
/// </summary>
public sealed record ImapQuotaCommand(string Tag, ImapCommandKind Kind, string Argument, IReadOnlyList<KeyValuePair<string, long>> Limits)
    : ImapCommand(Tag, Kind);

/// <summary>COMPRESS algorithm (RFC 4978 §3); the algorithm upper-cased.</summary>
public sealed record ImapCompressCommand(string Tag, string Algorithm) : ImapCommand(Tag, ImapCommandKind.Compress);
