using System.Text;
using Letterbox.Store;

namespace Letterbox.Delivery.Outbound;

/// <summary>
/// Queued mail for our own domains (DSNs to local senders, mail between local users, forwards that
/// resolve back here): into the mailboxes through the store, as the SMTP server delivers, with
/// Return-Path and Delivered-To added per recipient.
/// </summary>
public sealed class LocalDelivery(MailStore store)
{
    /// <summary>The local recipients, and external addresses their aliases forward to (to queue for remote delivery).</summary>
    public (IReadOnlyList<RecipientResult> Results, IReadOnlyList<string> Forwards) Deliver(string from, IReadOnlyList<string> recipients, string messagePath)
    {
        var results = new List<RecipientResult>();
        var forwards = new List<string>();
        foreach (var recipient in recipients)
        {
            var resolution = store.Accounts.Resolve(recipient);
            if (!resolution.Accepted)
            {
                results.Add(resolution.Kind == ResolutionKind.UnknownUser
                    ? new RecipientResult(recipient, Outcome.Failed, "5.1.1", "550 5.1.1 no such user here")
                    : new RecipientResult(recipient, Outcome.Failed, "5.1.3", "550 5.1.3 not a deliverable address"));
                continue;
            }
            forwards.AddRange(resolution.Forwards);
            if (resolution.Mailboxes.Count == 0)
            {
                results.Add(new RecipientResult(recipient, Outcome.Delivered, "2.1.5", "250 2.1.5 forwarded"));
                continue;
            }
            results.Add(DeliverOne(from, recipient, resolution.Mailboxes, messagePath));
        }
        return (results, forwards);
    }

    private RecipientResult DeliverOne(string from, string recipient, IReadOnlyList<Mailbox> mailboxes, string messagePath)
    {
        long size = new FileInfo(messagePath).Length;
        using var message = store.BeginMessage(Math.Max(1, size));
        try
        {
            using (var input = new FileStream(messagePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024))
                input.CopyTo(message.Body);
            // RFC 5321 §4.4: the final delivery adds Return-Path; RFC 9228 Delivered-To.
            message.Commit(mailboxes, mailbox => Encoding.UTF8.GetBytes($"Return-Path: <{from}>\r\nDelivered-To: {mailbox.Address}\r\n"));
            return new RecipientResult(recipient, Outcome.Delivered, "2.0.0", "250 2.0.0 delivered to mailbox");
        }
        catch (DeliveryException e)
        {
            return e.Permanent
                ? new RecipientResult(recipient, Outcome.Failed, e.Reason == DeliveryFailure.OverQuota ? "5.2.2" : "5.3.4", $"552 {e.Message}")
                : new RecipientResult(recipient, Outcome.Deferred, e.Reason == DeliveryFailure.OverQuota ? "4.2.2" : "4.3.0", $"452 {e.Message}");
        }
    }
}
