namespace Letterbox.Protocol.Smtp;

/// <summary>
/// The three-digit SMTP reply codes the server sends, by meaning (RFC 5321 §4.2.2, §4.2.3),
/// plus the codes added by the extensions Letterbox implements (each with its RFC).
/// </summary>
public static class SmtpReplyCode
{
    /// <summary>211 System status, or system help reply.</summary>
    public const int SystemStatus = 211;
    /// <summary>214 Help message.</summary>
    public const int HelpMessage = 214;
    /// <summary>220 &lt;domain&gt; Service ready (the greeting, and the answer to STARTTLS, RFC 3207 §4).</summary>
    public const int ServiceReady = 220;
    /// <summary>221 &lt;domain&gt; Service closing transmission channel (answer to QUIT).</summary>
    public const int ServiceClosing = 221;
    /// <summary>235 Authentication succeeded (RFC 4954 §6).</summary>
    public const int AuthenticationSucceeded = 235;
    /// <summary>250 Requested mail action okay, completed.</summary>
    public const int Ok = 250;
    /// <summary>251 User not local; will forward.</summary>
    public const int UserNotLocalWillForward = 251;
    /// <summary>252 Cannot VRFY user, but will accept message and attempt delivery.</summary>
    public const int CannotVerify = 252;

    /// <summary>334 Server challenge in an AUTH exchange (RFC 4954 §4).</summary>
    public const int AuthenticationChallenge = 334;
    /// <summary>354 Start mail input; end with &lt;CRLF&gt;.&lt;CRLF&gt;.</summary>
    public const int StartMailInput = 354;

    /// <summary>421 Service not available, closing transmission channel.</summary>
    public const int ServiceNotAvailable = 421;
    /// <summary>432 A password transition is needed (RFC 4954 §6).</summary>
    public const int PasswordTransitionNeeded = 432;
    /// <summary>450 Mailbox unavailable (busy or temporarily blocked).</summary>
    public const int MailboxBusy = 450;
    /// <summary>451 Requested action aborted: local error in processing.</summary>
    public const int LocalError = 451;
    /// <summary>452 Insufficient system storage, or too many recipients (RFC 5321 §4.5.3.1.10).</summary>
    public const int InsufficientStorage = 452;
    /// <summary>454 Temporary authentication failure (RFC 4954 §6), or TLS not available (RFC 3207 §4).</summary>
    public const int TemporaryFailure = 454;
    /// <summary>455 Server unable to accommodate parameters.</summary>
    public const int ParametersNotAccommodated = 455;

    /// <summary>500 Syntax error, command unrecognized (also: command line too long).</summary>
    public const int SyntaxError = 500;
    /// <summary>501 Syntax error in parameters or arguments.</summary>
    public const int ArgumentSyntaxError = 501;
    /// <summary>502 Command not implemented.</summary>
    public const int CommandNotImplemented = 502;
    /// <summary>503 Bad sequence of commands.</summary>
    public const int BadSequence = 503;
    /// <summary>504 Command parameter not implemented (also: unknown AUTH mechanism, RFC 4954 §4).</summary>
    public const int ParameterNotImplemented = 504;
    /// <summary>521 Host does not accept mail (RFC 7504).</summary>
    public const int DoesNotAcceptMail = 521;
    /// <summary>530 Authentication required (RFC 4954 §6); also "must issue STARTTLS first" (RFC 3207 §4).</summary>
    public const int AuthenticationRequired = 530;
    /// <summary>534 Authentication mechanism is too weak (RFC 4954 §6).</summary>
    public const int MechanismTooWeak = 534;
    /// <summary>535 Authentication credentials invalid (RFC 4954 §6).</summary>
    public const int AuthenticationFailed = 535;
    /// <summary>538 Encryption required for requested authentication mechanism (RFC 4954 §6).</summary>
    public const int EncryptionRequiredForMechanism = 538;
    /// <summary>550 Requested action not taken: mailbox unavailable, or policy rejection.</summary>
    public const int MailboxUnavailable = 550;
    /// <summary>551 User not local.</summary>
    public const int UserNotLocal = 551;
    /// <summary>552 Requested mail action aborted: exceeded storage allocation (message too big, RFC 1870 §6).</summary>
    public const int ExceededStorage = 552;
    /// <summary>553 Requested action not taken: mailbox name not allowed.</summary>
    public const int MailboxNameNotAllowed = 553;
    /// <summary>554 Transaction failed (or "no SMTP service here" as a greeting).</summary>
    public const int TransactionFailed = 554;
    /// <summary>555 MAIL FROM/RCPT TO parameters not recognized or not implemented (RFC 5321 §4.1.1.11).</summary>
    public const int ParametersNotRecognized = 555;
    /// <summary>556 Domain does not accept mail (RFC 7504).</summary>
    public const int DomainDoesNotAcceptMail = 556;
}
