namespace Letterbox.Daemons.Pop3;

/// <summary>POP3 on 110 (STLS) and 995 (implicit TLS), reading the same Maildir INBOX as IMAP.</summary>
public sealed class Pop3Daemon : IDaemon
{
    public Task RunAsync(DaemonContext context, CancellationToken stopping)
    {
        context.Metrics.DeclareCounter("letterbox_pop3_retrieved_total", "Messages sent with RETR or TOP.");
        var access = new MailAccess(context, "pop3");
        return access.ServeAsync("-ERR [SYS/TEMP] too many connections\r\n"u8.ToArray(), (socket, listener, ct) =>
            new Pop3Session(socket, listener.Spec.Name == "pop3s", context.Config.Hostname, access,
                context.Metrics, context.Log).RunAsync(ct), stopping);
    }
}
