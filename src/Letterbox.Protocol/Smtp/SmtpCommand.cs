using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Letterbox.Protocol.Smtp;

/// <summary>The commands the server knows (RFC 5321 §4.1.1 and the extensions).</summary>
public enum SmtpVerb
{
    /// <summary>Not a command we know (or not a command at all).</summary>
    Unknown,
    Helo,
    Ehlo,
    Mail,
    Rcpt,
    Data,
    /// <summary>RFC 3030.</summary>
    Bdat,
    Rset,
    Noop,
    Quit,
    Help,
    Vrfy,
    Expn,
    /// <summary>RFC 3207.</summary>
    StartTls,
    /// <summary>RFC 4954.</summary>
    Auth,
}

/// <summary>A parsed command. Match on the subtype, or dispatch on <see cref="Verb"/>.</summary>
public abstract record SmtpCommand(SmtpVerb Verb);

/// <summary>
/// HELO or EHLO. <see cref="Host"/> is the argument as sent. The parser is lenient here, like
/// Postfix: any single printable word is accepted, and <see cref="IsValidSyntax"/> says whether
/// it is a syntactically valid domain or address literal, so policy (not the parser) decides
/// whether to refuse "EHLO my_pc".
/// </summary>
public sealed record HeloCommand(SmtpVerb Verb, string Host, IPAddress? AddressLiteral, bool IsValidSyntax) : SmtpCommand(Verb)
{
    /// <summary>EHLO rather than HELO: the client may use extensions.</summary>
    public bool IsExtended => Verb == SmtpVerb.Ehlo;
}

/// <summary>MAIL FROM:&lt;reverse-path&gt; [parameters].</summary>
public sealed record MailCommand(SmtpAddress ReversePath, MailParameters Parameters) : SmtpCommand(SmtpVerb.Mail);

/// <summary>RCPT TO:&lt;forward-path&gt; [parameters].</summary>
public sealed record RcptCommand(SmtpAddress ForwardPath, RcptParameters Parameters) : SmtpCommand(SmtpVerb.Rcpt);

/// <summary>BDAT chunk-size [LAST] (RFC 3030 §2): exactly <see cref="Size"/> octets of data follow the command line.</summary>
public sealed record BdatCommand(long Size, bool Last) : SmtpCommand(SmtpVerb.Bdat);

/// <summary>
/// AUTH mechanism [initial-response] (RFC 4954 §4). <see cref="Mechanism"/> is upper-cased.
/// <see cref="InitialResponse"/> is the base64 text as sent, "=" for an empty response, or null
/// when none was given.
/// </summary>
public sealed record AuthCommand(string Mechanism, string? InitialResponse) : SmtpCommand(SmtpVerb.Auth);

/// <summary>
/// The commands that carry at most a free-text argument: DATA, RSET, QUIT, STARTTLS (never an
/// argument), NOOP and HELP (optional), VRFY and EXPN (required).
/// </summary>
public sealed record TextCommand(SmtpVerb Verb, string? Argument) : SmtpCommand(Verb);

/// <summary>The body type of MAIL's BODY= parameter.</summary>
public enum SmtpBodyType
{
    /// <summary>No BODY parameter.</summary>
    Unspecified,
    /// <summary>BODY=7BIT (RFC 6152).</summary>
    SevenBit,
    /// <summary>BODY=8BITMIME (RFC 6152).</summary>
    EightBitMime,
    /// <summary>BODY=BINARYMIME (RFC 3030 §3); the message must come by BDAT.</summary>
    BinaryMime,
}

/// <summary>MAIL's RET= parameter (RFC 3461 §4.3).</summary>
public enum DsnReturn
{
    Unspecified,
    /// <summary>RET=FULL.</summary>
    Full,
    /// <summary>RET=HDRS.</summary>
    Headers,
}

/// <summary>RCPT's NOTIFY= parameter (RFC 3461 §4.1). <see cref="Unspecified"/> when absent.</summary>
[Flags]
public enum DsnNotify
{
    Unspecified = 0,
    Never = 1,
    Success = 2,
    Failure = 4,
    Delay = 8,
}

/// <summary>The ESMTP parameters of MAIL FROM.</summary>
public sealed record MailParameters
{
    public static MailParameters None { get; } = new();

    /// <summary>SIZE= (RFC 1870), the client's estimate in octets; saturates at <see cref="long.MaxValue"/>.</summary>
    public long? Size { get; init; }

    /// <summary>BODY= (RFC 6152, RFC 3030).</summary>
    public SmtpBodyType Body { get; init; }

    /// <summary>SMTPUTF8 (RFC 6531 §3.4): the transaction may carry UTF-8 addresses and headers.</summary>
    public bool SmtpUtf8 { get; init; }

    /// <summary>RET= (RFC 3461 §4.3).</summary>
    public DsnReturn Return { get; init; }

    /// <summary>ENVID= (RFC 3461 §4.4), xtext-decoded.</summary>
    public string? EnvelopeId { get; init; }

    /// <summary>AUTH= (RFC 4954 §5), xtext-decoded: the submitter's mailbox, or "&lt;&gt;" for unknown.</summary>
    public string? Auth { get; init; }
}

/// <summary>The ESMTP parameters of RCPT TO.</summary>
public sealed record RcptParameters
{
    public static RcptParameters None { get; } = new();

    /// <summary>NOTIFY= (RFC 3461 §4.1).</summary>
    public DsnNotify Notify { get; init; }

    /// <summary>The addr-type of ORCPT= (RFC 3461 §4.2), e.g. "rfc822"; null when absent.</summary>
    public string? OriginalRecipientType { get; init; }

    /// <summary>
    /// The address of ORCPT=, xtext-decoded. For addr-type "utf-8" (RFC 6533 §3) it is kept as
    /// sent, since utf-8-addr-xtext is not plain xtext.
    /// </summary>
    public string? OriginalRecipient { get; init; }
}

/// <summary>What the session tells the parser about the connection.</summary>
public readonly record struct SmtpParseContext
{
    public SmtpParseContext(SmtpExtensions extensions) => Extensions = extensions;

    /// <summary>
    /// The extensions advertised in the EHLO reply (<see cref="SmtpEhloReply.Advertised"/>);
    /// <see cref="SmtpExtensions.None"/> after HELO, so every MAIL/RCPT parameter is refused.
    /// </summary>
    public SmtpExtensions Extensions { get; init; }

    /// <summary>The current transaction's MAIL FROM carried SMTPUTF8: RCPT may use UTF-8 addresses.</summary>
    public bool TransactionSmtpUtf8 { get; init; }

    /// <summary>The SASL mechanisms offered; when set, AUTH with another one gets 504 5.5.4 (RFC 4954 §4).</summary>
    public IReadOnlyCollection<string>? AuthMechanisms { get; init; }
}

/// <summary>
/// The outcome of parsing one command line: a command, or an error to send back. <see cref="Verb"/>
/// is known in both cases when the verb was recognized, so a session can log it or check its
/// state table before reporting an argument error.
/// </summary>
public readonly record struct SmtpCommandResult
{
    private SmtpCommandResult(SmtpVerb verb, SmtpCommand? command, SmtpError? error)
    {
        Verb = verb;
        Command = command;
        Error = error;
    }

    public SmtpVerb Verb { get; }
    public SmtpCommand? Command { get; }
    public SmtpError? Error { get; }

    [MemberNotNullWhen(true, nameof(Command))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Command is not null;

    internal static SmtpCommandResult Ok(SmtpCommand command) => new(command.Verb, command, null);
    internal static SmtpCommandResult Fail(SmtpVerb verb, SmtpError error) => new(verb, null, error);
}
