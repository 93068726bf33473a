using System.Buffers;
using System.Globalization;
using System.Text;
using Letterbox.Protocol.Smtp;
using Letterbox.Store;

namespace Letterbox.Daemons.Smtp;

/// <summary>
/// The message: DATA (RFC 5321 §4.1.1.4) and BDAT (RFC 3030), streamed through the protocol
/// readers into one spool file, checked, and delivered to every recipient's mailbox. The 250 is
/// written only after the delivery is fsynced in every mailbox.
/// </summary>
public sealed partial class SmtpSession
{
    /// <summary>
    /// A recipient of the transaction: the local mailboxes it delivers to, and the addresses elsewhere
    /// the outbound queue takes it to (an alias's forwards; the address itself on submission).
    /// </summary>
    private sealed record Recipient(string Address, IReadOnlyList<Mailbox> Mailboxes, IReadOnlyList<string> Remote);

    private sealed class Transaction(SmtpAddress sender, bool smtpUtf8, SmtpBodyType body) : IDisposable
    {
        public SmtpAddress Sender { get; } = sender;
        public bool SmtpUtf8 { get; } = smtpUtf8;
        public SmtpBodyType Body { get; } = body;
        public List<Recipient> Recipients { get; } = [];
        public IncomingMessage? Message { get; set; }
        public MessageInspector? Inspector { get; set; }
        public DateTime ContentStarted { get; set; }

        public void Dispose() => Message?.Dispose();
    }

    private Transaction? _transaction;
    private SmtpDataReader? _data;
    private SmtpChunkReader? _chunk;
    private bool _bdatInProgress;
    private bool _discardingChunk;

    /// <summary>RFC 5321 §6.3: a message with this many Received fields is looping (Postfix's hopcount_limit).</summary>
    private const int MaxHops = 50;

    private void ResetTransaction()
    {
        _transaction?.Dispose();
        _transaction = null;
        _data = null;
        _chunk = null;
        _bdatInProgress = false;
        if (_state is State.Mail or State.Rcpt)
            _state = State.Greeted;
    }

    /// <summary>The slow-client defence: one message's content must arrive within smtp.data_timeout, however it trickles.</summary>
    private TimeSpan RemainingDataTime()
    {
        var started = _transaction?.ContentStarted ?? DateTime.UtcNow;
        var left = started + _options.DataTimeout - DateTime.UtcNow;
        return left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);
    }

    private void OnData()
    {
        BeginContent();
        _data = new SmtpDataReader(_options.MaxMessageSize);
        _mode = Mode.Data;
        Reply(SmtpReplies.StartMailInput);
    }

    private void OnBdat(BdatCommand bdat)
    {
        if (!_bdatInProgress)
        {
            BeginContent();
            _chunk = new SmtpChunkReader(_options.MaxMessageSize);
            _bdatInProgress = true;
        }
        _chunk!.BeginChunk(bdat.Size, bdat.Last);
        _mode = Mode.Bdat;
    }

    /// <summary>A BDAT refused for its sequence still carries octets: read and drop them (RFC 3030 §2).</summary>
    private void SkipChunk(BdatCommand bdat)
    {
        _chunk ??= new SmtpChunkReader(0);
        _chunk.BeginChunk(bdat.Size, bdat.Last);
        _discardingChunk = true;
        _mode = Mode.Bdat;
    }

    /// <summary>Opens the spool file and writes our trace header first (RFC 5321 §4.4).</summary>
    private void BeginContent()
    {
        var tx = _transaction!;
        var mailboxes = Mailboxes(tx);
        // One mailbox (the usual case): write straight into its tmp/, so delivery is a rename.
        // Submitted mail gets headers of its own (signatures) and may go out too: it is spooled.
        tx.Message = mailboxes.Count == 1 && _user is null && tx.Recipients.All(r => r.Remote.Count == 0)
            ? _store.BeginDelivery(mailboxes[0], DeliveryHeader(tx, mailboxes[0]), _options.MaxMessageSize + 8192)
            : _store.BeginMessage(_options.MaxMessageSize + 8192);
        tx.Inspector = new MessageInspector(tx.Message.Body, _options.MaxHeaderSize + 8192);
        tx.ContentStarted = DateTime.UtcNow;
        var received = Encoding.UTF8.GetBytes(ReceivedHeader(tx));
        tx.Inspector.Write(received);
    }

    private (long Used, bool Complete) ReadMessageContent(ReadOnlySequence<byte> buffer)
    {
        if (_mode == Mode.Data)
        {
            var r = _data!.Read(buffer, (Stream)_transaction!.Inspector!);
            return (r.Consumed, r.IsComplete);
        }
        var sink = _discardingChunk ? Stream.Null : _transaction!.Inspector!;
        var c = _chunk!.Read(buffer, sink);
        if (!c.IsComplete)
            return (c.Consumed, false);
        if (_discardingChunk)
        {
            // The refusal was already sent when the BDAT command arrived.
            _discardingChunk = false;
            _mode = Mode.Command;
            return (c.Consumed, false);
        }
        if (!_chunk.IsLastChunk)
        {
            Reply(250, EnhancedStatus.Undefined, $"{_chunk.MessageSize.ToString(CultureInfo.InvariantCulture)} octets received");
            _mode = Mode.Command;
            return (c.Consumed, false);
        }
        return (c.Consumed, true);
    }

    /// <summary>The end of the content: check it, deliver it, answer. Always leaves a clean transaction state.</summary>
    private async Task FinishMessageAsync()
    {
        var tx = _transaction!;
        _mode = Mode.Command;
        try
        {
            // Whatever the inspector still buffers reaches the file once, before any path reads it.
            tx.Inspector!.Flush();
            var reply = Check(tx) ?? (IsSubmission(tx) ? await SubmitAsync(tx) : await DeliverAsync(tx, null));
            if (reply.IsPositive)
                Reply(reply);
            else
                Error(reply);
        }
        finally
        {
            ResetTransaction();
        }
    }

    /// <summary>What makes a complete message unacceptable, in the order a client can act on.</summary>
    private SmtpReply? Check(Transaction tx)
    {
        bool tooLarge = _data?.IsTooLarge ?? _chunk!.IsTooLarge;
        long size = _data?.MessageSize ?? _chunk!.MessageSize;
        string? reason = null;
        SmtpReply? reply = null;
        if (_data is { HasBareNewline: true })
            (reason, reply) = ("bare_newline", _data.HasBareLineFeed ? SmtpReplies.BareLineFeed : SmtpReplies.BareCarriageReturn);
        else if (tooLarge)
            (reason, reply) = ("size", SmtpReplies.MessageTooBig);
        else if (tx.Inspector!.HeaderTooLarge)
            (reason, reply) = ("header_size", new SmtpReply(552, EnhancedStatus.MessageTooBig, "Message header size exceeds limit"));
        else if (tx.Inspector.ReceivedCount > MaxHops)
            (reason, reply) = ("loop", new SmtpReply(554, EnhancedStatus.RoutingLoop, "Too many hops: mail loop detected"));
        else if (tx.Inspector.HasNul)
            (reason, reply) = ("nul", new SmtpReply(554, EnhancedStatus.OtherMedia, "Message contains NUL characters"));
        if (reply is null)
            return null;
        _metrics.Increment("letterbox_smtp_rejected_total", 1, ("reason", reason!));
        _log.Info("message refused", ("conn", _id), ("client", _client), ("from", tx.Sender.ToPath()), ("reason", reason), ("size", size));
        return reply;
    }

    /// <summary>
    /// Queues the copies for other hosts, then delivers to our mailboxes; all or nothing, so a
    /// client told 451 can send again without anyone getting it twice. <paramref name="extraHeader"/>
    /// (signatures, added Message-ID/Date) goes in front of every copy.
    /// </summary>
    private async Task<SmtpReply> DeliverAsync(Transaction tx, byte[]? extraHeader)
    {
        var remote = tx.Recipients.SelectMany(r => r.Remote).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        string? queued = null;
        if (remote.Count > 0)
        {
            try
            {
                queued = await _submission.Queue.EnqueueAsync(tx.Sender.ToString(), remote, extraHeader ?? [], tx.Message!.SpoolPath, _user?.Address, CancellationToken.None);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _log.Warn("queueing failed", ("conn", _id), ("error", e.Message));
                _metrics.Increment("letterbox_smtp_rejected_total", 1, ("reason", "storage"));
                return new SmtpReply(451, EnhancedStatus.OtherMailSystem, "Error: queue file write error, try again later");
            }
        }
        var reply = Deliver(tx, extraHeader);
        if (queued is not null)
        {
            if (reply.IsPositive)
                _log.Info("message queued", ("conn", _id), ("user", _user?.Address), ("from", tx.Sender.ToPath()), ("queue_id", queued), ("remote_rcpts", remote.Count));
            else
                _submission.Queue.Remove(queued); // the client will send again: the queued copy must not go out too
        }
        return reply;
    }

    private SmtpReply Deliver(Transaction tx, byte[]? extraHeader)
    {
        var started = DateTime.UtcNow;
        var message = tx.Message!;
        var mailboxes = Mailboxes(tx);
        try
        {
            if (mailboxes.Count > 0)
                message.Commit(mailboxes, mailbox => extraHeader is null ? DeliveryHeader(tx, mailbox) : [.. DeliveryHeader(tx, mailbox), .. extraHeader]);
        }
        catch (DeliveryException e)
        {
            string reason = e.Reason switch { DeliveryFailure.OverQuota => "quota", DeliveryFailure.TooLarge => "size", _ => "storage" };
            _metrics.Increment("letterbox_smtp_rejected_total", 1, ("reason", reason));
            _log.Warn("delivery failed", ("conn", _id), ("client", _client), ("from", tx.Sender.ToPath()), ("reason", reason), ("error", e.Message));
            return e.Reason switch
            {
                DeliveryFailure.OverQuota when e.Permanent => new SmtpReply(552, EnhancedStatus.MailboxFull, "Mailbox full"),
                DeliveryFailure.OverQuota => new SmtpReply(452, EnhancedStatus.MailboxFull, "Mailbox full, try again later"),
                DeliveryFailure.TooLarge => SmtpReplies.MessageTooBig,
                _ => new SmtpReply(451, EnhancedStatus.OtherMailSystem, "Error: local delivery failed, try again later"),
            };
        }
        _messages++;
        long size = message.Length;
        _metrics.Increment("letterbox_smtp_messages_total", 1, ("result", "accepted"));
        _metrics.Increment("letterbox_smtp_bytes_total", size);
        _log.Info("message accepted", ("conn", _id), ("client", _client), ("helo", _helo), ("tls", _tls is not null),
            ("from", tx.Sender.ToPath()), ("rcpts", string.Join(',', tx.Recipients.Select(r => r.Address))),
            ("size", size), ("ms", (int)(DateTime.UtcNow - started).TotalMilliseconds));
        return new SmtpReply(250, EnhancedStatus.Undefined, $"Ok: queued as {_id}.{_messages}");
    }

    private static List<Mailbox> Mailboxes(Transaction tx) =>
        tx.Recipients.SelectMany(r => r.Mailboxes).DistinctBy(m => m.Directory).ToList();

    /// <summary>Return-Path and Delivered-To are per recipient (RFC 5321 §4.4, RFC 9228), added at delivery.</summary>
    private static byte[] DeliveryHeader(Transaction tx, Mailbox mailbox) =>
        Encoding.UTF8.GetBytes($"Return-Path: {tx.Sender.ToPath()}\r\nDelivered-To: {mailbox.Address}\r\n");

    /// <summary>
    /// The trace header (RFC 5321 §4.4), in the form Postfix uses, with the TLS version and cipher
    /// (RFC 8314 §7.4 suggests recording them). "for" names the recipient only when there is one,
    /// so one recipient does not learn who else got the message.
    /// </summary>
    private string ReceivedHeader(Transaction tx)
    {
        // RFC 3848: ESMTPS with TLS, ESMTPSA when also authenticated.
        string with = (tx.SmtpUtf8 ? "UTF8SMTP" : _esmtp ? "ESMTP" : "SMTP") + (_tls is not null ? "S" : "") + (_user is not null ? "A" : "");
        var sb = new StringBuilder("Received: from ");
        sb.Append(_helo ?? "unknown").Append(" ([").Append(_client).Append("])\r\n");
        sb.Append("\tby ").Append(_options.Hostname).Append(" (Letterbox) with ").Append(with).Append(" id ").Append(_id).Append('.').Append(_messages + 1);
        if (_tls is not null)
            sb.Append("\r\n\t(using ").Append(TlsName(_tls.SslProtocol)).Append(" with cipher ").Append(_tls.NegotiatedCipherSuite).Append(')');
        if (tx.Recipients.Count == 1)
            sb.Append("\r\n\tfor <").Append(tx.Recipients[0].Address).Append('>');
        sb.Append(";\r\n\t").Append(DateTimeOffset.UtcNow.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture)).Append("\r\n");
        return sb.ToString();
    }

    private static string TlsName(System.Security.Authentication.SslProtocols p) => p switch
    {
        System.Security.Authentication.SslProtocols.Tls13 => "TLSv1.3",
        System.Security.Authentication.SslProtocols.Tls12 => "TLSv1.2",
        _ => p.ToString(),
    };
}
