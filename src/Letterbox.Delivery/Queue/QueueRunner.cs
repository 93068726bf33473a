using Letterbox.Delivery.Dsn;
using Letterbox.Delivery.Outbound;

namespace Letterbox.Delivery.Queue;

/// <summary>A log line from the runner: level ("debug", "info", "warn", "error"), message, fields.</summary>
public delegate void DeliveryLog(string level, string message, params (string Key, object? Value)[] fields);

/// <summary>Counters since start and the queue's shape at the last scan, for /metrics.</summary>
public sealed class QueueStats
{
    private long delivered, deferred, bounced, dsns;

    /// <summary>Recipients delivered (remote or local).</summary>
    public long Delivered => Interlocked.Read(ref delivered);
    /// <summary>Recipient attempts that ended in a temporary failure.</summary>
    public long Deferred => Interlocked.Read(ref deferred);
    /// <summary>Recipients that failed for good (5xx, null MX, expiry, administrator).</summary>
    public long Bounced => Interlocked.Read(ref bounced);
    /// <summary>DSNs queued to senders.</summary>
    public long Dsns => Interlocked.Read(ref dsns);

    /// <summary>Entries in the queue at the last scan.</summary>
    public int Queued { get; internal set; }
    /// <summary>Entries that were tried and are waiting for a retry.</summary>
    public int Waiting { get; internal set; }
    /// <summary>Age of the oldest entry at the last scan.</summary>
    public TimeSpan OldestAge { get; internal set; }

    internal void Count(Outcome outcome)
    {
        switch (outcome)
        {
            case Outcome.Delivered: Interlocked.Increment(ref delivered); break;
            case Outcome.Deferred: Interlocked.Increment(ref deferred); break;
            default: Interlocked.Increment(ref bounced); break;
        }
    }

    internal void CountDsn() => Interlocked.Increment(ref dsns);
}

/// <summary>
/// Delivers what is in the queue: each entry when it is due, at most
/// <see cref="DeliveryOptions.Concurrency"/> at a time and <see cref="DeliveryOptions.DestinationConcurrency"/>
/// per destination domain, recipients grouped by destination, every outcome written to the envelope
/// before the next destination is tried (so a crash repeats at most the transaction in flight),
/// retries on the <see cref="RetrySchedule"/> until the lifetime ends, then a DSN to the sender
/// (never for a bounce) and the entry removed. New entries are seen at once through inotify on
/// <c>env/</c>; a listing of <c>env/</c> every second and a full rescan every ten (at once when
/// inotify reports an overflow) catch any it missed.
/// </summary>
public sealed class QueueRunner
{
    private static readonly TimeSpan RescanInterval = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often the names in <c>env/</c> are listed to find entries that inotify did not report (in a
    /// burst from 50 sessions, 76 of 500 entries waited for the ten-second rescan, with no overflow
    /// reported): a listing is cheap, reading every envelope is not.
    /// </summary>
    private static readonly TimeSpan ListInterval = TimeSpan.FromSeconds(1);

    private readonly OutboundQueue queue;
    private readonly DeliveryOptions options;
    private readonly LocalDelivery? local;
    private readonly DeliveryLog log;
    private readonly MxResolver resolver;
    private readonly SmtpTransfer transfer;
    private readonly SemaphoreSlim wake = new(0);
    private readonly object gate = new();
    /// <summary>Every entry: when it is due and the destination its first pending recipient goes to.</summary>
    private readonly Dictionary<string, (DateTimeOffset Next, string Destination)> due = new(StringComparer.Ordinal);
    private readonly HashSet<string> unread = new(StringComparer.Ordinal);
    /// <summary>Entries being delivered, with their destination.</summary>
    private readonly Dictionary<string, string> running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> runningPerDestination = new(StringComparer.OrdinalIgnoreCase);
    private volatile bool rescan;

    public QueueRunner(OutboundQueue queue, DeliveryOptions options, LocalDelivery? local, DeliveryLog log, SmtpTransfer? transfer = null)
    {
        this.queue = queue;
        this.options = options;
        this.local = local;
        this.log = log;
        resolver = new MxResolver(options.Resolvers);
        this.transfer = transfer ?? new SmtpTransfer(options);
    }

    /// <summary>Counters and gauges.</summary>
    public QueueStats Stats { get; } = new();

    /// <summary>Called on each pass of the loop, at least once a second: a wedged runner stops calling it (the daemon touches its heartbeat file).</summary>
    public Action? OnPass { get; init; }

    /// <summary>Tells the runner that an entry was added or changed (from the directory watcher).</summary>
    public void Notify(string id)
    {
        lock (gate)
            unread.Add(id);
        wake.Release();
    }

    /// <summary>Runs until <paramref name="stopping"/>; in-flight deliveries finish (or are cancelled) before it returns.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        queue.CleanUp(TimeSpan.FromHours(1));
        // A busy submission port renames many envelopes in a burst: a larger buffer than the 8 KB
        // default, and an overflow (events lost) turns into a rescan at once, not a wait for the next.
        using var watcher = new FileSystemWatcher(queue.EnvelopeDirectory, "*.json") { NotifyFilter = NotifyFilters.FileName, InternalBufferSize = 64 * 1024 };
        watcher.Created += (_, e) => Notify(Path.GetFileNameWithoutExtension(e.Name ?? ""));
        watcher.Renamed += (_, e) => Notify(Path.GetFileNameWithoutExtension(e.Name ?? ""));
        watcher.Error += (_, e) =>
        {
            log("warn", "queue directory watch failed; rescanning", ("error", e.GetException().Message));
            rescan = true;
            wake.Release();
        };
        watcher.EnableRaisingEvents = true;
        using var flushWatcher = new FileSystemWatcher(queue.Root, "flush") { NotifyFilter = NotifyFilters.FileName };
        flushWatcher.Created += (_, _) => wake.Release();
        flushWatcher.EnableRaisingEvents = true;

        var tasks = new List<Task>();
        var lastScan = DateTime.MinValue;
        var lastList = DateTime.UtcNow;
        var forced = new HashSet<string>(StringComparer.Ordinal);
        while (!stopping.IsCancellationRequested)
        {
            OnPass?.Invoke();
            await transfer.CloseIdleAsync(all: false);
            if (rescan || DateTime.UtcNow - lastScan > RescanInterval)
            {
                rescan = false;
                Scan();
                lastScan = lastList = DateTime.UtcNow;
            }
            else if (DateTime.UtcNow - lastList > ListInterval)
            {
                FindUnseen();
                lastList = DateTime.UtcNow;
            }
            if (File.Exists(queue.FlushRequestPath))
            {
                File.Delete(queue.FlushRequestPath);
                lock (gate)
                    forced.UnionWith(due.Keys);
                log("info", "queue flush requested", ("entries", forced.Count));
            }
            ReadUnread();
            tasks.RemoveAll(t => t.IsCompleted);
            var now = DateTimeOffset.UtcNow;
            var start = new List<string>();
            lock (gate)
            {
                if (running.Count < options.Concurrency)
                {
                    foreach (var (id, (_, destination)) in due.Where(d => !running.ContainsKey(d.Key) && (d.Value.Next <= now || forced.Contains(d.Key)))
                        .OrderBy(d => d.Value.Next))
                    {
                        if (running.Count >= options.Concurrency)
                            break;
                        int busy = runningPerDestination.GetValueOrDefault(destination);
                        if (busy >= options.DestinationConcurrency)
                            continue;
                        runningPerDestination[destination] = busy + 1;
                        running[id] = destination;
                        start.Add(id);
                    }
                }
            }
            foreach (var id in start)
            {
                bool force = forced.Remove(id);
                tasks.Add(Task.Run(() => RunOneAsync(id, force, stopping), CancellationToken.None));
            }
            TimeSpan wait;
            lock (gate)
            {
                // Entries held back by a concurrency limit wait for a delivery to end, which wakes the loop.
                var next = running.Count >= options.Concurrency ? DateTimeOffset.MaxValue : due
                    .Where(d => !running.ContainsKey(d.Key) && runningPerDestination.GetValueOrDefault(d.Value.Destination) < options.DestinationConcurrency)
                    .Select(d => d.Value.Next).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
                wait = next == DateTimeOffset.MaxValue ? TimeSpan.FromSeconds(1) : next - DateTimeOffset.UtcNow;
            }
            wait = TimeSpan.FromMilliseconds(Math.Clamp(wait.TotalMilliseconds, 10, 1000));
            try
            {
                await wake.WaitAsync(wait, stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await Task.WhenAll(tasks);
        await transfer.CloseIdleAsync(all: true);
    }

    private async Task RunOneAsync(string id, bool force, CancellationToken ct)
    {
        try
        {
            await ProcessAsync(id, force, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log("error", "delivery attempt failed", ("id", id), ("error", e.Message));
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            lock (gate)
            {
                if (running.Remove(id, out var destination) && --runningPerDestination[destination] == 0)
                    runningPerDestination.Remove(destination);
                unread.Add(id);
            }
            wake.Release();
        }
    }

    /// <summary>Reads every envelope: the schedule and the gauges.</summary>
    private void Scan()
    {
        var all = queue.List();
        var now = DateTimeOffset.UtcNow;
        lock (gate)
        {
            due.Clear();
            foreach (var e in all)
                due[e.Id] = (e.NextAttempt, DestinationOf(e));
        }
        Stats.Queued = all.Count;
        Stats.Waiting = all.Count(e => e.Attempts > 0);
        Stats.OldestAge = all.Count == 0 ? TimeSpan.Zero : now - all.Min(e => e.Created);
    }

    /// <summary>Entries in <c>env/</c> that the runner does not know of yet are read on this pass.</summary>
    private void FindUnseen()
    {
        var ids = queue.Ids();
        lock (gate)
        {
            foreach (var id in ids)
            {
                if (!due.ContainsKey(id) && !running.ContainsKey(id))
                    unread.Add(id);
            }
        }
    }

    private void ReadUnread()
    {
        List<string> ids;
        lock (gate)
        {
            ids = unread.Where(id => !running.ContainsKey(id)).ToList();
            unread.ExceptWith(ids);
        }
        foreach (var id in ids)
        {
            if (!OutboundQueue.IsValidId(id))
                continue;
            var envelope = queue.Read(id);
            lock (gate)
            {
                if (envelope is null)
                    due.Remove(id);
                else
                    due[id] = (envelope.NextAttempt, DestinationOf(envelope));
            }
        }
    }

    /// <summary>
    /// One delivery attempt for one entry (when due, or at once with <paramref name="force"/>). Returns false
    /// when the entry is gone or locked by another process (the CLI).
    /// </summary>
    public async Task<bool> ProcessAsync(string id, bool force, CancellationToken ct)
    {
        using var held = queue.TryLock(id);
        if (held is null)
            return false;
        var envelope = queue.Read(id);
        if (envelope is null)
            return false;
        var now = DateTimeOffset.UtcNow;
        if (!force && envelope.NextAttempt > now && envelope.Pending.Any())
            return true;

        if (envelope.Pending.Any() && now - envelope.Created > options.Lifetime)
        {
            // RFC 5321 §4.5.4.1: give up after the lifetime, and say so to the sender.
            foreach (var r in envelope.Pending.ToList())
            {
                r.State = RecipientState.Failed;
                r.Status = "5.4.7";
                r.LastError = $"delivery time expired after {options.Lifetime.TotalHours:0.#} hours; last error: {r.LastError ?? "none"}";
                r.Finished = now;
                Stats.Count(Outcome.Failed);
                log("info", "bounced", ("id", id), ("rcpt", r.Address), ("status", r.Status), ("reason", "expired"));
            }
            queue.Save(envelope);
        }
        else if (envelope.Pending.Any())
        {
            await AttemptAsync(envelope, ct);
        }

        if (envelope.Pending.Any())
        {
            envelope.NextAttempt = DateTimeOffset.UtcNow + RetrySchedule.Delay(options.FirstRetry, envelope.Attempts);
            queue.Save(envelope);
            return true;
        }
        await FinishAsync(envelope, ct);
        return true;
    }

    private async Task AttemptAsync(Envelope envelope, CancellationToken ct)
    {
        envelope.Attempts++;
        string messagePath = queue.MessagePath(envelope.Id);
        var groups = envelope.Pending
            .GroupBy(r => Route(r.Address), StringComparer.OrdinalIgnoreCase)
            .ToList();
        foreach (var group in groups)
        {
            ct.ThrowIfCancellationRequested();
            var recipients = group.Select(r => r.Address).ToList();
            IReadOnlyList<RecipientResult> results;
            if (group.Key == LocalRoute)
            {
                var (localResults, forwards) = local!.Deliver(envelope.From, recipients, messagePath);
                results = localResults;
                foreach (var f in forwards.Where(f => !envelope.Recipients.Any(r => string.Equals(r.Address, f, StringComparison.OrdinalIgnoreCase))))
                    envelope.Recipients.Add(new QueuedRecipient { Address = f });
            }
            else
            {
                results = await RemoteAsync(envelope, group.Key, recipients, messagePath, ct);
            }
            Apply(envelope, results);
            // Durable before the next destination: a crash repeats at most the transaction in flight.
            // Not when every recipient is now delivered: the entry is removed next, and a crash in
            // between re-sends, as it would had the remote's 250 been lost (RFC 5321 §6.1).
            if (envelope.Recipients.Any(r => r.State != RecipientState.Delivered))
                queue.Save(envelope);
        }
    }

    /// <summary>The destination an entry counts against for <see cref="DeliveryOptions.DestinationConcurrency"/>: its first pending recipient's.</summary>
    private string DestinationOf(Envelope envelope) =>
        envelope.Pending.Select(r => Route(r.Address)).FirstOrDefault() ?? "";

    private const string LocalRoute = "\0local";
    private const string RelayRoute = "\0relay";

    private string Route(string address)
    {
        string domain = DomainOf(address);
        if (local is not null && options.IsLocalDomain(domain))
            return LocalRoute;
        return options.Relay is not null ? RelayRoute : domain;
    }

    private async Task<IReadOnlyList<RecipientResult>> RemoteAsync(Envelope envelope, string route, List<string> recipients, string messagePath, CancellationToken ct)
    {
        IReadOnlyList<MxHost> hosts;
        int port;
        bool relay = route == RelayRoute;
        if (relay)
        {
            var r = options.Relay!;
            var addresses = System.Net.IPAddress.TryParse(r.Host, out var literal)
                ? [literal]
                : (await System.Net.Dns.GetHostAddressesAsync(r.Host, ct)).ToList();
            hosts = [new MxHost(r.Host, 0, addresses)];
            port = r.Port;
        }
        else
        {
            var mx = await resolver.ResolveAsync(route, ct);
            if (mx.Error is not null)
            {
                var outcome = mx.Permanent ? Outcome.Failed : Outcome.Deferred;
                return recipients.Select(a => new RecipientResult(a, outcome, mx.Status, mx.Error)).ToList();
            }
            hosts = mx.Hosts;
            port = options.MxPort;
        }
        var (results, transferLog) = await transfer.SendAsync(hosts, port, relay, envelope.From, recipients, messagePath, ct);
        log("info", "transfer", ("id", envelope.Id), ("domain", relay ? "relay" : route), ("host", transferLog?.Host),
            ("addr", transferLog?.Address), ("port", port), ("tls", transferLog?.Tls ?? "none"), ("cipher", transferLog?.Cipher),
            ("reused", transferLog?.Reused ?? false));
        return results;
    }

    private void Apply(Envelope envelope, IReadOnlyList<RecipientResult> results)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var result in results)
        {
            var r = envelope.Recipients.First(x => x.State == RecipientState.Pending && string.Equals(x.Address, result.Address, StringComparison.OrdinalIgnoreCase));
            r.Attempts++;
            r.Status = result.Status;
            r.LastError = result.Outcome == Outcome.Delivered ? null : result.Text;
            r.RemoteMta = result.RemoteMta;
            Stats.Count(result.Outcome);
            switch (result.Outcome)
            {
                case Outcome.Delivered:
                    r.State = RecipientState.Delivered;
                    r.Finished = now;
                    log("info", "delivered", ("id", envelope.Id), ("rcpt", r.Address), ("relay", result.RemoteMta ?? "local"), ("reply", result.Text));
                    break;
                case Outcome.Failed:
                    r.State = RecipientState.Failed;
                    r.Finished = now;
                    log("info", "bounced", ("id", envelope.Id), ("rcpt", r.Address), ("status", result.Status), ("reply", result.Text));
                    break;
                default:
                    log("info", "deferred", ("id", envelope.Id), ("rcpt", r.Address), ("status", result.Status), ("reply", result.Text), ("attempts", r.Attempts));
                    break;
            }
        }
    }

    /// <summary>Nothing pending: the DSN for failed recipients (never for a bounce: RFC 5321 §4.5.5), then the entry goes.</summary>
    private async Task FinishAsync(Envelope envelope, CancellationToken ct)
    {
        bool anyFailed = envelope.Recipients.Any(r => r.State == RecipientState.Failed);
        if (anyFailed && !envelope.IsBounce && !envelope.DsnQueued)
        {
            string dsnPath = Path.Combine(queue.TmpDirectory, envelope.Id + ".dsn");
            try
            {
                await using (var output = File.Create(dsnPath))
                    DsnBuilder.Write(envelope, options.Hostname, queue.MessagePath(envelope.Id), output, DateTimeOffset.UtcNow);
                string dsnId = await queue.EnqueueAsync("", [envelope.From], ReadOnlyMemory<byte>.Empty, dsnPath, null, ct);
                Stats.CountDsn();
                log("info", "dsn queued", ("id", envelope.Id), ("dsn", dsnId), ("to", envelope.From));
            }
            finally
            {
                File.Delete(dsnPath);
            }
            envelope.DsnQueued = true;
            queue.Save(envelope);
        }
        else if (anyFailed && envelope.IsBounce)
        {
            log("warn", "bounce undeliverable; dropped (a bounce never bounces)", ("id", envelope.Id));
        }
        queue.RemoveFinished(envelope.Id);
        lock (gate)
            due.Remove(envelope.Id);
    }

    private static string DomainOf(string address)
    {
        int at = address.LastIndexOf('@');
        return at < 0 ? "" : address[(at + 1)..].ToLowerInvariant();
    }
}
