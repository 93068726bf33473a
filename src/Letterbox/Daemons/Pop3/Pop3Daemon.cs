using Letterbox.Daemons.Smtp;
using Letterbox.Store;

namespace Letterbox.Daemons.Pop3;

/// <summary>POP3 on 110 (STLS) and 995 (implicit TLS), reading the same Maildir INBOX as IMAP.</summary>
public sealed class Pop3Daemon : IDaemon
{
    public Task RunAsync(DaemonContext context, CancellationToken stopping)
    {
        var metrics = context.Metrics;
        metrics.DeclareCounter("letterbox_pop3_connections_total", "POP3 connections, by listener.");
        metrics.DeclareCounter("letterbox_pop3_retrieved_total", "Messages sent with RETR or TOP.");
        Authenticator.DeclareMetrics(metrics);
        var accounts = AccountStore.Open(context.DataDirectory, new AccountStoreOptions { DefaultQuotaBytes = context.Config.Store.DefaultQuota });
        var auth = new Authenticator(accounts, metrics, context.Log);
        var certificate = Certificates.For(context.Config, context.DataDirectory);
        var limiter = new ConnectionLimiter(context.Config.Smtp.MaxConnections, context.Config.Smtp.MaxConnectionsPerIp);
        return TcpAcceptor.RunAsync(context.Listeners, async (socket, listener, ct) =>
        {
            var client = (socket.RemoteEndPoint as System.Net.IPEndPoint)?.Address ?? System.Net.IPAddress.None;
            metrics.Increment("letterbox_pop3_connections_total", 1, ("listener", listener.Spec.Name));
            if (limiter.TryEnter(client, out var lease) != ConnectionLimiter.Verdict.Admitted)
            {
                await socket.SendAsync("-ERR [SYS/TEMP] too many connections\r\n"u8.ToArray(), System.Net.Sockets.SocketFlags.None, ct);
                return;
            }
            using (lease)
                await new Pop3Session(socket, listener.Spec.Name == "pop3s", context.Config.Hostname, accounts, auth, certificate, metrics, context.Log).RunAsync(ct);
        }, context.Log, stopping);
    }
}
