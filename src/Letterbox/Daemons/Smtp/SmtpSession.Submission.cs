using System.Text;
using Letterbox.Delivery.Dkim;
using Letterbox.Delivery.Queue;
using Letterbox.Protocol.Smtp;
using MimeKit;
using MimeKit.IO;
using MimeKit.Utils;

namespace Letterbox.Daemons.Smtp;

/// <summary>What the submission ports need beyond port 25: logins, the outbound queue and the DKIM signer.</summary>
public sealed record Submission(Authenticator Authenticator, OutboundQueue Queue, MessageSigner Signer, SendRateLimit RateLimit);

/// <summary>
/// A message from a logged-in user (RFC 6409): its From must be the user's, it gets the Message-ID
/// and Date it lacks (RFC 6409 §8), DKIM signatures for its domain (RSA and Ed25519), and then goes
/// to the outbound queue for other hosts and straight into the mailbox for ours, all fsynced before
/// the 250.
/// </summary>
public sealed partial class SmtpSession
{
    /// <summary>Mail that leaves through us with our name on it: a logged-in user's, or a trusted device's for other hosts.</summary>
    private bool IsSubmission(Transaction tx) =>
        _user is not null || (IsTrustedClient && tx.Recipients.Any(r => r.Remote.Count > 0 && r.Mailboxes.Count == 0));

    private async Task<SmtpReply> SubmitAsync(Transaction tx)
    {
        var message = tx.Message!;
        var user = _user; // null for a client in smtp.trusted_networks

        // The header block is bounded (smtp.max_header_size was checked), so parsing it is too.
        HeaderList headers;
        using (var read = message.OpenRead())
            headers = HeaderList.Load(read);

        // DMARC aligns on the From header: the signature we add must not vouch for another's address.
        if (!InternetAddressList.TryParse(headers[HeaderId.From] ?? "", out var from) || !from.Mailboxes.Any())
            return Refuse("no_from", new SmtpReply(550, EnhancedStatus.OtherMedia, "Message has no valid From header"));
        if (user is not null && !from.Mailboxes.All(m => _store.Accounts.MaySendAs(user.Address, m.Address)))
            return Refuse("from_not_owned", new SmtpReply(550, EnhancedStatus.DeliveryNotAuthorized, $"From header address not owned by user {user.Address}"));
        string domain = from.Mailboxes.First().Domain.ToLowerInvariant();
        // A trusted device's mail is signed only when it claims one of our domains.
        bool sign = user is not null || _store.Accounts.IsLocalDomain(domain);

        var added = new StringBuilder();
        if (headers[HeaderId.MessageId] is null)
            added.Append("Message-ID: <").Append(MimeUtils.GenerateMessageId(_options.Hostname)).Append(">\r\n");
        if (headers[HeaderId.Date] is null)
            added.Append("Date: ").Append(DateUtils.FormatDate(DateTimeOffset.UtcNow)).Append("\r\n");
        byte[] addedBytes = Encoding.UTF8.GetBytes(added.ToString());

        byte[] prefix;
        try
        {
            IReadOnlyList<string> signatures;
            using (var whole = new ChainedStream())
            {
                whole.Add(new MemoryStream(addedBytes));
                whole.Add(message.OpenRead());
                signatures = sign ? _submission.Signer.Sign(domain, whole) : [];
            }
            prefix = [.. Encoding.ASCII.GetBytes(string.Concat(signatures)), .. addedBytes];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            _log.Warn("DKIM signing failed", ("conn", _id), ("domain", domain), ("error", e.Message));
            return Refuse("dkim", new SmtpReply(451, EnhancedStatus.OtherMailSystem, "Error: signing failed, try again later"));
        }

        var reply = await DeliverAsync(tx, prefix);
        if (reply.IsPositive && user is not null)
            _submission.RateLimit.Record(user.Address);
        return reply;
    }

    private SmtpReply Refuse(string reason, SmtpReply reply)
    {
        _metrics.Increment("letterbox_smtp_rejected_total", 1, ("reason", reason));
        _log.Info("message refused", ("conn", _id), ("client", _client), ("user", _user?.Address), ("reason", reason));
        return reply;
    }
}
