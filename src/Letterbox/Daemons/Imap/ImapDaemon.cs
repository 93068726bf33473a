namespace Letterbox.Daemons.Imap;

/// <summary>IMAP4rev2/rev1 on 143 (STARTTLS) and 993 (implicit TLS, RFC 8314), over the Maildir index.</summary>
public sealed class ImapDaemon : IDaemon
{
    public Task RunAsync(DaemonContext context, CancellationToken stopping)
    {
        context.Metrics.DeclareCounter("letterbox_imap_commands_total", "IMAP commands, by command and result (ok, no, bad).");
        var access = new MailAccess(context, "imap");
        return access.ServeAsync("* BYE [UNAVAILABLE] too many connections\r\n"u8.ToArray(), (socket, listener, ct) =>
            new ImapSession(socket, listener.Spec.Name == "imaps", context.Config.Hostname, access,
                context.Metrics, context.Log).RunAsync(ct), stopping);
    }
}
