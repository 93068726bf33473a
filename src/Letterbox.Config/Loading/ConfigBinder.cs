namespace Letterbox.Config;

/// <summary>
/// Builds the typed records from validated values, by hand: no reflection, so Native AOT keeps
/// every member it needs without annotations.
/// </summary>
internal static class ConfigBinder
{
    public static LetterboxConfig Bind(ConfigValues v)
    {
        var relayHost = v.Optional(ConfigSchema.Relay.Host);
        return new LetterboxConfig(
            Hostname: v.Get(ConfigSchema.Host.Hostname),
            Domains: v.Get(ConfigSchema.Host.Domains),
            User: v.Get(ConfigSchema.Host.User),
            Network: new NetworkConfig(
                v.Optional(ConfigSchema.Network.PublicIpv4),
                v.Optional(ConfigSchema.Network.PublicIpv6),
                v.Get(ConfigSchema.Network.Listen),
                v.Get(ConfigSchema.Network.PortOffset)),
            Tls: new TlsConfig(
                v.Get(ConfigSchema.Tls.Mode) switch
                {
                    "files" => TlsMode.Files,
                    "self-signed" => TlsMode.SelfSigned,
                    _ => TlsMode.Acme,
                },
                v.Optional(ConfigSchema.Tls.CertFile),
                v.Optional(ConfigSchema.Tls.KeyFile),
                new Uri(v.Get(ConfigSchema.Tls.AcmeDirectory)),
                v.Optional(ConfigSchema.Tls.AcmeEmail),
                v.Optional(ConfigSchema.Tls.AcmeEabHmacKeyFile),
                v.Optional(ConfigSchema.Tls.AcmeEabKid),
                v.Get(ConfigSchema.Tls.AcmeChallenge),
                v.Get(ConfigSchema.Tls.AcmeNames),
                v.Optional(ConfigSchema.Tls.AcmeCaFile)),
            Smtp: new SmtpConfig(
                v.Get(ConfigSchema.Smtp.MaxMessageSize),
                v.Get(ConfigSchema.Smtp.MaxRecipients),
                v.Get(ConfigSchema.Smtp.TrustedNetworks),
                v.Get(ConfigSchema.Smtp.CommandTimeout),
                v.Get(ConfigSchema.Smtp.DataTimeout),
                v.Get(ConfigSchema.Smtp.MaxConnections),
                v.Get(ConfigSchema.Smtp.MaxConnectionsPerIp),
                v.Get(ConfigSchema.Smtp.MaxCommands),
                v.Get(ConfigSchema.Smtp.MaxErrors),
                v.Get(ConfigSchema.Smtp.MaxLineLength),
                v.Get(ConfigSchema.Smtp.MaxHeaderSize),
                v.Get(ConfigSchema.Smtp.GreetPause),
                v.Get(ConfigSchema.Smtp.MaxMessagesPerHour)),
            Relay: relayHost is null
                ? null
                : new RelayConfig(relayHost, v.Optional(ConfigSchema.Relay.Username), v.Optional(ConfigSchema.Relay.PasswordFile)),
            Dns: new DnsConfig(
                v.Get(ConfigSchema.Dns.Enabled),
                v.Get(ConfigSchema.Dns.Secondaries),
                v.Get(ConfigSchema.Dns.Resolvers),
                v.Get(ConfigSchema.Dns.Nameservers),
                v.Get(ConfigSchema.Dns.Notify),
                v.Get(ConfigSchema.Dns.RateLimit),
                v.Optional(ConfigSchema.Dns.TsigKey),
                v.Get(ConfigSchema.Dns.Dnssec)),
            Backup: new BackupConfig(
                v.Get(ConfigSchema.Backup.Enabled),
                v.Optional(ConfigSchema.Backup.Target),
                v.Get(ConfigSchema.Backup.Schedule) switch
                {
                    "hourly" => BackupSchedule.Hourly,
                    "weekly" => BackupSchedule.Weekly,
                    _ => BackupSchedule.Daily,
                },
                v.Get(ConfigSchema.Backup.Keep),
                v.Optional(ConfigSchema.Backup.KeyFile)),
            Daemons: new DaemonsConfig(
                v.Get(ConfigSchema.Daemons.Enabled).Select(ParseDaemon).ToArray(),
                v.Get(ConfigSchema.Dns.Enabled),
                v.Get(ConfigSchema.Tls.Mode) == "acme"),
            Monitoring: new MonitoringConfig(v.Get(ConfigSchema.Monitoring.Allow)),
            Store: new StoreConfig(v.Get(ConfigSchema.Store.DefaultQuota)),
            Log: new LogConfig(v.Get(ConfigSchema.Log.Level) switch
            {
                "debug" => LogSeverity.Debug,
                "warn" => LogSeverity.Warn,
                "error" => LogSeverity.Error,
                _ => LogSeverity.Info,
            }))
        {
            Imap = new MailAccessConfig(
                v.Get(ConfigSchema.Imap.MaxConnections),
                v.Get(ConfigSchema.Imap.MaxConnectionsPerIp),
                v.Get(ConfigSchema.Imap.MaxConnectionsPerUserIp)),
            Pop3 = new MailAccessConfig(
                v.Get(ConfigSchema.Pop3.MaxConnections),
                v.Get(ConfigSchema.Pop3.MaxConnectionsPerIp),
                v.Get(ConfigSchema.Pop3.MaxConnectionsPerUserIp)),
            Queue = new QueueConfig(
                v.Get(ConfigSchema.Queue.Lifetime),
                v.Get(ConfigSchema.Queue.FirstRetry),
                v.Get(ConfigSchema.Queue.Concurrency),
                v.Get(ConfigSchema.Queue.MxPort))
            {
                DestinationConcurrency = v.Get(ConfigSchema.Queue.DestinationConcurrency),
            },
        };
    }

    private static Daemon ParseDaemon(string name) => name switch
    {
        "smtp" => Daemon.Smtp,
        "imap" => Daemon.Imap,
        "pop3" => Daemon.Pop3,
        "dns" => Daemon.Dns,
        "http" => Daemon.Http,
        "acme" => Daemon.Acme,
        "queue" => Daemon.Queue,
        _ => throw new InvalidOperationException($"daemons.enabled allowed an unknown daemon {name}"),
    };
}
