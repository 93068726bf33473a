using System.Net;
using System.Net.Sockets;

namespace Letterbox.Config;

/// <summary>
/// Every configuration key Letterbox knows, declared once. To add a key: declare it in its
/// section below, add it to <see cref="All"/>, bind it in <c>ConfigBinder</c>, then regenerate
/// docs/configuration.md (the docs test says how).
/// </summary>
/// <remarks>
/// Secrets are never written inline: a key whose last part names a password, secret or key
/// must end in <c>_file</c> (a path to a file holding it) or <c>_hash</c>. A test enforces
/// this over the whole schema.
/// </remarks>
public static class ConfigSchema
{
    /// <summary>Top-level keys.</summary>
    public static class Host
    {
        /// <summary>hostname</summary>
        public static readonly ConfigKey<string> Hostname = new("hostname", ConfigType.Hostname)
        {
            Required = true,
            Doc = "Fully qualified name of this mail host: the name in the MX records, the TLS certificate "
                + "and the SMTP greeting. It must differ from every mail domain: use a name inside it, such as mail.example.com. "
                + "On EC2 the instance's public host name is used when this is not set.",
            Example = "mail.example.com",
        };

        /// <summary>domains</summary>
        public static readonly ConfigKey<IReadOnlyList<string>> Domains = new("domains", ConfigType.DomainList)
        {
            Required = true,
            MinItems = 1,
            Doc = "Mail domains this host receives mail for (the part after @). The first is the primary domain.",
            Example = "example.com, example.org",
        };

        /// <summary>user</summary>
        public static readonly ConfigKey<string> User = new("user", ConfigType.String)
        {
            Default = "letterbox",
            Doc = "Unprivileged user the daemons run as once their ports are bound.",
            Example = "letterbox",
            Check = CheckUserName,
        };
    }

    /// <summary>[network]</summary>
    public static class Network
    {
        /// <summary>network.public_ipv4</summary>
        public static readonly ConfigKey<IPAddress> PublicIpv4 = new("network.public_ipv4", ConfigType.IPAddress)
        {
            Doc = "Public IPv4 address, published in the A and SPF records. From EC2 metadata when not set.",
            Example = "203.0.113.25",
            Check = a => a.AddressFamily == AddressFamily.InterNetwork ? null : $"{a} is not an IPv4 address",
        };

        /// <summary>network.public_ipv6</summary>
        public static readonly ConfigKey<IPAddress> PublicIpv6 = new("network.public_ipv6", ConfigType.IPAddress)
        {
            Doc = "Public IPv6 address, published in the AAAA and SPF records. From EC2 metadata when not set.",
            Example = "2001:db8::25",
            Check = a => a.AddressFamily == AddressFamily.InterNetworkV6 ? null : $"{a} is not an IPv6 address",
        };

        /// <summary>network.listen</summary>
        public static readonly ConfigKey<IReadOnlyList<IPAddress>> Listen = new("network.listen", ConfigType.AddressList)
        {
            Default = "0.0.0.0, ::",
            MinItems = 1,
            Doc = "Local addresses every daemon binds.",
            Example = "0.0.0.0, ::",
        };

        /// <summary>network.port_offset</summary>
        public static readonly ConfigKey<int> PortOffset = new("network.port_offset", ConfigType.Int)
        {
            Default = "0",
            Min = 0,
            Max = 50000,
            Doc = "Added to every standard port (25 becomes 25 + offset, and so on). Development mode uses 10000 "
                + "so that nothing needs root.",
            Example = "10000",
        };
    }

    /// <summary>[tls]</summary>
    public static class Tls
    {
        /// <summary>tls.mode</summary>
        public static readonly ConfigKey<string> Mode = new("tls.mode", ConfigType.Enum)
        {
            Default = "acme",
            Allowed = ["acme", "files", "self-signed"],
            Doc = "Where the TLS certificate comes from: acme (obtained and renewed automatically), "
                + "files (tls.cert_file and tls.key_file) or self-signed (for tests and development).",
            Example = "files",
        };

        /// <summary>tls.cert_file</summary>
        public static readonly ConfigKey<string> CertFile = new("tls.cert_file", ConfigType.FilePath)
        {
            Doc = "PEM certificate chain, leaf first. Required when tls.mode = files.",
            Example = "/etc/letterbox/tls/fullchain.pem",
        };

        /// <summary>tls.key_file</summary>
        public static readonly ConfigKey<string> KeyFile = new("tls.key_file", ConfigType.FilePath)
        {
            Doc = "PEM private key of the certificate. Required when tls.mode = files.",
            Example = "/etc/letterbox/tls/privkey.pem",
        };

        /// <summary>tls.acme_directory</summary>
        public static readonly ConfigKey<string> AcmeDirectory = new("tls.acme_directory", ConfigType.String)
        {
            Default = "https://acme-v02.api.letsencrypt.org/directory",
            Doc = "ACME directory URL (RFC 8555 §7.1.1). The default is Let's Encrypt's production directory.",
            Example = "https://acme-staging-v02.api.letsencrypt.org/directory",
            Check = CheckHttpUrl,
        };

        /// <summary>tls.acme_email</summary>
        public static readonly ConfigKey<string> AcmeEmail = new("tls.acme_email", ConfigType.String)
        {
            Doc = "Contact address given to the ACME server for expiry notices.",
            Example = "postmaster@example.com",
            Check = e => e.Contains('@') && !e.Any(char.IsWhiteSpace) ? null : $"\"{e}\" is not a mail address",
        };

        /// <summary>tls.acme_eab_hmac_key_file</summary>
        public static readonly ConfigKey<string> AcmeEabHmacKeyFile = new("tls.acme_eab_hmac_key_file", ConfigType.FilePath)
        {
            Secret = true,
            Doc = "File holding the base64url HMAC key for ACME external account binding (RFC 8555 §7.3.4), "
                + "for CAs that require it.",
            Example = "/etc/letterbox/secrets/acme-eab-hmac",
        };

        /// <summary>tls.acme_eab_kid</summary>
        public static readonly ConfigKey<string> AcmeEabKid = new("tls.acme_eab_kid", ConfigType.String)
        {
            Doc = "Key identifier the CA issued with the external account binding HMAC key (RFC 8555 §7.3.4); "
                + "set together with tls.acme_eab_hmac_key_file.",
            Example = "kid-1",
        };

        /// <summary>tls.acme_challenge</summary>
        public static readonly ConfigKey<string> AcmeChallenge = new("tls.acme_challenge", ConfigType.Enum)
        {
            Default = "auto",
            Allowed = ["auto", "dns-01", "http-01"],
            Doc = "How the ACME CA checks that this host owns its names: dns-01 (a TXT record served by the built-in "
                + "DNS server), http-01 (a file served on port 80), or auto: dns-01 for names in a mail domain when "
                + "the dns daemon runs, http-01 otherwise.",
            Example = "http-01",
        };

        /// <summary>tls.acme_names</summary>
        public static readonly ConfigKey<IReadOnlyList<string>> AcmeNames = new("tls.acme_names", ConfigType.DomainList)
        {
            Default = "",
            Doc = "Extra names for the ACME certificate, besides the host name and mta-sts.<domain> and "
                + "autoconfig.<domain> for every mail domain.",
            Example = "webmail.example.com",
        };

        /// <summary>tls.acme_ca_file</summary>
        public static readonly ConfigKey<string> AcmeCaFile = new("tls.acme_ca_file", ConfigType.FilePath)
        {
            Doc = "PEM root certificate that the ACME directory's own HTTPS certificate must chain to, instead of the "
                + "system roots. Only for test CAs such as pebble; never needed for Let's Encrypt.",
            Example = "/etc/letterbox/pebble-minica.pem",
        };
    }

    /// <summary>[smtp]</summary>
    public static class Smtp
    {
        /// <summary>smtp.max_message_size</summary>
        public static readonly ConfigKey<long> MaxMessageSize = new("smtp.max_message_size", ConfigType.Size)
        {
            Default = "25M",
            // RFC 5321 §4.5.3.1.7: a server must accept at least 64K octets of message content.
            Min = 64 * 1024,
            Max = 1024L * 1024 * 1024,
            Doc = "Largest message accepted, announced in the SIZE extension (RFC 1870).",
            Example = "50M",
        };

        /// <summary>smtp.max_recipients</summary>
        public static readonly ConfigKey<int> MaxRecipients = new("smtp.max_recipients", ConfigType.Int)
        {
            Default = "100",
            // RFC 5321 §4.5.3.1.8: a server must accept at least 100 recipients per message.
            Min = 100,
            Max = 10000,
            Doc = "Most recipients accepted for one message (at least 100, RFC 5321 §4.5.3.1.8).",
            Example = "500",
        };

        /// <summary>smtp.trusted_networks</summary>
        public static readonly ConfigKey<IReadOnlyList<IPNetwork>> TrustedNetworks = new("smtp.trusted_networks", ConfigType.CidrList)
        {
            Default = "",
            Doc = "Client networks allowed to relay without logging in. Leave empty unless a device on a "
                + "private network cannot authenticate.",
            Example = "192.0.2.0/24, 2001:db8:1::/48",
        };

        /// <summary>smtp.command_timeout</summary>
        public static readonly ConfigKey<TimeSpan> CommandTimeout = new("smtp.command_timeout", ConfigType.Duration)
        {
            Default = "5m",
            Doc = "How long the server waits for the next SMTP command before closing the connection "
                + "(RFC 5321 §4.5.3.2.7 asks for at least 5m).",
            Example = "10m",
            // RFC 5321 §4.5.3.2.7: the server timeout SHOULD be at least 5 minutes; the default follows
            // it, and shorter values are allowed for hosts under attack and for tests.
            Check = t => t >= TimeSpan.FromSeconds(10) && t <= TimeSpan.FromHours(1) ? null : "must be between 10s and 1h",
        };

        /// <summary>smtp.data_timeout</summary>
        public static readonly ConfigKey<TimeSpan> DataTimeout = new("smtp.data_timeout", ConfigType.Duration)
        {
            Default = "10m",
            Doc = "Longest time a client may take to send one message's content after DATA or between BDAT "
                + "chunks, however slowly it trickles bytes: the slow-client defence (RFC 5321 §4.5.3.2.6 asks "
                + "for at least 10m).",
            Example = "15m",
            Check = t => t >= TimeSpan.FromSeconds(10) && t <= TimeSpan.FromHours(1) ? null : "must be between 10s and 1h",
        };

        /// <summary>smtp.greet_pause</summary>
        public static readonly ConfigKey<TimeSpan> GreetPause = new("smtp.greet_pause", ConfigType.Duration)
        {
            Default = "0s",
            Doc = "Wait this long before the 220 greeting; a client that talks first is refused with 554 "
                + "(an early talker: real clients wait for the greeting, RFC 5321 §3.1). Off by default, like "
                + "Postfix's smtpd; a few seconds on the MX stops many spam engines.",
            Example = "3s",
            Check = t => t >= TimeSpan.Zero && t <= TimeSpan.FromSeconds(30) ? null : "must be between 0s and 30s",
        };

        /// <summary>smtp.max_connections</summary>
        public static readonly ConfigKey<int> MaxConnections = new("smtp.max_connections", ConfigType.Int)
        {
            Default = "200",
            Min = 1,
            Max = 100000,
            Doc = "Most SMTP sessions at once, over all clients; more get 421 4.7.0 and are closed.",
            Example = "500",
        };

        /// <summary>smtp.max_connections_per_ip</summary>
        public static readonly ConfigKey<int> MaxConnectionsPerIp = new("smtp.max_connections_per_ip", ConfigType.Int)
        {
            Default = "20",
            Min = 1,
            Max = 100000,
            Doc = "Most SMTP sessions at once from one client address (IPv6 clients are counted per /64).",
            Example = "50",
        };

        /// <summary>smtp.max_commands</summary>
        public static readonly ConfigKey<int> MaxCommands = new("smtp.max_commands", ConfigType.Int)
        {
            Default = "10000",
            Min = 100,
            Max = 1000000,
            Doc = "Most commands in one session; then 421 4.7.0 and the connection is closed.",
            Example = "20000",
        };

        /// <summary>smtp.max_errors</summary>
        public static readonly ConfigKey<int> MaxErrors = new("smtp.max_errors", ConfigType.Int)
        {
            Default = "20",
            Min = 1,
            Max = 1000,
            Doc = "Error replies (4xx/5xx) one session may cause before it is closed with 421 4.7.0, as "
                + "Postfix's smtpd_hard_error_limit.",
            Example = "10",
        };

        /// <summary>smtp.max_line_length</summary>
        public static readonly ConfigKey<int> MaxLineLength = new("smtp.max_line_length", ConfigType.Int)
        {
            Default = "4096",
            // RFC 5321 §4.5.3.1.4: a command line is at most 512 octets; extensions make them longer.
            Min = 512,
            Max = 65536,
            Doc = "Longest command line accepted, CRLF included (RFC 5321 §4.5.3.1.4 sets 512; ESMTP "
                + "parameters need more). Longer lines get 500 5.5.2 and are discarded unread.",
            Example = "2048",
        };

        /// <summary>smtp.max_header_size</summary>
        public static readonly ConfigKey<long> MaxHeaderSize = new("smtp.max_header_size", ConfigType.Size)
        {
            Default = "256K",
            Min = 1024,
            Max = 64L * 1024 * 1024,
            Doc = "Largest header block of a message; a message with a larger one gets 552 5.3.4.",
            Example = "1M",
        };

        /// <summary>smtp.max_messages_per_hour</summary>
        public static readonly ConfigKey<int> MaxMessagesPerHour = new("smtp.max_messages_per_hour", ConfigType.Int)
        {
            Default = "200",
            Min = 1,
            Max = 1_000_000,
            Doc = "Most messages one logged-in user may submit (ports 587 and 465) in any hour; more get "
                + "451 4.7.1 until the hour has moved on. A stolen password then sends little spam before "
                + "someone notices, and the host's reputation with the big providers survives it.",
            Example = "1000",
        };
    }

    /// <summary>[imap]</summary>
    public static class Imap
    {
        /// <summary>imap.max_connections</summary>
        public static readonly ConfigKey<int> MaxConnections = new("imap.max_connections", ConfigType.Int)
        {
            Default = "1000",
            Min = 1,
            Max = 100000,
            Doc = "Most IMAP sessions at once, over all clients; more get \"* BYE [UNAVAILABLE]\" and are closed.",
            Example = "5000",
        };

        /// <summary>imap.max_connections_per_ip</summary>
        public static readonly ConfigKey<int> MaxConnectionsPerIp = new("imap.max_connections_per_ip", ConfigType.Int)
        {
            Default = "100",
            Min = 1,
            Max = 100000,
            Doc = "Most IMAP sessions at once from one client address (IPv6 clients are counted per /64), "
                + "logged in or not. Generous, since a household or office behind one NAT shares an address.",
            Example = "200",
        };

        /// <summary>imap.max_connections_per_user_ip</summary>
        public static readonly ConfigKey<int> MaxConnectionsPerUserIp = new("imap.max_connections_per_user_ip", ConfigType.Int)
        {
            Default = "10",
            Min = 1,
            Max = 10000,
            Doc = "Most IMAP sessions one user may have logged in at once from one client address (Dovecot's "
                + "mail_max_userip_connections); one more login gets NO [LIMIT]. Each client keeps a few "
                + "(one per watched folder), so allow for several devices behind one NAT.",
            Example = "20",
        };
    }

    /// <summary>[pop3]</summary>
    public static class Pop3
    {
        /// <summary>pop3.max_connections</summary>
        public static readonly ConfigKey<int> MaxConnections = new("pop3.max_connections", ConfigType.Int)
        {
            Default = "1000",
            Min = 1,
            Max = 100000,
            Doc = "Most POP3 sessions at once, over all clients; more get \"-ERR [SYS/TEMP]\" and are closed.",
            Example = "5000",
        };

        /// <summary>pop3.max_connections_per_ip</summary>
        public static readonly ConfigKey<int> MaxConnectionsPerIp = new("pop3.max_connections_per_ip", ConfigType.Int)
        {
            Default = "100",
            Min = 1,
            Max = 100000,
            Doc = "Most POP3 sessions at once from one client address (IPv6 clients are counted per /64).",
            Example = "200",
        };

        /// <summary>pop3.max_connections_per_user_ip</summary>
        public static readonly ConfigKey<int> MaxConnectionsPerUserIp = new("pop3.max_connections_per_user_ip", ConfigType.Int)
        {
            Default = "10",
            Min = 1,
            Max = 10000,
            Doc = "Most POP3 sessions one user may have logged in at once from one client address; one more "
                + "login gets -ERR [IN-USE].",
            Example = "3",
        };
    }

    /// <summary>[relay]</summary>
    public static class Relay
    {
        /// <summary>relay.host</summary>
        public static readonly ConfigKey<HostEndpoint> Host = new("relay.host", ConfigType.Endpoint)
        {
            Doc = "Smarthost that all outgoing mail is sent through, as host:port. When not set, mail is "
                + "delivered directly to each recipient domain's MX.",
            Example = "smtp.relay.example.net:587",
        };

        /// <summary>relay.username</summary>
        public static readonly ConfigKey<string> Username = new("relay.username", ConfigType.String)
        {
            Doc = "User name for logging in to the smarthost. Needs relay.password_file.",
            Example = "letterbox@example.com",
        };

        /// <summary>relay.password_file</summary>
        public static readonly ConfigKey<string> PasswordFile = new("relay.password_file", ConfigType.FilePath)
        {
            Secret = true,
            Doc = "File holding the smarthost password. Needs relay.username.",
            Example = "/etc/letterbox/secrets/relay-password",
        };
    }

    /// <summary>[queue]</summary>
    public static class Queue
    {
        /// <summary>queue.lifetime</summary>
        public static readonly ConfigKey<TimeSpan> Lifetime = new("queue.lifetime", ConfigType.Duration)
        {
            Default = "5d",
            Doc = "How long an outgoing message is retried before it is returned to the sender as undeliverable "
                + "(RFC 5321 §4.5.4.1 asks for at least 4-5 days).",
            Example = "3d",
            // Seconds are allowed so that tests can watch a message expire; production wants days.
            Check = t => t >= TimeSpan.FromSeconds(1) && t <= TimeSpan.FromDays(30) ? null : "must be between 1s and 30d",
        };

        /// <summary>queue.first_retry</summary>
        public static readonly ConfigKey<TimeSpan> FirstRetry = new("queue.first_retry", ConfigType.Duration)
        {
            Default = "2m",
            Doc = "Delay before the first retry after a temporary failure; each later delay doubles, up to 4 hours, "
                + "with 20% jitter.",
            Example = "5m",
            Check = t => t >= TimeSpan.FromSeconds(1) && t <= TimeSpan.FromHours(4) ? null : "must be between 1s and 4h",
        };

        /// <summary>queue.concurrency</summary>
        public static readonly ConfigKey<int> Concurrency = new("queue.concurrency", ConfigType.Int)
        {
            Default = "100",
            Min = 1,
            Max = 200,
            Doc = "Messages delivered at once by the queue daemon, over all destinations (Postfix runs up to 100 smtp processes).",
            Example = "20",
        };

        /// <summary>queue.destination_concurrency</summary>
        public static readonly ConfigKey<int> DestinationConcurrency = new("queue.destination_concurrency", ConfigType.Int)
        {
            Default = "20",
            Min = 1,
            Max = 200,
            Doc = "Messages delivered at once to one recipient domain (or the relay host), each over its own connection; "
                + "a connection then carries the next message for that domain (Postfix: default_destination_concurrency_limit 20).",
            Example = "5",
        };

        /// <summary>queue.mx_port</summary>
        public static readonly ConfigKey<int> MxPort = new("queue.mx_port", ConfigType.Int)
        {
            Default = "25",
            Min = 1,
            Max = 65535,
            Doc = "Port of the recipient domains' MX hosts. For tests only: every MX on the Internet listens on 25.",
            Example = "2525",
        };
    }

    /// <summary>[dns]</summary>
    public static class Dns
    {
        /// <summary>dns.enabled</summary>
        public static readonly ConfigKey<bool> Enabled = new("dns.enabled", ConfigType.Bool)
        {
            Default = "true",
            Doc = "Serve the mail domains' DNS zones (MX, SPF, DKIM, DMARC, MTA-STS) from this host. When false, "
                + "publish the records at your DNS provider instead; the dns daemon then does not run even if "
                + "daemons.enabled lists it.",
            Example = "false",
        };

        /// <summary>dns.secondaries</summary>
        public static readonly ConfigKey<IReadOnlyList<IPAddress>> Secondaries = new("dns.secondaries", ConfigType.AddressList)
        {
            Default = "",
            Doc = "Secondary name servers allowed to transfer the zones and sent NOTIFY on change.",
            Example = "198.51.100.53, 2001:db8:53::1",
        };

        /// <summary>dns.resolvers</summary>
        public static readonly ConfigKey<IReadOnlyList<HostEndpoint>> Resolvers = new("dns.resolvers", ConfigType.EndpointList)
        {
            Default = "",
            DefaultPort = 53,
            Doc = "Recursive resolvers for outgoing lookups (MX, SPF, DNSBL), as host[:port] (port 53 when "
                + "omitted). Empty means the system resolver.",
            Example = "127.0.0.53:53, [2001:db8::53]:53",
        };

        /// <summary>dns.nameservers</summary>
        public static readonly ConfigKey<IReadOnlyList<string>> Nameservers = new("dns.nameservers", ConfigType.DomainList)
        {
            Default = "",
            Doc = "Names of the secondary name servers, published as NS records of every zone after this host. "
                + "List the same servers' addresses in dns.secondaries so they may transfer the zones.",
            Example = "ns2.example.net, ns.secondary.example",
        };

        /// <summary>dns.notify</summary>
        public static readonly ConfigKey<IReadOnlyList<HostEndpoint>> Notify = new("dns.notify", ConfigType.EndpointList)
        {
            Default = "",
            DefaultPort = 53,
            Doc = "Where a NOTIFY (RFC 1996) goes when a zone changes, as address[:port] (port 53 when omitted), so "
                + "secondaries transfer the new zone at once instead of at their next refresh. Empty means every "
                + "address in dns.secondaries on port 53.",
            Example = "198.51.100.53, [2001:db8:53::1]:5353",
        };

        /// <summary>dns.tsig</summary>
        public static readonly ConfigKey<string> TsigKey = new("dns.tsig", ConfigType.String)
        {
            // The name only ("dns.tsig", not "tsig_key": a key-named entry would read as an inline secret).
            Doc = "Name of a TSIG key (RFC 8945, hmac-sha256 or hmac-sha512) the secondaries share with this host. "
                + "When set, a zone transfer is served only if it is signed with this key (and comes from an address "
                + "in dns.secondaries), answers are signed, and NOTIFYs are signed with it. The secret is in "
                + "<data>/dns/tsig/NAME.key (mode 0600), never in the config: `letterbox dns tsig-key NAME` creates it.",
            Example = "letterbox-xfr",
            Check = k => k.Length > 0 && k.Length <= 200 && !k.StartsWith('.') && !k.Contains("..", StringComparison.Ordinal)
                && k.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') ? null : $"\"{k}\" is not a key name (letters, digits, '-', '_' and dots)",
        };

        /// <summary>dns.dnssec</summary>
        public static readonly ConfigKey<bool> Dnssec = new("dns.dnssec", ConfigType.Bool)
        {
            Default = "true",
            Doc = "Sign the zones with DNSSEC (ECDSA P-256, algorithm 13; NSEC for denial). One key per zone, made at "
                + "first need in <data>/dns/keys/ZONE.key (mode 0600). Signing alone changes nothing for resolvers; "
                + "the zone is validated once its DS record is at the registrar: `letterbox dns ds DOMAIN` prints it. "
                + "Remove the DS at the registrar (and wait for its TTL) before turning this off.",
            Example = "false",
        };

        /// <summary>dns.rate_limit</summary>
        public static readonly ConfigKey<int> RateLimit = new("dns.rate_limit", ConfigType.Int)
        {
            Default = "200",
            Min = 0,
            Max = 1000000,
            Doc = "Response rate limiting: UDP answers per second to one client network (IPv4 /24, IPv6 /56). Above "
                + "it answers are dropped, every second one sent truncated so a real client retries over TCP; this "
                + "keeps the server from being used to flood a forged source address. 127.0.0.1 and ::1 are exempt. "
                + "0 turns it off.",
            Example = "50",
        };
    }

    /// <summary>[backup]</summary>
    public static class Backup
    {
        /// <summary>backup.enabled</summary>
        public static readonly ConfigKey<bool> Enabled = new("backup.enabled", ConfigType.Bool)
        {
            Default = "false",
            Doc = "Take encrypted backups of mail and state. Needs backup.target and backup.key_file.",
            Example = "true",
        };

        /// <summary>backup.target</summary>
        public static readonly ConfigKey<string> Target = new("backup.target", ConfigType.String)
        {
            Doc = "Where backups go: an absolute directory or an s3://bucket/prefix URL.",
            Example = "s3://example-backups/letterbox",
            Check = t => t.StartsWith('/') || t.StartsWith("s3://", StringComparison.Ordinal)
                ? null
                : $"\"{t}\" is neither an absolute directory nor an s3:// URL",
        };

        /// <summary>backup.schedule</summary>
        public static readonly ConfigKey<string> Schedule = new("backup.schedule", ConfigType.Enum)
        {
            Default = "daily",
            Allowed = ["hourly", "daily", "weekly"],
            Doc = "How often a backup is taken.",
            Example = "hourly",
        };

        /// <summary>backup.keep</summary>
        public static readonly ConfigKey<int> Keep = new("backup.keep", ConfigType.Int)
        {
            Default = "7",
            Min = 1,
            Max = 1000,
            Doc = "How many backups are kept; older ones are deleted.",
            Example = "30",
        };

        /// <summary>backup.key_file</summary>
        public static readonly ConfigKey<string> KeyFile = new("backup.key_file", ConfigType.FilePath)
        {
            Secret = true,
            Doc = "File holding the key that encrypts backups. Keep a copy off this host: without it the "
                + "backups cannot be restored.",
            Example = "/etc/letterbox/secrets/backup-key",
        };
    }

    /// <summary>[daemons]</summary>
    public static class Daemons
    {
        /// <summary>daemons.enabled</summary>
        public static readonly ConfigKey<IReadOnlyList<string>> Enabled = new("daemons.enabled", ConfigType.StringList)
        {
            Default = "smtp, imap, pop3, dns, http, acme, queue",
            Allowed = ["smtp", "imap", "pop3", "dns", "http", "acme", "queue"],
            Doc = "Daemons to run. smtp covers ports 25, 465 and 587; imap 143 and 993; pop3 110 and 995; "
                + "dns 53; http 80 (ACME challenges, MTA-STS, /healthz and /metrics); acme (no port) obtains and renews "
                + "the certificate, and runs only when tls.mode = acme; queue (no port) delivers outgoing mail.",
            Example = "smtp, imap, http",
        };
    }

    /// <summary>[monitoring]</summary>
    public static class Monitoring
    {
        /// <summary>monitoring.allow</summary>
        public static readonly ConfigKey<IReadOnlyList<IPNetwork>> Allow = new("monitoring.allow", ConfigType.CidrList)
        {
            Default = "127.0.0.0/8, ::1/128",
            Doc = "Client networks allowed to read /healthz and /metrics.",
            Example = "127.0.0.0/8, ::1/128, 10.0.0.0/8",
        };
    }

    /// <summary>[store]</summary>
    public static class Store
    {
        /// <summary>store.default_quota</summary>
        public static readonly ConfigKey<long> DefaultQuota = new("store.default_quota", ConfigType.Size)
        {
            Default = "0",
            Min = 0,
            Max = long.MaxValue,
            Doc = "Mailbox quota given to new users, in bytes (0: unlimited). Mail over quota is refused at "
                + "RCPT with 452 4.2.2, or after DATA with 552 5.2.2 when this message is what would exceed it.",
            Example = "2G",
        };
    }

    /// <summary>[log]</summary>
    public static class Log
    {
        /// <summary>log.level</summary>
        public static readonly ConfigKey<string> Level = new("log.level", ConfigType.Enum)
        {
            Default = "info",
            Allowed = ["debug", "info", "warn", "error"],
            Doc = "Least severe log messages written.",
            Example = "debug",
        };
    }

    /// <summary>Every key, in documentation order.</summary>
    public static IReadOnlyList<ConfigKey> All { get; } =
    [
        Host.Hostname, Host.Domains, Host.User,
        Network.PublicIpv4, Network.PublicIpv6, Network.Listen, Network.PortOffset,
        Tls.Mode, Tls.CertFile, Tls.KeyFile, Tls.AcmeDirectory, Tls.AcmeEmail, Tls.AcmeEabHmacKeyFile,
        Tls.AcmeEabKid, Tls.AcmeChallenge, Tls.AcmeNames, Tls.AcmeCaFile,
        Smtp.MaxMessageSize, Smtp.MaxRecipients, Smtp.TrustedNetworks, Smtp.CommandTimeout, Smtp.DataTimeout, Smtp.GreetPause,
        Smtp.MaxConnections, Smtp.MaxConnectionsPerIp, Smtp.MaxCommands, Smtp.MaxErrors, Smtp.MaxLineLength, Smtp.MaxHeaderSize, Smtp.MaxMessagesPerHour,
        Imap.MaxConnections, Imap.MaxConnectionsPerIp, Imap.MaxConnectionsPerUserIp,
        Pop3.MaxConnections, Pop3.MaxConnectionsPerIp, Pop3.MaxConnectionsPerUserIp,
        Relay.Host, Relay.Username, Relay.PasswordFile,
        Queue.Lifetime, Queue.FirstRetry, Queue.Concurrency, Queue.DestinationConcurrency, Queue.MxPort,
        Dns.Enabled, Dns.Secondaries, Dns.Resolvers, Dns.Nameservers, Dns.Notify, Dns.RateLimit, Dns.Dnssec, Dns.TsigKey,
        Backup.Enabled, Backup.Target, Backup.Schedule, Backup.Keep, Backup.KeyFile,
        Daemons.Enabled,
        Monitoring.Allow,
        Store.DefaultQuota,
        Log.Level,
    ];

    private static readonly Dictionary<string, ConfigKey> ByName = All.ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>The key with this dotted name, or null.</summary>
    public static ConfigKey? Find(string name) => ByName.GetValueOrDefault(name);

    // useradd's portable name rule: what every daemon's setuid lookup will accept.
    private static string? CheckUserName(string name) =>
        name.Length is > 0 and <= 32
        && (name[0] is >= 'a' and <= 'z' or '_')
        && name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '-')
            ? null
            : $"\"{name}\" is not a valid user name (lower-case letters, digits, _ and -, at most 32)";

    private static string? CheckHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? null
            : $"\"{url}\" is not an http:// or https:// URL";
}
