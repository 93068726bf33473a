namespace Letterbox.Protocol.Smtp;

/// <summary>
/// The subject and detail of an enhanced mail system status code (RFC 3463 §2, RFC 2034):
/// "class.subject.detail". The class is not stored: RFC 2034 §4 requires it to match the first
/// digit of the reply code it travels with, so <see cref="SmtpReply"/> derives it from there.
/// That makes a mismatched pair like "250 5.1.1" impossible to write.
/// </summary>
public readonly record struct EnhancedStatusCode
{
    public EnhancedStatusCode(int subject, int detail)
    {
        // RFC 3463 §2: subject and detail are 1*3digit.
        ArgumentOutOfRangeException.ThrowIfNegative(subject);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(subject, 999);
        ArgumentOutOfRangeException.ThrowIfNegative(detail);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(detail, 999);
        Subject = subject;
        Detail = detail;
    }

    public int Subject { get; }
    public int Detail { get; }

    /// <summary>The full code for a reply: "5.5.2" for reply code 500 and subject.detail 5.2.</summary>
    public string Format(int replyCode) => $"{replyCode / 100}.{Subject}.{Detail}";

    public override string ToString() => $"x.{Subject}.{Detail}";
}

/// <summary>
/// Named enhanced status codes (RFC 3463 §3; later additions name their RFC). Each is the
/// "subject.detail" part; the class (2, 4 or 5) comes from the reply code.
/// </summary>
public static class EnhancedStatus
{
    // X.0.XXX Other or undefined status
    /// <summary>x.0.0 Other undefined status (also the generic success 2.0.0).</summary>
    public static readonly EnhancedStatusCode Undefined = new(0, 0);

    // X.1.XXX Addressing status
    /// <summary>x.1.0 Other address status (2.1.0 is the usual "sender ok").</summary>
    public static readonly EnhancedStatusCode OtherAddress = new(1, 0);
    /// <summary>x.1.1 Bad destination mailbox address (no such user).</summary>
    public static readonly EnhancedStatusCode BadDestinationMailbox = new(1, 1);
    /// <summary>x.1.2 Bad destination system address.</summary>
    public static readonly EnhancedStatusCode BadDestinationSystem = new(1, 2);
    /// <summary>x.1.3 Bad destination mailbox address syntax.</summary>
    public static readonly EnhancedStatusCode BadDestinationSyntax = new(1, 3);
    /// <summary>x.1.5 Destination address valid (2.1.5 is the usual "recipient ok").</summary>
    public static readonly EnhancedStatusCode DestinationValid = new(1, 5);
    /// <summary>x.1.6 Destination mailbox has moved, no forwarding address.</summary>
    public static readonly EnhancedStatusCode MailboxMoved = new(1, 6);
    /// <summary>x.1.7 Bad sender's mailbox address syntax.</summary>
    public static readonly EnhancedStatusCode BadSenderSyntax = new(1, 7);
    /// <summary>x.1.8 Bad sender's system address.</summary>
    public static readonly EnhancedStatusCode BadSenderSystem = new(1, 8);
    /// <summary>x.1.10 Recipient address has null MX (RFC 7505 §4.2).</summary>
    public static readonly EnhancedStatusCode NullMx = new(1, 10);

    // X.2.XXX Mailbox status
    /// <summary>x.2.0 Other or undefined mailbox status.</summary>
    public static readonly EnhancedStatusCode OtherMailbox = new(2, 0);
    /// <summary>x.2.1 Mailbox disabled, not accepting messages.</summary>
    public static readonly EnhancedStatusCode MailboxDisabled = new(2, 1);
    /// <summary>x.2.2 Mailbox full.</summary>
    public static readonly EnhancedStatusCode MailboxFull = new(2, 2);
    /// <summary>x.2.3 Message length exceeds administrative limit.</summary>
    public static readonly EnhancedStatusCode MessageLengthExceedsLimit = new(2, 3);

    // X.3.XXX Mail system status
    /// <summary>x.3.0 Other or undefined mail system status.</summary>
    public static readonly EnhancedStatusCode OtherMailSystem = new(3, 0);
    /// <summary>x.3.1 Mail system full.</summary>
    public static readonly EnhancedStatusCode MailSystemFull = new(3, 1);
    /// <summary>x.3.2 System not accepting network messages (shutting down).</summary>
    public static readonly EnhancedStatusCode NotAcceptingMessages = new(3, 2);
    /// <summary>x.3.4 Message too big for system (RFC 1870 §6 uses 552 5.3.4).</summary>
    public static readonly EnhancedStatusCode MessageTooBig = new(3, 4);

    // X.4.XXX Network and routing status
    /// <summary>x.4.0 Other or undefined network or routing status.</summary>
    public static readonly EnhancedStatusCode OtherNetwork = new(4, 0);
    /// <summary>x.4.2 Bad connection.</summary>
    public static readonly EnhancedStatusCode BadConnection = new(4, 2);
    /// <summary>x.4.5 Mail system congestion.</summary>
    public static readonly EnhancedStatusCode Congestion = new(4, 5);
    /// <summary>x.4.6 Routing loop detected (RFC 3463 §3.5).</summary>
    public static readonly EnhancedStatusCode RoutingLoop = new(4, 6);
    /// <summary>x.4.7 Delivery time expired.</summary>
    public static readonly EnhancedStatusCode DeliveryTimeExpired = new(4, 7);

    // X.5.XXX Mail delivery protocol status
    /// <summary>x.5.0 Other or undefined protocol status (2.5.0 for QUIT, NOOP, RSET).</summary>
    public static readonly EnhancedStatusCode OtherProtocol = new(5, 0);
    /// <summary>x.5.1 Invalid command (unknown verb, or a verb out of sequence).</summary>
    public static readonly EnhancedStatusCode InvalidCommand = new(5, 1);
    /// <summary>x.5.2 Syntax error (also: line too long, bare &lt;LF&gt;).</summary>
    public static readonly EnhancedStatusCode SyntaxError = new(5, 2);
    /// <summary>x.5.3 Too many recipients.</summary>
    public static readonly EnhancedStatusCode TooManyRecipients = new(5, 3);
    /// <summary>x.5.4 Invalid command arguments.</summary>
    public static readonly EnhancedStatusCode InvalidArguments = new(5, 4);
    /// <summary>x.5.5 Wrong protocol version.</summary>
    public static readonly EnhancedStatusCode WrongProtocolVersion = new(5, 5);
    /// <summary>x.5.6 Authentication exchange line is too long (RFC 4954 §6).</summary>
    public static readonly EnhancedStatusCode AuthenticationLineTooLong = new(5, 6);

    // X.6.XXX Message content or media status
    /// <summary>x.6.0 Other or undefined media error.</summary>
    public static readonly EnhancedStatusCode OtherMedia = new(6, 0);
    /// <summary>x.6.3 Conversion required but not supported.</summary>
    public static readonly EnhancedStatusCode ConversionNotSupported = new(6, 3);
    /// <summary>x.6.7 Non-ASCII addresses not permitted for that sender/recipient (RFC 6531 §3.7.4).</summary>
    public static readonly EnhancedStatusCode NonAsciiAddressNotPermitted = new(6, 7);

    // X.7.XXX Security or policy status
    /// <summary>x.7.0 Other or undefined security status (also 2.7.0 "authentication succeeded", RFC 4954 §6).</summary>
    public static readonly EnhancedStatusCode OtherSecurity = new(7, 0);
    /// <summary>x.7.1 Delivery not authorized, message refused (relay denied).</summary>
    public static readonly EnhancedStatusCode DeliveryNotAuthorized = new(7, 1);
    /// <summary>x.7.8 Authentication credentials invalid (RFC 4954 §6).</summary>
    public static readonly EnhancedStatusCode AuthenticationCredentialsInvalid = new(7, 8);
    /// <summary>x.7.9 Authentication mechanism is too weak (RFC 4954 §6).</summary>
    public static readonly EnhancedStatusCode MechanismTooWeak = new(7, 9);
    /// <summary>x.7.10 Encryption needed (RFC 5248).</summary>
    public static readonly EnhancedStatusCode EncryptionNeeded = new(7, 10);
    /// <summary>x.7.11 Encryption required for requested authentication mechanism (RFC 4954 §6).</summary>
    public static readonly EnhancedStatusCode EncryptionRequiredForMechanism = new(7, 11);
    /// <summary>x.7.12 A password transition is needed (RFC 4954 §6).</summary>
    public static readonly EnhancedStatusCode PasswordTransitionNeeded = new(7, 12);
}
