using Letterbox.Config;
using Letterbox.Protocol.Smtp;

namespace Letterbox.Daemons.Smtp;

/// <summary>The port a session came in on, which decides what it may do.</summary>
public enum SmtpRole
{
    /// <summary>Port 25: mail for our domains from anyone, no AUTH (RFC 5321).</summary>
    Mx,

    /// <summary>Port 587: STARTTLS, then AUTH, then mail to anywhere (RFC 6409).</summary>
    Submission,

    /// <summary>Port 465: the same as 587 under implicit TLS (RFC 8314 §3.3).</summary>
    Submissions,
}

/// <summary>What an SMTP session needs from the configuration, fixed for the daemon's life.</summary>
public sealed record SmtpServerOptions
{
    public required string Hostname { get; init; }

    /// <summary>Where a bare &lt;Postmaster&gt; (RFC 5321 §4.5.1) is delivered.</summary>
    public required string PrimaryDomain { get; init; }
    public required long MaxMessageSize { get; init; }
    public required int MaxRecipients { get; init; }
    public required int MaxCommands { get; init; }
    public required int MaxErrors { get; init; }
    public required int MaxLineLength { get; init; }
    public required long MaxHeaderSize { get; init; }
    public required TimeSpan CommandTimeout { get; init; }
    public required TimeSpan DataTimeout { get; init; }

    /// <summary>Clients that may relay without logging in (smtp.trusted_networks); empty by default.</summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedNetworks { get; init; } = [];

    /// <summary>How long to wait before the banner; a client that talks in that time is an early talker.</summary>
    public TimeSpan GreetPause { get; init; } = TimeSpan.Zero;

    public SmtpExtensions Extensions { get; init; } =
        SmtpExtensions.Pipelining | SmtpExtensions.Size | SmtpExtensions.EightBitMime | SmtpExtensions.SmtpUtf8 |
        SmtpExtensions.EnhancedStatusCodes | SmtpExtensions.StartTls | SmtpExtensions.Chunking;

    public static SmtpServerOptions From(LetterboxConfig config) => new()
    {
        Hostname = config.Hostname,
        PrimaryDomain = config.PrimaryDomain,
        MaxMessageSize = config.Smtp.MaxMessageSize,
        MaxRecipients = config.Smtp.MaxRecipients,
        MaxCommands = config.Smtp.MaxCommands,
        MaxErrors = config.Smtp.MaxErrors,
        MaxLineLength = config.Smtp.MaxLineLength,
        MaxHeaderSize = config.Smtp.MaxHeaderSize,
        CommandTimeout = config.Smtp.CommandTimeout,
        DataTimeout = config.Smtp.DataTimeout,
        GreetPause = config.Smtp.GreetPause,
        TrustedNetworks = config.Smtp.TrustedNetworks,
    };
}
