namespace Letterbox.Daemons.Imap;

/// <summary>IMAP4rev2/rev1 on 143 (STARTTLS) and 993 (implicit TLS, RFC 8314), over the Maildir index.</summary>
public sealed class ImapDaemon : IDaemon
{
    private const int MinPoolThreads = 32;

    public Task RunAsync(DaemonContext context, CancellationToken stopping)
    {
        context.Metrics.DeclareCounter("letterbox_imap_commands_total", "IMAP commands, by command and result (ok, no, bad).");
        // Folder commands run synchronously on pool threads and block in fsync and on folder locks
        // (by design: each is short). The pool starts with one thread a core and adds more only
        // slowly once all are blocked, so a few sessions waiting on one busy folder could hold
        // up every other session's reads. Blocked threads cost no CPU.
        ThreadPool.GetMinThreads(out int workers, out int completion);
        ThreadPool.SetMinThreads(Math.Max(workers, MinPoolThreads), completion);
        var access = new MailAccess(context, "imap");
        return access.ServeAsync("* BYE [UNAVAILABLE] too many connections\r\n"u8.ToArray(), (socket, listener, ct) =>
            new ImapSession(socket, listener.Spec.Name == "imaps", context.Config.Hostname, access,
                context.Metrics, context.Log).RunAsync(ct), stopping);
    }
}
