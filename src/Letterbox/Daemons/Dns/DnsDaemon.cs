using System.Net;
using System.Net.Sockets;
using Letterbox.Dns.Answering;
using Letterbox.Net.Listeners;

namespace Letterbox.Daemons.Dns;

/// <summary>
/// Authoritative DNS on 53, UDP and TCP (RFC 1035 §4.2, RFC 7766), for the mail domains and the
/// user's zones. Answers come from <see cref="Letterbox.Dns.Answering.Responder"/>; this class only
/// moves packets. UDP is served by one blocking worker thread per core, each with its own buffers,
/// so answering a query allocates nothing.
/// </summary>
public sealed class DnsDaemon : IDaemon
{
    /// <summary>RFC 7766 §6.2.3 leaves the number to us; enough for secondaries and resolvers retrying after TC.</summary>
    private const int MaxTcpConnections = 256;
    private const int MaxTcpConnectionsPerClient = 16;

    private long _udpQueries, _tcpQueries, _dropped, _rateDropped, _rateSlipped;

    public async Task RunAsync(DaemonContext context, CancellationToken stopping)
    {
        var metrics = context.Metrics;
        metrics.DeclareCounter("letterbox_dns_queries_total", "DNS queries answered, by transport (udp, tcp).");
        metrics.DeclareCounter("letterbox_dns_dropped_total", "DNS packets not answered (too short, or responses).");
        metrics.DeclareCounter("letterbox_dns_connections_refused_total", "DNS TCP connections closed at once because of the connection limits.");

        var notifier = new NotifySender(context.Log);
        var state = new DnsZoneState(context.Config, context.DataDirectory, context.Log);
        state.Changed = zones => notifier.Send(zones, NotifySender.Targets(state.Config), state.TsigKey(), stopping);
        state.Load();
        var limiter = new ConnectionLimiter(MaxTcpConnections, MaxTcpConnectionsPerClient);
        var rrl = new ResponseRateLimiter(context.Config.Dns.RateLimit);
        metrics.DeclareCounter("letterbox_dns_rate_limited_total", "UDP answers withheld by response rate limiting, by action (drop, slip).");

        var tasks = new List<Task>
        {
            state.WatchAsync(() => Publish(metrics), stopping),
            TcpAcceptor.RunAsync(context.Listeners, async (socket, listener, ct) =>
            {
                if (limiter.TryEnter(TcpAcceptor.ClientAddress(socket), out var lease) != ConnectionLimiter.Verdict.Admitted)
                {
                    metrics.Increment("letterbox_dns_connections_refused_total");
                    return;
                }
                using (lease)
                {
                    var client = TcpAcceptor.ClientAddress(socket);
                    bool mayTransfer = state.Config.Dns.Secondaries.Contains(client);
                    var session = new DnsTcpSession(socket, () => state.Responder, mayTransfer, client.GetAddressBytes(),
                        () => state.TransferPolicy(mayTransfer, client.ToString()));
                    await session.RunAsync(ct);
                    Interlocked.Add(ref _tcpQueries, session.Answered);
                }
            }, context.Log, stopping),
        };
        int workers = Math.Max(2, Environment.ProcessorCount);
        var threads = new List<Thread>();
        foreach (var l in context.Listeners.Where(l => l.Spec.Transport == Transport.Udp))
        {
            l.Socket.ReceiveTimeout = 500;
            // Bursts queue in the kernel instead of being dropped while a worker is busy (NSD does the same).
            l.Socket.ReceiveBufferSize = 4 * 1024 * 1024;
            for (int i = 0; i < workers; i++)
            {
                var thread = new Thread(() => UdpLoop(l.Socket, state, rrl, context, stopping)) { IsBackground = true, Name = $"dns-udp-{i}" };
                thread.Start();
                threads.Add(thread);
            }
        }
        await Task.WhenAll(tasks);
        foreach (var t in threads)
            t.Join(TimeSpan.FromSeconds(2));
        Publish(metrics);
    }

    private void Publish(Monitoring.Metrics metrics)
    {
        metrics.Set("letterbox_dns_queries_total", Interlocked.Read(ref _udpQueries), ("transport", "udp"));
        metrics.Set("letterbox_dns_queries_total", Interlocked.Read(ref _tcpQueries), ("transport", "tcp"));
        metrics.Set("letterbox_dns_dropped_total", Interlocked.Read(ref _dropped));
        metrics.Set("letterbox_dns_rate_limited_total", Interlocked.Read(ref _rateDropped), ("action", "drop"));
        metrics.Set("letterbox_dns_rate_limited_total", Interlocked.Read(ref _rateSlipped), ("action", "slip"));
    }

    /// <summary>
    /// One UDP worker: blocking receive, answer, send, on its own thread. Blocking calls on a
    /// dedicated thread cost one system call each way and no thread-pool hop, which is what lets
    /// a .NET server keep up with NSD here; the receive timeout lets the thread see the stop.
    /// </summary>
    private void UdpLoop(Socket socket, DnsZoneState state, ResponseRateLimiter rrl, DaemonContext context, CancellationToken stopping)
    {
        // A datagram can be up to 64 KiB; a shorter buffer would cut one silently and answer garbage.
        var receive = new byte[65536];
        var send = new byte[65536];
        var peer = new SocketAddress(socket.AddressFamily);
        while (!stopping.IsCancellationRequested)
        {
            int received;
            try
            {
                received = socket.ReceiveFrom(receive, SocketFlags.None, peer);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                continue;
            }
            catch (SocketException)
            {
                // ICMP errors from earlier sends surface here (ECONNREFUSED); nothing to do but go on.
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            int length;
            try
            {
                var raw = peer.Buffer.Span;
                var client = peer.Family == AddressFamily.InterNetwork ? raw.Slice(4, 4) : raw.Slice(8, 16);
                length = state.Responder.Respond(receive.AsSpan(0, received), send, tcp: false, client);
            }
            catch (Exception e)
            {
                context.Log.Error("query failed", ("error", e.GetType().Name), ("detail", e.Message));
                continue;
            }
            if (length == 0)
            {
                Interlocked.Increment(ref _dropped);
                continue;
            }
            Interlocked.Increment(ref _udpQueries);
            switch (rrl.Check(peer))
            {
                case ResponseRateLimiter.Decision.Drop:
                    Interlocked.Increment(ref _rateDropped);
                    continue;
                case ResponseRateLimiter.Decision.Slip:
                    Interlocked.Increment(ref _rateSlipped);
                    length = Responder.Slip(receive.AsSpan(0, received), send, length);
                    break;
            }
            try
            {
                socket.SendTo(send.AsSpan(0, length), SocketFlags.None, peer);
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }
}
