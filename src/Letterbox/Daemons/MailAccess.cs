using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Letterbox.Config;
using Letterbox.Daemons.Smtp;
using Letterbox.Net.Listeners;
using Letterbox.Net.Tls;
using Letterbox.Store;

namespace Letterbox.Daemons;

/// <summary>
/// What the mailbox-access daemons (IMAP, POP3) share: the accounts, password logins with their
/// throttle, the certificate, the connection limits ([imap] / [pop3]: overall and per client
/// address at accept, per user and address at login), and an accept loop that turns an
/// over-limit client away with the protocol's own refusal line.
/// </summary>
public sealed class MailAccess
{
    private readonly DaemonContext _context;
    private readonly string _protocol;
    private readonly ConnectionLimiter _limiter;

    public AccountStore Accounts { get; }
    public Authenticator Auth { get; }
    public CertificateSource? Certificate { get; }

    /// <summary>Logged-in sessions per user and client address; a session enters it right after a successful login.</summary>
    public UserConnectionLimiter Users { get; }

    public MailAccess(DaemonContext context, string protocol)
    {
        _context = context;
        _protocol = protocol;
        var limits = protocol == "pop3" ? context.Config.Pop3 : context.Config.Imap;
        context.Metrics.DeclareCounter($"letterbox_{protocol}_connections_total",
            $"{protocol.ToUpperInvariant()} connections, by listener and outcome (admitted, toomanytotal, toomanyfromclient).");
        context.Metrics.DeclareCounter($"letterbox_{protocol}_logins_refused_total",
            $"{protocol.ToUpperInvariant()} logins with the right password refused by a limit, by reason (user_ip: {protocol}.max_connections_per_user_ip).");
        context.Metrics.DeclareGauge($"letterbox_{protocol}_sessions", $"{protocol.ToUpperInvariant()} sessions open now.");
        Authenticator.DeclareMetrics(context.Metrics);
        Accounts = AccountStore.Open(context.DataDirectory, new AccountStoreOptions { DefaultQuotaBytes = context.Config.Store.DefaultQuota });
        Auth = new Authenticator(Accounts, context.Metrics, context.Log);
        Certificate = Certificates.For(context.Config, context.DataDirectory);
        _limiter = new ConnectionLimiter(limits.MaxConnections, limits.MaxConnectionsPerIp);
        Users = new UserConnectionLimiter(limits.MaxConnectionsPerUserIp);
    }

    /// <summary>A password login (<see cref="Authenticator.LoginAsync"/>).</summary>
    public Task<Authenticator.Result> LoginAsync(string protocol, IPAddress client, string user, string password, CancellationToken ct) =>
        Auth.LoginAsync(protocol, client, user, password, ct);

    /// <summary>Counts a login refused because the user has too many sessions from this address.</summary>
    public void CountUserLimit() => _context.Metrics.Increment($"letterbox_{_protocol}_logins_refused_total", 1, ("reason", "user_ip"));

    public Task ServeAsync(byte[] refusal, Func<Socket, Listener, CancellationToken, Task> session, CancellationToken stopping) =>
        TcpAcceptor.RunAsync(_context.Listeners, async (socket, listener, ct) =>
        {
            var client = TcpAcceptor.ClientAddress(socket);
            var verdict = _limiter.TryEnter(client, out var lease);
            _context.Metrics.Increment($"letterbox_{_protocol}_connections_total", 1,
                ("listener", listener.Spec.Name), ("outcome", verdict.ToString().ToLowerInvariant()));
            if (verdict != ConnectionLimiter.Verdict.Admitted)
            {
                await socket.SendAsync(refusal, SocketFlags.None, ct);
                return;
            }
            using (lease)
            {
                _context.Metrics.Set($"letterbox_{_protocol}_sessions", _limiter.Open);
                try
                {
                    await session(socket, listener, ct);
                }
                finally
                {
                    _context.Metrics.Set($"letterbox_{_protocol}_sessions", _limiter.Open - 1);
                }
            }
        }, _context.Log, stopping);
}

/// <summary>
/// Logged-in sessions per (user, client address), as Dovecot's mail_max_userip_connections: one
/// misbehaving client (or a leaked password used from one place) cannot hold every slot, while
/// the same user on several networks is not limited. IPv6 addresses count per /64.
/// </summary>
public sealed class UserConnectionLimiter(int maxPerUserAndClient)
{
    private readonly ConcurrentDictionary<(string User, IPAddress Client), int> _open = new();

    /// <summary>Enters a session for <paramref name="user"/> from <paramref name="client"/>; null when that pair is at its limit.</summary>
    public IDisposable? TryEnter(string user, IPAddress client)
    {
        var key = (user.ToLowerInvariant(), ConnectionLimiter.ClientKey(client));
        if (_open.AddOrUpdate(key, 1, (_, n) => n + 1) > maxPerUserAndClient)
        {
            Leave(key);
            return null;
        }
        return new Lease(this, key);
    }

    /// <summary>Logged-in sessions of this user from this address now.</summary>
    public int Count(string user, IPAddress client) => _open.GetValueOrDefault((user.ToLowerInvariant(), ConnectionLimiter.ClientKey(client)));

    private void Leave((string, IPAddress) key)
    {
        // Remove the entry at zero so the table does not grow with every pair ever seen.
        while (_open.TryGetValue(key, out int n))
        {
            if (n <= 1 ? _open.TryRemove(new KeyValuePair<(string, IPAddress), int>(key, n)) : _open.TryUpdate(key, n - 1, n))
                return;
        }
    }

    private sealed class Lease(UserConnectionLimiter owner, (string, IPAddress) key) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                owner.Leave(key);
        }
    }
}
