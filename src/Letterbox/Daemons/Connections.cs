using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Letterbox.Logging;
using Letterbox.Net.Listeners;

namespace Letterbox.Daemons;

/// <summary>
/// Counts open sessions overall and per client, so one client (or a flood) cannot take every slot.
/// IPv6 clients are counted per /64, since one host commonly has a whole /64 to pick from.
/// </summary>
public sealed class ConnectionLimiter(int maxTotal, int maxPerClient)
{
    private readonly ConcurrentDictionary<IPAddress, int> _perClient = new();
    private int _total;

    public int Open => Volatile.Read(ref _total);

    public enum Verdict { Admitted, TooManyTotal, TooManyFromClient }

    public Verdict TryEnter(IPAddress client, out Lease lease)
    {
        lease = default;
        var key = ClientKey(client);
        if (Interlocked.Increment(ref _total) > maxTotal)
        {
            Interlocked.Decrement(ref _total);
            return Verdict.TooManyTotal;
        }
        if (_perClient.AddOrUpdate(key, 1, (_, n) => n + 1) > maxPerClient)
        {
            Leave(key);
            return Verdict.TooManyFromClient;
        }
        lease = new Lease(this, key);
        return Verdict.Admitted;
    }

    private void Leave(IPAddress key)
    {
        Interlocked.Decrement(ref _total);
        // Remove the entry at zero so the table does not grow with every address ever seen.
        while (_perClient.TryGetValue(key, out int n))
        {
            if (n <= 1 ? _perClient.TryRemove(new KeyValuePair<IPAddress, int>(key, n)) : _perClient.TryUpdate(key, n - 1, n))
                return;
        }
    }

    public static IPAddress ClientKey(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            return address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return address;
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes);
    }

    public readonly struct Lease(ConnectionLimiter? owner, IPAddress key) : IDisposable
    {
        public void Dispose() => owner?.Leave(key);
    }
}

/// <summary>
/// Accept loops over a daemon's TCP listeners. Each connection runs as its own task; when the
/// daemon stops, accepting ends and the open sessions are awaited (they see the same token and
/// wind down), which is what lets SIGTERM drain instead of cutting sessions mid-transaction.
/// </summary>
public static class TcpAcceptor
{
    /// <summary>The peer's address as logs, limits and policy see it: IPv4 clients on a dual-stack socket unwrapped.</summary>
    public static IPAddress ClientAddress(Socket socket)
    {
        var address = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }

    public static async Task RunAsync(IEnumerable<Listener> listeners, Func<Socket, Listener, CancellationToken, Task> serve,
        Log log, CancellationToken stopping)
    {
        var sessions = new ConcurrentDictionary<Task, bool>();
        var loops = listeners.Where(l => l.Spec.Transport == Transport.Tcp)
            .Select(l => AcceptLoopAsync(l, serve, sessions, log, stopping))
            .ToList();
        await Task.WhenAll(loops);
        await Task.WhenAll(sessions.Keys);
    }

    private static async Task AcceptLoopAsync(Listener listener, Func<Socket, Listener, CancellationToken, Task> serve,
        ConcurrentDictionary<Task, bool> sessions, Log log, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.Socket.AcceptAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException e)
            {
                // EMFILE and friends: back off briefly rather than spin.
                log.Warn("accept failed", ("listener", listener.Spec), ("error", e.SocketErrorCode));
                await Task.Delay(100, CancellationToken.None);
                continue;
            }
            client.NoDelay = true;
            var session = RunSessionAsync(client, listener, serve, log, stopping);
            sessions[session] = true;
            _ = session.ContinueWith(t => sessions.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Closes so that our last words arrive: a socket closed with unread input sends a reset, which
    /// can destroy the final reply (a 421, a BYE) before the peer reads it. So: send FIN, drop what
    /// the peer still sends for a moment (bounded in time and bytes), then close.
    /// </summary>
    private static async Task LingeringCloseAsync(Socket client)
    {
        try
        {
            client.Shutdown(SocketShutdown.Send);
            using var linger = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            var sink = new byte[4096];
            for (int total = 0; total < 256 * 1024;)
            {
                int n = await client.ReceiveAsync(sink, SocketFlags.None, linger.Token);
                if (n == 0)
                    break;
                total += n;
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }

    private static async Task RunSessionAsync(Socket client, Listener listener, Func<Socket, Listener, CancellationToken, Task> serve,
        Log log, CancellationToken stopping)
    {
        await Task.Yield();
        try
        {
            await serve(client, listener, stopping);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer went away or the daemon is stopping: nothing more to say to anyone.
        }
        catch (Exception e)
        {
            // A bug in one session must not take the daemon (and every other session) down.
            log.Error("session failed", ("listener", listener.Spec.Name), ("error", e.GetType().Name), ("detail", e.Message));
        }
        finally
        {
            await LingeringCloseAsync(client);
        }
    }
}
