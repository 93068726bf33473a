namespace Letterbox.Protocol.Imap;

/// <summary>Which non-synchronizing literals ("{n+}", RFC 7888) the server accepts; it advertises the same.</summary>
public enum ImapLiteralMode
{
    /// <summary>Neither LITERAL+ nor LITERAL- advertised: every "{n+}" is refused (its octets are still skipped).</summary>
    SynchronizingOnly,
    /// <summary>LITERAL- (RFC 7888 §5): "{n+}" up to 4096 octets.</summary>
    LiteralMinus,
    /// <summary>LITERAL+ (RFC 7888 §3): "{n+}" of any size the other limits allow.</summary>
    LiteralPlus,
}

/// <summary>The limits the reader enforces as bytes arrive. Change them between commands (after login, say).</summary>
public sealed record ImapReaderLimits
{
    /// <summary>RFC 7162 §4: servers should accept command lines of at least 8192 octets.</summary>
    public const int RecommendedLineLength = 8192;

    /// <summary>RFC 7888 §5: under LITERAL-, a non-synchronizing literal is at most 4096 octets.</summary>
    public const int LiteralMinusLimit = 4096;

    public static ImapReaderLimits Default { get; } = new();

    /// <summary>The longest line, in octets before its CRLF, between literals (at least 1024).</summary>
    public int MaxLineLength { get; init; } = RecommendedLineLength;

    /// <summary>The largest literal that is not APPEND's message (user names, passwords, search strings, names).</summary>
    public int MaxLiteralSize { get; init; } = 64 * 1024;

    /// <summary>The most octets of one command held in memory: lines plus buffered literals (at least <see cref="MaxLineLength"/>).</summary>
    public int MaxCommandSize { get; init; } = 256 * 1024;

    /// <summary>The largest APPEND message (the APPENDLIMIT, RFC 7889); it is streamed, never held.</summary>
    public long MaxMessageSize { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// The most octets of refused non-synchronizing literals the reader will read and throw away for
    /// one command before giving up on the connection (RFC 7888 §4, choice 1 against choice 2).
    /// </summary>
    public long MaxDiscardSize { get; init; } = 1024 * 1024;

    /// <summary>Which "{n+}" literals are accepted.</summary>
    public ImapLiteralMode NonSynchronizingLiterals { get; init; } = ImapLiteralMode.LiteralMinus;
}

/// <summary>What <see cref="ImapCommandReader"/> found; see each value for what the server does next.</summary>
public enum ImapReadStatus
{
    /// <summary>Nothing to act on: drop <see cref="ImapReadResult.Consumed"/> bytes (always all of the input) and read more.</summary>
    NeedMore,
    /// <summary>A whole command is in <see cref="ImapCommandReader.Frame"/>: parse it with <see cref="ImapCommandParser"/>.</summary>
    Command,
    /// <summary>A synchronizing literal was accepted: send "+ Ready for literal data" (RFC 9051 §7.6), then read on.</summary>
    Continuation,
    /// <summary>
    /// APPEND's message literal was announced (<see cref="ImapReadResult.LiteralLength"/> octets). The
    /// frame so far parses as the APPEND command. Call <see cref="ImapCommandReader.AcceptMessage"/>
    /// (then send "+" if <see cref="ImapReadResult.IsSynchronizing"/>) or
    /// <see cref="ImapCommandReader.RejectMessage"/>.
    /// </summary>
    MessageLiteral,
    /// <summary>The first <see cref="ImapReadResult.Consumed"/> bytes of the input are message octets: write them to the message's sink.</summary>
    MessageData,
    /// <summary>A line from <see cref="ImapCommandReader.ReadLine(ReadOnlySpan{byte})"/> is in <see cref="ImapCommandReader.Line"/>.</summary>
    Line,
    /// <summary>
    /// The command was refused: send <see cref="ImapReadResult.Response"/>; if
    /// <see cref="ImapReadResult.CloseConnection"/>, it is a BYE: close the connection after it.
    /// </summary>
    Error,
}

/// <summary>The outcome of one read. The caller always drops <see cref="Consumed"/> bytes from its buffer.</summary>
public readonly record struct ImapReadResult(ImapReadStatus Status, long Consumed)
{
    /// <summary>For <see cref="ImapReadStatus.Error"/>: the response to send (tagged when the tag was readable).</summary>
    public ImapStatusResponse? Response { get; init; }

    /// <summary>For <see cref="ImapReadStatus.Error"/>: the connection cannot go on; the response is a BYE.</summary>
    public bool CloseConnection { get; init; }

    /// <summary>For <see cref="ImapReadStatus.MessageLiteral"/>: the announced size.</summary>
    public long LiteralLength { get; init; }

    /// <summary>For <see cref="ImapReadStatus.MessageLiteral"/>: "{n}", so the client waits for "+".</summary>
    public bool IsSynchronizing { get; init; }

    /// <summary>For <see cref="ImapReadStatus.MessageLiteral"/>: "~{n}", a literal8 (RFC 3516 §4.4).</summary>
    public bool IsBinary { get; init; }
}
