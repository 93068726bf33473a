namespace Letterbox.Store;

/// <summary>
/// Receiving mail into local mailboxes: spooling (<see cref="BeginMessage"/>), durable all-or-nothing
/// delivery (<see cref="IncomingMessage.Commit"/>) and cleaning up after crashes (<see cref="Maintenance"/>).
/// </summary>
public sealed class MailStore(AccountStore accounts)
{
    /// <summary>
    /// A file left in a Maildir tmp/ this long is a crashed delivery's (the age the Maildir
    /// specification and Dovecot use).
    /// </summary>
    public static readonly TimeSpan TmpMaxAge = TimeSpan.FromHours(36);

    /// <summary>
    /// A spool file unwritten this long belongs to a dead session: a live one writes far more often,
    /// as SMTP's own timeouts (RFC 5321 §4.5.3.2: 3 minutes a data block, 10 minutes for the end) require.
    /// </summary>
    public static readonly TimeSpan SpoolMaxAge = TimeSpan.FromHours(1);

    /// <summary>The accounts whose mailboxes this store delivers to.</summary>
    public AccountStore Accounts { get; } = accounts ?? throw new ArgumentNullException(nameof(accounts));

    /// <summary>
    /// Starts spooling a message of at most <paramref name="maxBytes"/> bytes to a new temp file
    /// under <c>&lt;data&gt;/spool/tmp/</c>.
    /// </summary>
    public IncomingMessage BeginMessage(long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        string path = Path.Combine(AccountStore.SpoolDirectory(Accounts.DataDirectory), MaildirName.Unique() + ".msg");
        return new IncomingMessage(Accounts, path, maxBytes);
    }

    /// <summary>
    /// Starts a message for one mailbox, written straight into its tmp/ behind <paramref name="header"/>
    /// (Return-Path, Delivered-To): committing it is then a rename into new/, with no spool copy. The
    /// common case of inbound mail, one recipient, costs one file and one fsync. Commit it with that
    /// mailbox alone; a crash leaves at most a file in tmp/, which <see cref="Maintenance"/> removes.
    /// </summary>
    public IncomingMessage BeginDelivery(Mailbox mailbox, ReadOnlySpan<byte> header, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        MaildirLayout.EnsureMaildir(mailbox.Directory);
        string path = Path.Combine(mailbox.Directory, "tmp", MaildirName.Unique() + ".msg");
        return new IncomingMessage(Accounts, path, maxBytes, mailbox, header);
    }

    /// <summary>
    /// Cleans up after crashes and recounts usage: removes files older than <see cref="TmpMaxAge"/> from
    /// every tmp/ under <c>&lt;data&gt;/mail</c>, spool files untouched for <see cref="SpoolMaxAge"/>, then
    /// recounts every user's usage from the Maildir names (a delivery racing the recount may be missed
    /// until the next run: the quota is a soft limit). Run it at start-up and then daily.
    /// </summary>
    public MaintenanceReport Maintenance()
    {
        DateTime now = DateTime.UtcNow;
        int tmpRemoved = 0;
        string mailRoot = MaildirLayout.MailRoot(Accounts.DataDirectory);
        foreach (string domain in SafeDirectories(mailRoot))
        {
            foreach (string mailbox in SafeDirectories(domain))
            {
                foreach (string maildir in MaildirLayout.Maildirs(mailbox))
                {
                    tmpRemoved += RemoveOld(Path.Combine(maildir, "tmp"), now - TmpMaxAge);
                }
            }
        }
        int spoolRemoved = RemoveOld(AccountStore.SpoolDirectory(Accounts.DataDirectory), now - SpoolMaxAge);
        var users = Accounts.Users();
        foreach (var user in users)
        {
            Accounts.RecountUsage(user.Address);
        }
        return new MaintenanceReport(tmpRemoved, spoolRemoved, users.Count);
    }

    private static IEnumerable<string> SafeDirectories(string path)
    {
        try
        {
            return Directory.EnumerateDirectories(path).ToList();
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }

    private static int RemoveOld(string directory, DateTime cutoff)
    {
        int removed = 0;
        var dir = new DirectoryInfo(directory);
        if (!dir.Exists)
        {
            return 0;
        }
        foreach (var file in dir.EnumerateFiles())
        {
            if (file.LastWriteTimeUtc < cutoff)
            {
                file.Delete();
                removed++;
            }
        }
        return removed;
    }
}

/// <summary>What <see cref="MailStore.Maintenance"/> did.</summary>
/// <param name="TmpFilesRemoved">Stale files removed from Maildir tmp/ directories.</param>
/// <param name="SpoolFilesRemoved">Stale spool files removed.</param>
/// <param name="UsersCounted">Users whose usage was recounted.</param>
public sealed record MaintenanceReport(int TmpFilesRemoved, int SpoolFilesRemoved, int UsersCounted);
