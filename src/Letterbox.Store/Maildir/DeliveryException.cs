namespace Letterbox.Store;

/// <summary>Why a delivery did not happen.</summary>
public enum DeliveryFailure
{
    /// <summary>The message went over its byte limit while arriving. SMTP: 552 5.3.4.</summary>
    TooLarge,

    /// <summary>
    /// A mailbox has no room (<see cref="DeliveryException.OverQuota"/>). SMTP: 452 4.2.2, or
    /// 552 5.2.2 when <see cref="DeliveryException.Permanent"/> (the message is larger than the quota itself).
    /// </summary>
    OverQuota,

    /// <summary>Writing failed (disk full, I/O error, a broken mailbox). Nothing was delivered. SMTP: 451 4.3.0.</summary>
    Storage,
}

/// <summary>
/// A delivery that did not happen; when thrown by <see cref="IncomingMessage.Commit"/>, no copy of the
/// message is left in any mailbox (all or nothing), and the message is still spooled until aborted.
/// </summary>
public sealed class DeliveryException : IOException
{
    internal DeliveryException(DeliveryFailure reason, string message, Exception? inner = null,
        IReadOnlyList<Mailbox>? overQuota = null, bool permanent = false)
        : base(message, inner)
    {
        Reason = reason;
        OverQuota = overQuota ?? [];
        Permanent = permanent;
    }

    /// <summary>What went wrong.</summary>
    public DeliveryFailure Reason { get; }

    /// <summary>For <see cref="DeliveryFailure.OverQuota"/>, the mailboxes without room.</summary>
    public IReadOnlyList<Mailbox> OverQuota { get; }

    /// <summary>True when retrying cannot help (too large for the limit or for a quota).</summary>
    public bool Permanent { get; }
}
