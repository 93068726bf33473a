using Letterbox.Daemons.Smtp;
using Letterbox.Store;

namespace Letterbox.Daemons.Imap;

/// <summary>IMAP4rev2/rev1 on 143 (STARTTLS) and 993 (implicit TLS, RFC 8314), over the Maildir index.</summary>
public sealed class ImapDaemon : IDaemon
{
    public Task RunAsync(DaemonContext context, CancellationToken stopping)
    {
        var metrics = context.Metrics;
        metrics.DeclareCounter("letterbox_imap_connections_total", "IMAP connections, by listener.");
        metrics.DeclareCounter("letterbox_imap_commands_total", "IMAP commands, by command and result (ok, no, bad).");
        Authenticator.DeclareMetrics(metrics);
        var accounts = AccountStore.Open(context.DataDirectory, new AccountStoreOptions { DefaultQuotaBytes = context.Config.Store.DefaultQuota });
        var auth = new Authenticator(accounts, metrics, context.Log);
        var certificate = Certificates.For(context.Config, context.DataDirectory);
        var limiter = new ConnectionLimiter(context.Config.Smtp.MaxConnections, context.Config.Smtp.MaxConnectionsPerIp);
        return TcpAcceptor.RunAsync(context.Listeners, async (socket, listener, ct) =>
        {
            var client = (socket.RemoteEndPoint as System.Net.IPEndPoint)?.Address ?? System.Net.IPAddress.None;
            metrics.Increment("letterbox_imap_connections_total", 1, ("listener", listener.Spec.Name));
            if (limiter.TryEnter(client, out var lease) != ConnectionLimiter.Verdict.Admitted)
            {
                await socket.SendAsync("* BYE [UNAVAILABLE] too many connections\r\n"u8.ToArray(), System.Net.Sockets.SocketFlags.None, ct);
                return;
            }
            using (lease)
                await new ImapSession(socket, listener.Spec.Name == "imaps", context.Config.Hostname, accounts, auth, certificate, metrics, context.Log).RunAsync(ct);
        }, context.Log, stopping);
    }
}
