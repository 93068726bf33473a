namespace Letterbox.Store;

/// <summary>
/// The IMAP system flags a message can keep (RFC 3501 §2.3.2), stored as Maildir info letters:
/// <c>\Seen</c> S, <c>\Answered</c> R, <c>\Flagged</c> F, <c>\Deleted</c> T, <c>\Draft</c> D.
/// <c>\Recent</c> is not stored: see <see cref="MessageInfo.Recent"/>.
/// </summary>
[Flags]
public enum MessageFlags
{
    /// <summary>No flags.</summary>
    None = 0,

    /// <summary><c>\Seen</c> (Maildir S).</summary>
    Seen = 1,

    /// <summary><c>\Answered</c> (Maildir R, "replied").</summary>
    Answered = 2,

    /// <summary><c>\Flagged</c> (Maildir F).</summary>
    Flagged = 4,

    /// <summary><c>\Deleted</c> (Maildir T, "trashed").</summary>
    Deleted = 8,

    /// <summary><c>\Draft</c> (Maildir D).</summary>
    Draft = 16,
}

/// <summary>How <see cref="MailFolder.SetFlags"/> combines the given flags with a message's (STORE FLAGS, +FLAGS, -FLAGS).</summary>
public enum FlagOperation
{
    /// <summary>The message gets exactly the given flags and keywords.</summary>
    Replace,

    /// <summary>The given flags and keywords are added.</summary>
    Add,

    /// <summary>The given flags and keywords are removed.</summary>
    Remove,
}

/// <summary>How a session opens a folder.</summary>
public enum FolderAccess
{
    /// <summary>IMAP SELECT: read-write; this session claims the <c>\Recent</c> messages (RFC 3501 §2.3.2).</summary>
    Select,

    /// <summary>IMAP EXAMINE: read-only, <c>\Recent</c> left for others (RFC 3501 §6.3.2).</summary>
    Examine,

    /// <summary>POP3: read-write, <c>\Recent</c> left for IMAP sessions.</summary>
    Maildrop,
}

/// <summary>RFC 6154 special-use attribute of a folder.</summary>
public enum SpecialUse
{
    /// <summary>An ordinary folder.</summary>
    None,

    /// <summary><c>\Sent</c>.</summary>
    Sent,

    /// <summary><c>\Drafts</c>.</summary>
    Drafts,

    /// <summary><c>\Trash</c>.</summary>
    Trash,

    /// <summary><c>\Junk</c>.</summary>
    Junk,

    /// <summary><c>\Archive</c>.</summary>
    Archive,
}

/// <summary>One message as a session sees it.</summary>
/// <param name="Uid">Its UID (RFC 3501 §2.3.1.1), bound to <paramref name="BaseName"/> for as long as the folder's UIDVALIDITY lasts.</param>
/// <param name="BaseName">The Maildir file name before the <c>:2,</c> info: the message's identity on disk.</param>
/// <param name="Path">The file as last seen; another process may rename it (a flag change), so read it through <see cref="MailFolder.OpenMessage"/>.</param>
/// <param name="Size">Bytes (the <c>S=</c> in the name, else the file's length). RFC822.SIZE.</param>
/// <param name="InternalDate">INTERNALDATE: the file's modification time when it got its UID (APPEND sets it).</param>
/// <param name="Flags">System flags.</param>
/// <param name="Keywords">Keywords (<c>$Forwarded</c>, <c>$Junk</c>, ...), as first spelled in this folder.</param>
/// <param name="ModSeq">Mod-sequence of its last flag change (RFC 7162 CONDSTORE).</param>
/// <param name="Recent"><c>\Recent</c> for this session.</param>
public sealed record MessageInfo(
    uint Uid,
    string BaseName,
    string Path,
    long Size,
    DateTimeOffset InternalDate,
    MessageFlags Flags,
    IReadOnlyList<string> Keywords,
    ulong ModSeq,
    bool Recent);

/// <summary>A folder in a LIST answer.</summary>
/// <param name="Name">Name with '/' between levels (Unicode; the IMAP layer writes modified UTF-7 or UTF-8).</param>
/// <param name="Selectable">False for a level that exists only because folders below it do (<c>\NonExistent</c>, RFC 5258).</param>
/// <param name="HasChildren"><c>\HasChildren</c> or <c>\HasNoChildren</c> (RFC 3348).</param>
/// <param name="SpecialUse">RFC 6154 attribute.</param>
/// <param name="Subscribed">In the subscriptions file.</param>
public sealed record FolderInfo(string Name, bool Selectable, bool HasChildren, SpecialUse SpecialUse, bool Subscribed);

/// <summary>STATUS items (RFC 3501 §6.3.10, RFC 7162 HIGHESTMODSEQ, RFC 8438 SIZE).</summary>
/// <param name="Name">The folder.</param>
/// <param name="Messages">MESSAGES.</param>
/// <param name="Unseen">UNSEEN: messages without <c>\Seen</c>.</param>
/// <param name="Recent">RECENT: messages no session has claimed yet.</param>
/// <param name="Size">SIZE: bytes of all messages.</param>
/// <param name="UidNext">UIDNEXT.</param>
/// <param name="UidValidity">UIDVALIDITY.</param>
/// <param name="HighestModSeq">HIGHESTMODSEQ.</param>
public sealed record FolderStatus(string Name, int Messages, int Unseen, int Recent, long Size, uint UidNext, uint UidValidity, ulong HighestModSeq);

/// <summary>
/// What changed in a folder since the session last looked: what the IMAP server reports as
/// untagged EXPUNGE, EXISTS/RECENT and FETCH (FLAGS MODSEQ) responses.
/// </summary>
/// <param name="Added">New messages, in UID order (they are at the end of <see cref="MailFolder.Messages"/>).</param>
/// <param name="FlagsChanged">Messages already known whose flags or keywords another session (or process) changed, current state.</param>
/// <param name="Expunged">UIDs removed from <see cref="MailFolder.Messages"/>, ascending.</param>
/// <param name="ExpungedSequenceNumbers">
/// The EXPUNGE responses to send, in this order: old sequence numbers, descending, so each is still right when sent.
/// </param>
/// <param name="Exists">Messages in the session's view now (EXISTS).</param>
/// <param name="UidNext">UIDNEXT now.</param>
/// <param name="HighestModSeq">HIGHESTMODSEQ now.</param>
public sealed record FolderChanges(
    IReadOnlyList<MessageInfo> Added,
    IReadOnlyList<MessageInfo> FlagsChanged,
    IReadOnlyList<uint> Expunged,
    IReadOnlyList<int> ExpungedSequenceNumbers,
    int Exists,
    uint UidNext,
    ulong HighestModSeq)
{
    /// <summary>True when there is nothing to report.</summary>
    public bool IsEmpty => Added.Count == 0 && FlagsChanged.Count == 0 && Expunged.Count == 0;
}

/// <summary>What <see cref="MailFolder.SetFlags"/> did.</summary>
/// <param name="Updated">Messages whose flags this call changed, current state (each with its new MODSEQ).</param>
/// <param name="Unchanged">UIDs that already had the requested flags (no new MODSEQ, RFC 7162 §3.1.3).</param>
/// <param name="Failed">UIDs refused because their MODSEQ is above UNCHANGEDSINCE: the MODIFIED response code (RFC 7162 §3.1.3).</param>
/// <param name="Changes">With <c>catchUp</c>: everyone else's changes, as <see cref="MailFolder.Sync"/> without expunges reports them; else null.</param>
public sealed record StoreResult(IReadOnlyList<MessageInfo> Updated, IReadOnlyList<uint> Unchanged, IReadOnlyList<uint> Failed,
    FolderChanges? Changes = null);

/// <summary>A message's UID in the source folder and in the destination (COPYUID, RFC 4315).</summary>
/// <param name="Source">UID in the source folder.</param>
/// <param name="Destination">UID of the new message in the destination folder.</param>
public readonly record struct UidPair(uint Source, uint Destination);

/// <summary>What <see cref="MailFolder.CopyTo"/> did: the COPYUID response code (RFC 4315 §3).</summary>
/// <param name="UidValidity">UIDVALIDITY of the destination.</param>
/// <param name="Uids">Source and destination UIDs, in ascending source UID order; messages already expunged are missing.</param>
public sealed record CopyResult(uint UidValidity, IReadOnlyList<UidPair> Uids);

/// <summary>What <see cref="MailFolder.MoveTo"/> did (RFC 6851): COPYUID, then the source's EXPUNGE responses.</summary>
/// <param name="Copy">The COPYUID data.</param>
/// <param name="Changes">Changes in the source folder, the moved messages' expunges among them.</param>
public sealed record MoveResult(CopyResult Copy, FolderChanges Changes);

/// <summary>What <see cref="MailFolders.Append"/> did: the APPENDUID response code (RFC 4315 §3).</summary>
/// <param name="UidValidity">UIDVALIDITY of the folder.</param>
/// <param name="Uid">UID of the new message.</param>
/// <param name="Changes">When appended to the session's selected folder: what that view must report (the new message among them), as <see cref="MailFolder.Sync"/> does; else null.</param>
public sealed record AppendResult(uint UidValidity, uint Uid, FolderChanges? Changes = null);

/// <summary>Why a folder operation was refused.</summary>
public enum MailFolderError
{
    /// <summary>No such folder. IMAP: NO [NONEXISTENT] (RFC 5530), or [TRYCREATE] for APPEND/COPY/MOVE.</summary>
    NoSuchFolder,

    /// <summary>The folder exists already. IMAP: NO [ALREADYEXISTS].</summary>
    AlreadyExists,

    /// <summary>The name is not allowed (see <see cref="MailFolders"/>). IMAP: NO [CANNOT].</summary>
    InvalidName,

    /// <summary>Not possible for this folder (deleting INBOX, renaming a folder below itself). IMAP: NO [CANNOT].</summary>
    NotAllowed,

    /// <summary>The session opened the folder read-only (EXAMINE). IMAP: NO.</summary>
    ReadOnly,

    /// <summary>A folder holds at most 26 keywords (Dovecot's Maildir limit). IMAP: NO [LIMIT].</summary>
    KeywordLimit,

    /// <summary>The user's quota has no room for it. IMAP: NO [OVERQUOTA] (RFC 9208).</summary>
    OverQuota,

    /// <summary>Another process held the folder's lock too long. IMAP: NO [INUSE].</summary>
    Busy,

    /// <summary>
    /// The folder's UIDVALIDITY changed while it was open (its index was lost and rebuilt, RFC 3501
    /// §2.3.1.1): the session's UIDs mean nothing any more. IMAP: BYE; the client selects again.
    /// </summary>
    Invalidated,
}

/// <summary>A folder operation refused for a reason the client can be told; other storage failures are <see cref="IOException"/>s.</summary>
public sealed class MailFolderException(MailFolderError reason, string message) : IOException(message)
{
    /// <summary>Why.</summary>
    public MailFolderError Reason { get; } = reason;
}
