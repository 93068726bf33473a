namespace Letterbox.Store;

/// <summary>What <see cref="AccountStore.Resolve"/> found for a recipient address.</summary>
public enum ResolutionKind
{
    /// <summary>Delivered to local mailboxes only (<see cref="RecipientResolution.Mailboxes"/>).</summary>
    Local,

    /// <summary>
    /// At least one target is another host's address (<see cref="RecipientResolution.Forwards"/>);
    /// local mailboxes may be listed too (a mixed alias).
    /// </summary>
    Forward,

    /// <summary>Our domain, but no user, alias or catch-all takes it. SMTP: 550 5.1.1 at RCPT.</summary>
    UnknownUser,

    /// <summary>Not a domain we receive for. SMTP: relay decision (550 5.7.1 unless authenticated).</summary>
    NotOurDomain,

    /// <summary>Not an address at all (no '@', empty or over-long parts, control characters). SMTP: 501 5.1.3.</summary>
    Invalid,
}

/// <summary>
/// The outcome of resolving one recipient: the distinct local mailboxes and external
/// addresses it expands to, and notes on what was skipped (alias loops, dangling targets,
/// expansion too deep) for the log.
/// </summary>
public sealed class RecipientResolution
{
    internal RecipientResolution(ResolutionKind kind, IReadOnlyList<Mailbox> mailboxes,
        IReadOnlyList<string> forwards, IReadOnlyList<string> notes)
    {
        Kind = kind;
        Mailboxes = mailboxes;
        Forwards = forwards;
        Notes = notes;
    }

    /// <summary>Which case this is.</summary>
    public ResolutionKind Kind { get; }

    /// <summary>Distinct local mailboxes, in the order first reached.</summary>
    public IReadOnlyList<Mailbox> Mailboxes { get; }

    /// <summary>Distinct external addresses to forward to (for the queue), in the order first reached.</summary>
    public IReadOnlyList<string> Forwards { get; }

    /// <summary>Human-readable notes on targets that were skipped.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>True when the address is to be accepted at RCPT time.</summary>
    public bool Accepted => Kind is ResolutionKind.Local or ResolutionKind.Forward;

    internal static RecipientResolution Rejected(ResolutionKind kind, IReadOnlyList<string>? notes = null) =>
        new(kind, [], [], notes ?? []);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Kind}: mailboxes [{string.Join(", ", Mailboxes.Select(m => m.Address))}] forwards [{string.Join(", ", Forwards)}]";
}
