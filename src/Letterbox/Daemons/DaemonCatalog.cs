using Letterbox.Daemons.Acme;
using Letterbox.Daemons.Dns;
using Letterbox.Daemons.Http;
using Letterbox.Daemons.Imap;
using Letterbox.Daemons.Pop3;
using Letterbox.Daemons.Queue;
using Letterbox.Daemons.Smtp;
using Letterbox.Net.Listeners;
using Letterbox.Supervisor;

namespace Letterbox.Daemons;

/// <summary>A listener a daemon needs, by its standard port (the config's port_offset is added).</summary>
public sealed record ListenerTemplate(string Name, int StandardPort, Transport Transport);

/// <summary>A daemon the supervisor can run: its sockets, its health probe, and the code that serves.</summary>
public sealed record DaemonDefinition(
    string Name,
    IReadOnlyList<ListenerTemplate> Listeners,
    HealthProbe Probe,
    Func<IDaemon> Create);

/// <summary>
/// Every daemon in the binary. A name in daemons.enabled that is not here yet is skipped with a
/// log line; each protocol issue adds its row (smtp, imap, pop3, dns).
/// </summary>
public static class DaemonCatalog
{
    public static readonly IReadOnlyList<DaemonDefinition> All =
    [
        new("smtp", [new("smtp", 25, Transport.Tcp), new("submission", 587, Transport.Tcp), new("submissions", 465, Transport.Tcp)], HealthProbes.SmtpBanner, () => new SmtpDaemon()),
        new("imap", [new("imap", 143, Transport.Tcp), new("imaps", 993, Transport.Tcp)], HealthProbes.ImapGreeting, () => new ImapDaemon()),
        new("pop3", [new("pop3", 110, Transport.Tcp), new("pop3s", 995, Transport.Tcp)], HealthProbes.Pop3Greeting, () => new Pop3Daemon()),
        new("http", [new("http", 80, Transport.Tcp)], HealthProbes.HttpLivez, () => new HttpDaemon()),
        new("dns", [new("dns", 53, Transport.Udp), new("dns", 53, Transport.Tcp)], HealthProbes.DnsAnswer, () => new DnsDaemon()),
        new("acme", [], HealthProbes.NoListener, () => new AcmeDaemon()),
        new("queue", [], HealthProbes.QueueHeartbeat, () => new QueueDaemon()),
    ];

    public static DaemonDefinition? Find(string name) => All.FirstOrDefault(d => d.Name == name);
}
