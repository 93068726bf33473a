using System.Text.Json.Serialization;

namespace Letterbox.Delivery.Queue;

/// <summary>Where one recipient of a queued message stands.</summary>
public enum RecipientState
{
    /// <summary>Not delivered yet: tried at <see cref="Envelope.NextAttempt"/>.</summary>
    Pending,
    /// <summary>Accepted by the remote MX or placed in a local mailbox. Never tried again.</summary>
    Delivered,
    /// <summary>Permanently failed (5xx, null MX, unknown user, expired): reported in the DSN.</summary>
    Failed,
}

/// <summary>One recipient of a queued message and what happened to it so far.</summary>
public sealed class QueuedRecipient
{
    /// <summary>The forward-path without angle brackets.</summary>
    public required string Address { get; set; }

    /// <summary>Where it stands.</summary>
    public RecipientState State { get; set; }

    /// <summary>How many attempts reached a decision or a temporary failure for it.</summary>
    public int Attempts { get; set; }

    /// <summary>The last reply or error, as text for a person (and the DSN's Diagnostic-Code).</summary>
    public string? LastError { get; set; }

    /// <summary>The enhanced status code of the last outcome (RFC 3463), such as 5.1.1.</summary>
    public string? Status { get; set; }

    /// <summary>The host that gave the last reply, for the DSN's Remote-MTA.</summary>
    public string? RemoteMta { get; set; }

    /// <summary>When it was delivered or failed.</summary>
    public DateTimeOffset? Finished { get; set; }
}

/// <summary>
/// The envelope of one queued message, stored as <c>&lt;data&gt;/queue/env/&lt;id&gt;.json</c> beside the
/// message bytes in <c>msg/&lt;id&gt;</c>. Rewritten whole (temp file, fsync, rename, fsync of the
/// directory) after every change, so the state on disk is always one the runner wrote completely.
/// </summary>
public sealed class Envelope
{
    /// <summary>The queue id (also the file names).</summary>
    public required string Id { get; set; }

    /// <summary>The reverse-path without angle brackets; empty for a bounce (which never bounces).</summary>
    public required string From { get; set; }

    /// <summary>The authenticated user who submitted it, if any (for logs and rate limits).</summary>
    public string? SubmittedBy { get; set; }

    /// <summary>When it was queued: the lifetime counts from here.</summary>
    public DateTimeOffset Created { get; set; }

    /// <summary>When the pending recipients are tried next.</summary>
    public DateTimeOffset NextAttempt { get; set; }

    /// <summary>Delivery runs so far.</summary>
    public int Attempts { get; set; }

    /// <summary>Size of the message file in bytes.</summary>
    public long Size { get; set; }

    /// <summary>True once the DSN for the failed recipients is queued, so a crash right after does not send a second one.</summary>
    public bool DsnQueued { get; set; }

    /// <summary>Every recipient, in the order given.</summary>
    public List<QueuedRecipient> Recipients { get; set; } = [];

    /// <summary>True for a bounce or other message with the null reverse-path (RFC 5321 §4.5.5).</summary>
    [JsonIgnore]
    public bool IsBounce => From.Length == 0;

    /// <summary>Recipients still to deliver.</summary>
    [JsonIgnore]
    public IEnumerable<QueuedRecipient> Pending => Recipients.Where(r => r.State == RecipientState.Pending);
}

/// <summary>System.Text.Json source generation: no reflection, so Native AOT keeps what it needs.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Envelope))]
internal sealed partial class QueueJson : JsonSerializerContext;
