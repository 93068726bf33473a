namespace Letterbox.Protocol.Smtp;

/// <summary>
/// The service extensions a server can offer. The same set drives the EHLO reply
/// (<see cref="SmtpEhloReply"/>) and the MAIL/RCPT parameters the command parser accepts
/// (<see cref="SmtpParseContext"/>): a parameter whose extension was not advertised is refused
/// with 555 (RFC 5321 §4.1.1.11).
/// </summary>
[Flags]
public enum SmtpExtensions
{
    None = 0,
    /// <summary>RFC 2920.</summary>
    Pipelining = 1 << 0,
    /// <summary>RFC 1870: MAIL parameter SIZE=.</summary>
    Size = 1 << 1,
    /// <summary>RFC 6152: MAIL parameter BODY=7BIT/8BITMIME.</summary>
    EightBitMime = 1 << 2,
    /// <summary>RFC 6531: MAIL parameter SMTPUTF8 and UTF-8 addresses.</summary>
    SmtpUtf8 = 1 << 3,
    /// <summary>RFC 2034: enhanced status codes in replies.</summary>
    EnhancedStatusCodes = 1 << 4,
    /// <summary>RFC 3207. Advertised only before TLS.</summary>
    StartTls = 1 << 5,
    /// <summary>RFC 3030: BDAT.</summary>
    Chunking = 1 << 6,
    /// <summary>RFC 3030: MAIL parameter BODY=BINARYMIME (needs <see cref="Chunking"/>).</summary>
    BinaryMime = 1 << 7,
    /// <summary>RFC 4954: AUTH command and MAIL parameter AUTH=. Advertised only after TLS.</summary>
    Auth = 1 << 8,
    /// <summary>RFC 3461: MAIL parameters RET=, ENVID=, RCPT parameters NOTIFY=, ORCPT=.</summary>
    Dsn = 1 << 9,
}

/// <summary>The EHLO keywords (RFC 5321 §4.1.1.1, each registered by the RFC named).</summary>
public static class SmtpCapability
{
    /// <summary>RFC 2920 — command pipelining.</summary>
    public const string Pipelining = "PIPELINING";
    /// <summary>RFC 1870 — message size declaration; "SIZE n" with the fixed maximum.</summary>
    public const string Size = "SIZE";
    /// <summary>RFC 6152 — 8-bit MIME transport.</summary>
    public const string EightBitMime = "8BITMIME";
    /// <summary>RFC 6531 — internationalized email.</summary>
    public const string SmtpUtf8 = "SMTPUTF8";
    /// <summary>RFC 2034 (codes from RFC 3463) — enhanced status codes.</summary>
    public const string EnhancedStatusCodes = "ENHANCEDSTATUSCODES";
    /// <summary>RFC 3207 — STARTTLS.</summary>
    public const string StartTls = "STARTTLS";
    /// <summary>RFC 3030 — BDAT.</summary>
    public const string Chunking = "CHUNKING";
    /// <summary>RFC 3030 — binary MIME bodies.</summary>
    public const string BinaryMime = "BINARYMIME";
    /// <summary>RFC 4954 — "AUTH mech1 mech2".</summary>
    public const string Auth = "AUTH";
    /// <summary>RFC 3461 — delivery status notifications.</summary>
    public const string Dsn = "DSN";
}

/// <summary>Formats the EHLO reply (RFC 5321 §4.1.1.1): "250-host greeting", then one keyword a line.</summary>
public static class SmtpEhloReply
{
    /// <summary>
    /// The extensions actually advertised on a connection: STARTTLS only before TLS (RFC 3207 §4.2:
    /// not after it), AUTH only after TLS and only with at least one mechanism (so passwords never
    /// cross in the clear), BINARYMIME only with CHUNKING (RFC 3030 §3). Pass the result to the
    /// command parser too, so it accepts exactly the parameters advertised.
    /// </summary>
    public static SmtpExtensions Advertised(SmtpExtensions enabled, bool tlsActive, bool hasAuthMechanisms)
    {
        var on = enabled;
        if (tlsActive)
            on &= ~SmtpExtensions.StartTls;
        if (!tlsActive || !hasAuthMechanisms)
            on &= ~SmtpExtensions.Auth;
        if ((on & SmtpExtensions.Chunking) == 0)
            on &= ~SmtpExtensions.BinaryMime;
        return on;
    }

    /// <summary>
    /// Builds the EHLO reply. No enhanced status code: RFC 2034 §3 exempts the EHLO answer.
    /// </summary>
    /// <param name="hostName">The server's own name, first word of the first line.</param>
    /// <param name="enabled">What the configuration turns on; <see cref="Advertised"/> is applied here.</param>
    /// <param name="tlsActive">The connection is already under TLS (after STARTTLS or on port 465).</param>
    /// <param name="maxMessageSize">The fixed maximum for "SIZE n"; 0 means no fixed limit ("SIZE 0", RFC 1870 §4).</param>
    /// <param name="authMechanisms">SASL mechanism names for "AUTH ..." (upper case, RFC 4422 §3.1).</param>
    /// <param name="greeting">Optional text after the host name.</param>
    public static SmtpReply Create(string hostName, SmtpExtensions enabled, bool tlsActive, long maxMessageSize,
        IReadOnlyList<string>? authMechanisms = null, string? greeting = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostName);
        ArgumentOutOfRangeException.ThrowIfNegative(maxMessageSize);
        authMechanisms ??= [];
        var on = Advertised(enabled, tlsActive, authMechanisms.Count > 0);

        var lines = new List<string> { string.IsNullOrEmpty(greeting) ? hostName : hostName + " " + greeting };
        if (on.HasFlag(SmtpExtensions.Pipelining))
            lines.Add(SmtpCapability.Pipelining);
        if (on.HasFlag(SmtpExtensions.Size))
            lines.Add(SmtpCapability.Size + " " + maxMessageSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (on.HasFlag(SmtpExtensions.EightBitMime))
            lines.Add(SmtpCapability.EightBitMime);
        if (on.HasFlag(SmtpExtensions.SmtpUtf8))
            lines.Add(SmtpCapability.SmtpUtf8);
        if (on.HasFlag(SmtpExtensions.EnhancedStatusCodes))
            lines.Add(SmtpCapability.EnhancedStatusCodes);
        if (on.HasFlag(SmtpExtensions.StartTls))
            lines.Add(SmtpCapability.StartTls);
        if (on.HasFlag(SmtpExtensions.Chunking))
            lines.Add(SmtpCapability.Chunking);
        if (on.HasFlag(SmtpExtensions.BinaryMime))
            lines.Add(SmtpCapability.BinaryMime);
        if (on.HasFlag(SmtpExtensions.Auth))
            lines.Add(SmtpCapability.Auth + " " + string.Join(' ', authMechanisms));
        if (on.HasFlag(SmtpExtensions.Dsn))
            lines.Add(SmtpCapability.Dsn);
        return new SmtpReply(SmtpReplyCode.Ok, null, lines);
    }
}
