namespace Letterbox.Delivery.Outbound;

/// <summary>What became of one recipient in one attempt.</summary>
public enum Outcome
{
    /// <summary>Accepted (2xx after DATA) or placed in a mailbox.</summary>
    Delivered,
    /// <summary>Try again later: 4xx, no connection, DNS trouble.</summary>
    Deferred,
    /// <summary>Never: 5xx, null MX, no such domain or user.</summary>
    Failed,
}

/// <summary>One recipient's outcome with the reply that decided it.</summary>
/// <param name="Address">The recipient.</param>
/// <param name="Outcome">Delivered, deferred or failed.</param>
/// <param name="Status">Enhanced status code (RFC 3463), e.g. 5.1.1.</param>
/// <param name="Text">The reply or error for people and the DSN's Diagnostic-Code.</param>
/// <param name="RemoteMta">The host that answered, if any.</param>
public sealed record RecipientResult(string Address, Outcome Outcome, string Status, string Text, string? RemoteMta = null);
