using System.Net;
using System.Net.Sockets;
using Letterbox.Daemons.Smtp;
using Letterbox.Net.Listeners;
using Letterbox.Net.Tls;
using Letterbox.Store;

namespace Letterbox.Daemons;

/// <summary>
/// What the mailbox-access daemons (IMAP, POP3) share: the accounts, password logins with their
/// throttle, the certificate, the connection limits, and an accept loop that turns an over-limit
/// client away with the protocol's own refusal line.
/// </summary>
public sealed class MailAccess
{
    private readonly DaemonContext _context;
    private readonly string _protocol;
    private readonly ConnectionLimiter _limiter;

    public AccountStore Accounts { get; }
    public Authenticator Auth { get; }
    public CertificateSource? Certificate { get; }

    public MailAccess(DaemonContext context, string protocol)
    {
        _context = context;
        _protocol = protocol;
        context.Metrics.DeclareCounter($"letterbox_{protocol}_connections_total", $"{protocol.ToUpperInvariant()} connections, by listener.");
        Authenticator.DeclareMetrics(context.Metrics);
        Accounts = AccountStore.Open(context.DataDirectory, new AccountStoreOptions { DefaultQuotaBytes = context.Config.Store.DefaultQuota });
        Auth = new Authenticator(Accounts, context.Metrics, context.Log);
        Certificate = Certificates.For(context.Config, context.DataDirectory);
        _limiter = new ConnectionLimiter(context.Config.Smtp.MaxConnections, context.Config.Smtp.MaxConnectionsPerIp);
    }

    public Task ServeAsync(byte[] refusal, Func<Socket, Listener, CancellationToken, Task> session, CancellationToken stopping) =>
        TcpAcceptor.RunAsync(_context.Listeners, async (socket, listener, ct) =>
        {
            var client = TcpAcceptor.ClientAddress(socket);
            _context.Metrics.Increment($"letterbox_{_protocol}_connections_total", 1, ("listener", listener.Spec.Name));
            if (_limiter.TryEnter(client, out var lease) != ConnectionLimiter.Verdict.Admitted)
            {
                await socket.SendAsync(refusal, SocketFlags.None, ct);
                return;
            }
            using (lease)
                await session(socket, listener, ct);
        }, _context.Log, stopping);
}
