using System.Net;

namespace Letterbox.Config;

/// <summary>Where the TLS certificate comes from.</summary>
public enum TlsMode
{
    /// <summary>Obtained and renewed over ACME (RFC 8555).</summary>
    Acme,
    /// <summary>Read from tls.cert_file and tls.key_file.</summary>
    Files,
    /// <summary>Generated at start; for tests and development.</summary>
    SelfSigned,
}

/// <summary>How often a backup is taken.</summary>
public enum BackupSchedule
{
    /// <summary>Every hour.</summary>
    Hourly,
    /// <summary>Every day.</summary>
    Daily,
    /// <summary>Every week.</summary>
    Weekly,
}

/// <summary>Least severe log level written.</summary>
public enum LogSeverity
{
    /// <summary>Everything, including protocol traces.</summary>
    Debug,
    /// <summary>Normal operation.</summary>
    Info,
    /// <summary>Problems that did not stop anything.</summary>
    Warn,
    /// <summary>Failures only.</summary>
    Error,
}

/// <summary>The daemons the supervisor can run.</summary>
public enum Daemon
{
    /// <summary>SMTP on 25, submission on 587 and 465.</summary>
    Smtp,
    /// <summary>IMAP on 143 and 993.</summary>
    Imap,
    /// <summary>POP3 on 110 and 995.</summary>
    Pop3,
    /// <summary>Authoritative DNS on 53.</summary>
    Dns,
    /// <summary>HTTP on 80: ACME challenges, MTA-STS, /healthz, /metrics.</summary>
    Http,
    /// <summary>ACME certificates (no listener); runs only when tls.mode = acme.</summary>
    Acme,
    /// <summary>The outbound queue (no listener): delivers queued mail to MX hosts, the relay host or local mailboxes.</summary>
    Queue,
}

/// <summary>The validated configuration. Built only when there are no errors.</summary>
/// <param name="Hostname">The mail host's FQDN, lower case.</param>
/// <param name="Domains">Mail domains, lower case; the first is the primary.</param>
/// <param name="User">Unprivileged user the daemons run as.</param>
/// <param name="Network">[network]</param>
/// <param name="Tls">[tls]</param>
/// <param name="Smtp">[smtp]</param>
/// <param name="Relay">[relay]; null when relay.host is not set (direct MX delivery).</param>
/// <param name="Dns">[dns]</param>
/// <param name="Backup">[backup]</param>
/// <param name="Daemons">[daemons]</param>
/// <param name="Monitoring">[monitoring]</param>
/// <param name="Log">[log]</param>
public sealed record LetterboxConfig(
    string Hostname,
    IReadOnlyList<string> Domains,
    string User,
    NetworkConfig Network,
    TlsConfig Tls,
    SmtpConfig Smtp,
    RelayConfig? Relay,
    DnsConfig Dns,
    BackupConfig Backup,
    DaemonsConfig Daemons,
    MonitoringConfig Monitoring,
    StoreConfig Store,
    LogConfig Log)
{
    /// <summary>The primary mail domain (the first in <see cref="Domains"/>).</summary>
    public string PrimaryDomain => Domains[0];

    /// <summary>[imap] connection limits.</summary>
    public MailAccessConfig Imap { get; init; } = MailAccessConfig.Default;

    /// <summary>[pop3] connection limits.</summary>
    public MailAccessConfig Pop3 { get; init; } = MailAccessConfig.Default;

    /// <summary>[queue]: outbound delivery.</summary>
    public QueueConfig Queue { get; init; } = QueueConfig.Default;
}

/// <summary>[queue]</summary>
/// <param name="Lifetime">How long a message is retried before it bounces.</param>
/// <param name="FirstRetry">Delay before the first retry; later ones double up to 4 hours.</param>
/// <param name="Concurrency">Messages delivered at once.</param>
/// <param name="MxPort">Port of remote MX hosts (25; tests change it).</param>
public sealed record QueueConfig(TimeSpan Lifetime, TimeSpan FirstRetry, int Concurrency, int MxPort)
{
    /// <summary>The schema's defaults.</summary>
    public static QueueConfig Default { get; } = new(TimeSpan.FromDays(5), TimeSpan.FromMinutes(2), 100, 25);

    /// <summary>Messages delivered at once to one destination domain.</summary>
    public int DestinationConcurrency { get; init; } = 20;
}

/// <summary>[imap] and [pop3]: how many sessions, overall, per client address, per user and address.</summary>
/// <param name="MaxConnections">Sessions at once over all clients.</param>
/// <param name="MaxConnectionsPerIp">Sessions at once from one address (IPv6: one /64).</param>
/// <param name="MaxConnectionsPerUserIp">Logged-in sessions of one user from one address.</param>
public sealed record MailAccessConfig(int MaxConnections, int MaxConnectionsPerIp, int MaxConnectionsPerUserIp)
{
    /// <summary>The schema's defaults.</summary>
    public static MailAccessConfig Default { get; } = new(1000, 100, 10);
}

/// <summary>[network]</summary>
/// <param name="PublicIpv4">Public IPv4, if known.</param>
/// <param name="PublicIpv6">Public IPv6, if known.</param>
/// <param name="Listen">Addresses every daemon binds.</param>
/// <param name="PortOffset">Added to every standard port.</param>
public sealed record NetworkConfig(IPAddress? PublicIpv4, IPAddress? PublicIpv6, IReadOnlyList<IPAddress> Listen, int PortOffset)
{
    /// <summary>The effective ports, standard ports plus <see cref="PortOffset"/>.</summary>
    public ServicePorts Ports => new(PortOffset);
}

/// <summary>[tls]</summary>
/// <param name="Mode">Where the certificate comes from.</param>
/// <param name="CertFile">Certificate chain file; set when Mode is Files.</param>
/// <param name="KeyFile">Private key file; set when Mode is Files.</param>
/// <param name="AcmeDirectory">ACME directory URL.</param>
/// <param name="AcmeEmail">ACME contact address, if any.</param>
/// <param name="AcmeEabHmacKeyFile">File with the external account binding key, if any.</param>
/// <param name="AcmeEabKid">The external account binding key id, if any.</param>
/// <param name="AcmeChallenge">"auto", "dns-01" or "http-01".</param>
/// <param name="AcmeNames">Extra certificate names.</param>
/// <param name="AcmeCaFile">Root the ACME directory's HTTPS must chain to (test CAs only), if any.</param>
public sealed record TlsConfig(TlsMode Mode, string? CertFile, string? KeyFile, Uri AcmeDirectory, string? AcmeEmail, string? AcmeEabHmacKeyFile,
    string? AcmeEabKid = null, string AcmeChallenge = "auto", IReadOnlyList<string>? AcmeNames = null, string? AcmeCaFile = null);

/// <summary>[store]</summary>
/// <param name="DefaultQuota">Quota of new users in bytes; 0 is unlimited.</param>
public sealed record StoreConfig(long DefaultQuota);

/// <summary>[smtp]</summary>
/// <param name="MaxMessageSize">Largest message in bytes.</param>
/// <param name="MaxRecipients">Most recipients per message.</param>
/// <param name="TrustedNetworks">Networks that may relay without logging in.</param>
/// <param name="CommandTimeout">Idle time allowed between commands.</param>
/// <param name="MaxMessagesPerHour">Most messages a logged-in user may submit in an hour.</param>
public sealed record SmtpConfig(long MaxMessageSize, int MaxRecipients, IReadOnlyList<IPNetwork> TrustedNetworks, TimeSpan CommandTimeout,
    TimeSpan DataTimeout, int MaxConnections, int MaxConnectionsPerIp, int MaxCommands, int MaxErrors, int MaxLineLength, long MaxHeaderSize, TimeSpan GreetPause,
    int MaxMessagesPerHour);

/// <summary>[relay]: a smarthost for all outgoing mail.</summary>
/// <param name="Host">Smarthost endpoint.</param>
/// <param name="Username">Login name, if the smarthost needs one.</param>
/// <param name="PasswordFile">File holding the password; set exactly when Username is.</param>
public sealed record RelayConfig(HostEndpoint Host, string? Username, string? PasswordFile);

/// <summary>[dns]</summary>
/// <param name="Enabled">Serve the mail domains' zones.</param>
/// <param name="Secondaries">Secondaries allowed to transfer the zones.</param>
/// <param name="Resolvers">Recursive resolvers; empty means the system resolver.</param>
/// <param name="Nameservers">Secondary name servers' names, published as NS after this host.</param>
/// <param name="Notify">Where NOTIFY goes on change; empty means the secondaries on port 53.</param>
/// <param name="RateLimit">UDP responses per second per client network; 0 is off.</param>
/// <param name="TsigKey">TSIG key transfers must be signed with, and NOTIFYs are signed with; null for none.</param>
/// <param name="Dnssec">Sign the zones (DNSSEC, algorithm 13, NSEC).</param>
public sealed record DnsConfig(bool Enabled, IReadOnlyList<IPAddress> Secondaries, IReadOnlyList<HostEndpoint> Resolvers,
    IReadOnlyList<string> Nameservers, IReadOnlyList<HostEndpoint> Notify, int RateLimit, string? TsigKey = null, bool Dnssec = true);

/// <summary>[backup]</summary>
/// <param name="Enabled">Take backups.</param>
/// <param name="Target">Destination; set when Enabled.</param>
/// <param name="Schedule">How often.</param>
/// <param name="Keep">How many to keep.</param>
/// <param name="KeyFile">Encryption key file; set when Enabled.</param>
public sealed record BackupConfig(bool Enabled, string? Target, BackupSchedule Schedule, int Keep, string? KeyFile);

/// <summary>[daemons]</summary>
/// <param name="Enabled">Daemons listed in daemons.enabled.</param>
/// <param name="DnsEnabled">dns.enabled, which also gates the dns daemon.</param>
/// <param name="AcmeMode">tls.mode = acme, which also gates the acme daemon.</param>
public sealed record DaemonsConfig(IReadOnlyList<Daemon> Enabled, bool DnsEnabled, bool AcmeMode = false)
{
    /// <summary>Whether the supervisor should start this daemon.</summary>
    public bool Runs(Daemon daemon) => Enabled.Contains(daemon) && (daemon != Daemon.Dns || DnsEnabled) && (daemon != Daemon.Acme || AcmeMode);
}

/// <summary>[monitoring]</summary>
/// <param name="Allow">Networks allowed to read /healthz and /metrics.</param>
public sealed record MonitoringConfig(IReadOnlyList<IPNetwork> Allow)
{
    /// <summary>Whether a client may read /healthz and /metrics; IPv4-mapped IPv6 clients count as IPv4.</summary>
    public bool Allows(IPAddress client)
    {
        var address = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        return Allow.Any(n => n.Contains(address));
    }
}

/// <summary>[log]</summary>
/// <param name="Level">Least severe level written.</param>
public sealed record LogConfig(LogSeverity Level);
