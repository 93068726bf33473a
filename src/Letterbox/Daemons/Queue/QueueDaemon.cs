using System.Net;
using Letterbox.Config;
using Letterbox.Delivery.Outbound;
using Letterbox.Delivery.Queue;
using Letterbox.Logging;
using Letterbox.Store;

namespace Letterbox.Daemons.Queue;

/// <summary>
/// The queue daemon (no socket): delivers what the SMTP daemon queued under <c>&lt;data&gt;/queue/</c>
/// to MX hosts (or the relay host) and to local mailboxes, retries, bounces. Woken at once by inotify
/// when an envelope appears. Each pass of its loop touches <c>&lt;data&gt;/queue/heartbeat</c> (a
/// directory the unprivileged daemon owns; run/ is root's, for the control socket),
/// which the supervisor's probe reads (<see cref="Supervisor.HealthProbes.QueueHeartbeat"/>).
/// </summary>
public sealed class QueueDaemon : IDaemon
{
    /// <summary>The heartbeat file, relative to the data directory.</summary>
    public static string HeartbeatPath(string dataDirectory) => Path.Combine(dataDirectory, "queue", "heartbeat");

    public async Task RunAsync(DaemonContext context, CancellationToken stopping)
    {
        var config = context.Config;
        var metrics = context.Metrics;
        metrics.DeclareGauge("letterbox_queue_messages", "Messages in the outbound queue.");
        metrics.DeclareGauge("letterbox_queue_deferred_messages", "Queued messages tried at least once and waiting for a retry.");
        metrics.DeclareGauge("letterbox_queue_oldest_age_seconds", "Age of the oldest message in the queue.");
        metrics.DeclareCounter("letterbox_queue_delivered_total", "Recipients delivered (remote MX, relay host or local mailbox).");
        metrics.DeclareCounter("letterbox_queue_deferred_total", "Delivery attempts that ended in a temporary failure, per recipient.");
        metrics.DeclareCounter("letterbox_queue_bounced_total", "Recipients that failed for good (5xx, null MX, expired, bounced by the administrator).");
        metrics.DeclareCounter("letterbox_queue_dsn_total", "Delivery status notifications queued to senders.");

        var accounts = AccountStore.Open(context.DataDirectory, new AccountStoreOptions { DefaultQuotaBytes = config.Store.DefaultQuota });
        var options = Options(config, accounts);
        var queue = new OutboundQueue(context.DataDirectory);
        var log = context.Log;
        string heartbeat = HeartbeatPath(context.DataDirectory);
        var lastBeat = DateTime.MinValue;
        var runner = new QueueRunner(queue, options, new LocalDelivery(new MailStore(accounts)), (level, message, fields) =>
            log.Write(level switch { "debug" => LogLevel.Debug, "warn" => LogLevel.Warn, "error" => LogLevel.Error, _ => LogLevel.Info }, message, fields))
        {
            // A busy runner passes its loop once or twice per message: the probe allows 10 s, so one
            // write a second is plenty and spares a file write per pass.
            OnPass = () =>
            {
                if (DateTime.UtcNow - lastBeat < TimeSpan.FromSeconds(1))
                    return;
                lastBeat = DateTime.UtcNow;
                Touch(heartbeat);
            },
        };
        log.Info("queue ready", ("entries", queue.Ids().Count), ("relay", options.Relay is null ? "none" : $"{options.Relay.Host}:{options.Relay.Port}"),
            ("mx_port", options.MxPort), ("resolvers", options.Resolvers.Count == 0 ? "system" : string.Join(' ', options.Resolvers)),
            ("lifetime_s", (int)options.Lifetime.TotalSeconds), ("concurrency", options.Concurrency),
            ("destination_concurrency", options.DestinationConcurrency));

        var publishing = PublishAsync(runner.Stats, metrics, stopping);
        await runner.RunAsync(stopping);
        await publishing;
    }

    /// <summary>Counters are cumulative in the runner; /metrics gets them every second (the daemon reports every 5).</summary>
    private static async Task PublishAsync(QueueStats stats, Monitoring.Metrics metrics, CancellationToken stopping)
    {
        double delivered = 0, deferred = 0, bounced = 0, dsns = 0;
        while (!stopping.IsCancellationRequested)
        {
            metrics.Set("letterbox_queue_messages", stats.Queued);
            metrics.Set("letterbox_queue_deferred_messages", stats.Waiting);
            metrics.Set("letterbox_queue_oldest_age_seconds", Math.Round(stats.OldestAge.TotalSeconds));
            metrics.Increment("letterbox_queue_delivered_total", stats.Delivered - delivered);
            metrics.Increment("letterbox_queue_deferred_total", stats.Deferred - deferred);
            metrics.Increment("letterbox_queue_bounced_total", stats.Bounced - bounced);
            metrics.Increment("letterbox_queue_dsn_total", stats.Dsns - dsns);
            (delivered, deferred, bounced, dsns) = (stats.Delivered, stats.Deferred, stats.Bounced, stats.Dsns);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>What the config says about delivery, in the library's terms.</summary>
    public static DeliveryOptions Options(LetterboxConfig config, AccountStore accounts)
    {
        RelayHost? relay = null;
        if (config.Relay is { } r)
        {
            string? password = r.PasswordFile is null ? null : File.ReadAllText(r.PasswordFile).TrimEnd('\r', '\n');
            relay = new RelayHost(r.Host.Host, r.Host.Port, r.Username, password);
        }
        var resolvers = new List<IPEndPoint>();
        foreach (var endpoint in config.Dns.Resolvers)
        {
            var addresses = endpoint.Address is { } a ? [a] : System.Net.Dns.GetHostAddresses(endpoint.Host);
            resolvers.AddRange(addresses.Select(address => new IPEndPoint(address, endpoint.Port)));
        }
        return new DeliveryOptions
        {
            Hostname = config.Hostname,
            Resolvers = resolvers,
            MxPort = config.Queue.MxPort,
            Relay = relay,
            Lifetime = config.Queue.Lifetime,
            FirstRetry = config.Queue.FirstRetry,
            Concurrency = config.Queue.Concurrency,
            DestinationConcurrency = config.Queue.DestinationConcurrency,
            IsLocalDomain = domain => config.Domains.Contains(domain, StringComparer.OrdinalIgnoreCase) || accounts.IsLocalDomain(domain),
        };
    }

    private static void Touch(string path)
    {
        try
        {
            File.WriteAllBytes(path, []);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The probe reports the stale heartbeat; nothing else depends on it.
        }
    }
}
