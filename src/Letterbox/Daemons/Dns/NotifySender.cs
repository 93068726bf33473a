using System.Net;
using System.Net.Sockets;
using Letterbox.Config;
using Letterbox.Dns.Answering;
using Letterbox.Dns.Tsig;
using Letterbox.Dns.Zones;
using Letterbox.Logging;

namespace Letterbox.Daemons.Dns;

/// <summary>
/// Sends NOTIFY for changed zones to dns.notify (or every dns.secondaries address on port 53),
/// over UDP, retransmitted until acknowledged (RFC 1996 §3.6), a few times at most: a secondary
/// that never answers still refreshes on its SOA timer. With dns.tsig every NOTIFY is signed
/// (RFC 8945) and only an acknowledgement signed with the same key counts.
/// </summary>
public sealed class NotifySender(Log log)
{
    private static readonly TimeSpan[] Waits = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)];

    public static IReadOnlyList<IPEndPoint> Targets(LetterboxConfig config) =>
        config.Dns.Notify.Count > 0
            ? config.Dns.Notify.Where(e => e.Address is not null).Select(e => new IPEndPoint(e.Address!, e.Port)).ToList()
            : config.Dns.Secondaries.Select(a => new IPEndPoint(a, Config.ServicePorts.StandardDns)).ToList();

    /// <summary>Starts the notifications and returns at once; each target is tried on its own.</summary>
    public void Send(IReadOnlyList<Zone> changed, IReadOnlyList<IPEndPoint> targets, CancellationToken stopping) =>
        Send(changed, targets, null, stopping);

    /// <summary>As above, each NOTIFY signed with <paramref name="key"/> when there is one.</summary>
    public void Send(IReadOnlyList<Zone> changed, IReadOnlyList<IPEndPoint> targets, TsigKey? key, CancellationToken stopping)
    {
        foreach (var zone in changed)
            foreach (var target in targets)
                _ = Task.Run(() => SendOneAsync(zone, target, key, stopping), CancellationToken.None);
    }

    private async Task SendOneAsync(Zone zone, IPEndPoint target, TsigKey? key, CancellationToken stopping)
    {
        ushort id = (ushort)Random.Shared.Next(1, 65536);
        var buffer = new byte[4096];
        try
        {
            using var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            await socket.ConnectAsync(target, stopping);
            foreach (var wait in Waits)
            {
                // Signed afresh at each try: Time Signed must stay within the fudge of the receiver's clock.
                var (message, mac) = key is null ? (Notify.Message(id, zone), []) : Notify.Signed(id, zone, key, TsigSigner.Now(TimeProvider.System));
                await socket.SendAsync(message, SocketFlags.None, stopping);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                timeout.CancelAfter(wait);
                try
                {
                    while (true)
                    {
                        int n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                        var response = buffer.AsSpan(0, n);
                        bool acknowledged = key is null
                            ? Notify.IsAcknowledgement(response, id)
                            : Notify.IsAcknowledgement(response, id, key, mac, TsigSigner.Now(TimeProvider.System));
                        if (acknowledged)
                        {
                            log.Info("notify acknowledged", ("zone", zone.Apex), ("serial", zone.Soa.Serial), ("secondary", target), ("tsig", key?.Name.ToString() ?? "none"));
                            return;
                        }
                        if (Notify.IsAcknowledgement(response, id))
                            log.Warn("notify answer not signed with our key", ("zone", zone.Apex), ("secondary", target), ("rcode", (int)(response[3] & 0xF)));
                    }
                }
                catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                {
                }
                catch (SocketException)
                {
                    // ECONNREFUSED from an earlier try: nobody there yet; wait and try again.
                    await Task.Delay(wait, stopping);
                }
            }
            log.Warn("notify not acknowledged", ("zone", zone.Apex), ("serial", zone.Soa.Serial), ("secondary", target));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }
}
