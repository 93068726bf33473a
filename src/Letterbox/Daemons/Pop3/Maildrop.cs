using Letterbox.Store;

namespace Letterbox.Daemons.Pop3;

/// <summary>
/// A user's INBOX as POP3 sees it (RFC 1939 §3): a numbered list fixed for the session, in IMAP
/// UID order, read through the same index as IMAP (<see cref="FolderAccess.Maildrop"/>: \Recent
/// is left for IMAP sessions). The unique-id of a message is Dovecot's default pop3_uidl_format,
/// <c>%08Xu%08Xv</c> (its IMAP UID and the INBOX's UIDVALIDITY), so it never changes while the
/// message lives and a mailbox moved from Dovecot keeps its UIDLs. Deletions happen at QUIT only.
/// </summary>
public sealed class Maildrop
{
    public sealed record Message(int Number, uint ImapUid, string Uid, long Size)
    {
        public bool Deleted { get; set; }
    }

    private readonly MailFolder _view;

    public IReadOnlyList<Message> Messages { get; }

    /// <exception cref="MailFolderException">The INBOX index stayed locked (<see cref="MailFolderError.Busy"/>).</exception>
    public Maildrop(MailFolders folders)
    {
        _view = folders.Open(MailFolders.Inbox, FolderAccess.Maildrop);
        Messages = _view.Messages.Select((m, i) => new Message(i + 1, m.Uid, _view.Uidl(m.Uid), m.Size)).ToList();
    }

    public Message? Find(int number) =>
        number >= 1 && number <= Messages.Count && !Messages[number - 1].Deleted ? Messages[number - 1] : null;

    public IEnumerable<Message> Live => Messages.Where(m => !m.Deleted);

    /// <summary>The message's bytes, following a rename by another session; null when it was expunged meanwhile.</summary>
    public Stream? Open(Message message) => _view.OpenMessage(message.ImapUid);

    /// <summary>
    /// Marks a message read after RETR, as Dovecot's POP3 does: IMAP clients then see it \Seen
    /// (the S flag in its file name, through the index so their sessions hear of it).
    /// </summary>
    public void MarkSeen(Message message)
    {
        try
        {
            _view.SetFlags([message.ImapUid], FlagOperation.Add, MessageFlags.Seen);
        }
        catch (MailFolderException)
        {
            // Busy or gone: the flag is cosmetic, the read succeeded.
        }
    }

    /// <summary>The UPDATE state (RFC 1939 §6): removes what was marked; the index subtracts the bytes from the quota usage.</summary>
    public void Commit()
    {
        var deleted = Messages.Where(m => m.Deleted).Select(m => m.ImapUid).ToList();
        if (deleted.Count > 0)
            _view.Remove(deleted);
    }
}
