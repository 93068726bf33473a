using System.Buffers;
using Letterbox.Protocol.Smtp;
using Letterbox.Store;

namespace Letterbox.Daemons.Smtp;

/// <summary>The command table and one handler per verb (RFC 5321 §4.1.1).</summary>
public sealed partial class SmtpSession
{
    private enum CommandOutcome { Continue, StartTls }

    private async Task<CommandOutcome> HandleCommandAsync(ReadOnlySequence<byte> line)
    {
        var context = new SmtpParseContext(Advertised)
        {
            TransactionSmtpUtf8 = _transaction?.SmtpUtf8 ?? false,
            // Known mechanisms reach OnAuthAsync even before TLS, to be told why they cannot be used.
            AuthMechanisms = _role == SmtpRole.Mx ? null : Mechanisms,
        };
        var parsed = SmtpCommandParser.Parse(line, context);

        // The state check comes before argument errors: "MAIL" out of order is a sequence error
        // whatever its arguments (RFC 5321 §4.1.4: 503 for commands out of order).
        var sequenceError = CheckSequence(parsed.Verb);
        if (sequenceError is not null)
        {
            if (parsed.Verb == SmtpVerb.Bdat && parsed.Command is BdatCommand refused)
                SkipChunk(refused); // its octets follow regardless; they must be read, not parsed as commands
            else if (parsed.Verb == SmtpVerb.Bdat)
                _mode = Mode.Quit; // unknown chunk size: the stream cannot be followed any more
            Error(sequenceError);
            return CommandOutcome.Continue;
        }
        if (!parsed.IsSuccess)
        {
            if (parsed.Verb == SmtpVerb.Bdat)
            {
                // RFC 3030 §2: without a valid size we cannot find the next command; give up cleanly.
                Error(parsed.Error!.Value.ToReply());
                _mode = Mode.Quit;
                ResetTransaction();
                return CommandOutcome.Continue;
            }
            Error(parsed.Error!.Value.ToReply());
            return CommandOutcome.Continue;
        }

        switch (parsed.Command)
        {
            case HeloCommand helo: OnHelo(helo); break;
            case MailCommand mail: OnMail(mail); break;
            case RcptCommand rcpt: OnRcpt(rcpt); break;
            case BdatCommand bdat: OnBdat(bdat); break;
            case AuthCommand auth: await OnAuthAsync(auth); break;
            case TextCommand text:
                switch (text.Verb)
                {
                    case SmtpVerb.Data: OnData(); break;
                    case SmtpVerb.Rset: OnRset(); break;
                    case SmtpVerb.Noop: Reply(250, EnhancedStatus.Undefined, "Ok"); break;
                    case SmtpVerb.Quit: OnQuit(); break;
                    case SmtpVerb.Help: Reply(214, EnhancedStatus.Undefined, "See RFC 5321; commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY STARTTLS"); break;
                    // RFC 5321 §3.5.3: 252 when we will not verify (never disclose who exists).
                    case SmtpVerb.Vrfy: Reply(252, EnhancedStatus.DestinationValid, "Cannot VRFY user, but will accept message and attempt delivery"); break;
                    case SmtpVerb.Expn: Error(502, EnhancedStatus.InvalidCommand, "Error: command not implemented"); break;
                    case SmtpVerb.StartTls: return OnStartTls() ? CommandOutcome.StartTls : CommandOutcome.Continue;
                }
                break;
        }
        return CommandOutcome.Continue;
    }

    /// <summary>Which verbs each state allows; null when allowed, else the 503 reply.</summary>
    private SmtpReply? CheckSequence(SmtpVerb verb) => verb switch
    {
        SmtpVerb.Mail when _state == State.Connected => Sequence("Error: send HELO/EHLO first"),
        SmtpVerb.Mail when _state != State.Greeted => Sequence("Error: nested MAIL command"),
        SmtpVerb.Rcpt when _state is State.Connected or State.Greeted => Sequence("Error: need MAIL command"),
        SmtpVerb.Data when _bdatInProgress => Sequence("Error: DATA not allowed in a BDAT transaction"),
        SmtpVerb.Data or SmtpVerb.Bdat when _state != State.Rcpt => Sequence(_state == State.Mail ? "Error: need RCPT command" : "Error: need MAIL command"),
        SmtpVerb.StartTls when _tls is not null => Sequence("Error: TLS already active"),
        _ => null,
    };

    private static SmtpReply Sequence(string text) => new(503, EnhancedStatus.InvalidCommand, text);

    private void OnHelo(HeloCommand helo)
    {
        if (!helo.IsValidSyntax)
        {
            Error(501, EnhancedStatus.InvalidArguments, "Error: invalid HELO/EHLO argument");
            return;
        }
        // RFC 5321 §4.1.4: EHLO/HELO anywhere resets the transaction, like RSET.
        ResetTransaction();
        _helo = helo.Host;
        _esmtp = helo.IsExtended;
        _state = State.Greeted;
        if (helo.IsExtended)
            Reply(SmtpEhloReply.Create(_options.Hostname, Advertised, _tls is not null, _options.MaxMessageSize, OfferedMechanisms));
        else
            Reply(250, null, _options.Hostname);
    }

    private void OnMail(MailCommand mail)
    {
        // RFC 1870 §6.2: a declared size over our limit is refused before any data moves.
        if (mail.Parameters.Size is { } declared && declared > _options.MaxMessageSize)
        {
            _metrics.Increment("letterbox_smtp_rejected_total", 1, ("reason", "size_declared"));
            Error(552, EnhancedStatus.MessageTooBig, "Message size exceeds fixed maximum message size");
            return;
        }
        if (_role != SmtpRole.Mx && !MaySend(mail.ReversePath))
            return;
        _transaction = new Transaction(mail.ReversePath, mail.Parameters.SmtpUtf8, mail.Parameters.Body);
        _state = State.Mail;
        Reply(250, EnhancedStatus.OtherAddress, "Ok");
    }

    private void OnRcpt(RcptCommand rcpt)
    {
        var tx = _transaction!;
        if (tx.Recipients.Count >= _options.MaxRecipients)
        {
            // RFC 5321 §4.5.3.1.10: 452 for too many recipients, so the client sends the rest later.
            Error(452, EnhancedStatus.TooManyRecipients, "Error: too many recipients");
            return;
        }
        var address = rcpt.ForwardPath;
        if (address.IsAddressLiteral)
        {
            Error(550, EnhancedStatus.BadDestinationMailbox, "Error: address literals are not accepted as recipients");
            return;
        }
        string text = address.IsPostmaster && address.Domain.Length == 0 ? $"postmaster@{_options.PrimaryDomain}" : address.ToString();
        var resolution = _store.Accounts.Resolve(text);
        switch (resolution.Kind)
        {
            case ResolutionKind.NotOurDomain when _user is not null || IsTrustedClient:
                // An authenticated user's mail for the rest of the world, or a device's on a network
                // the operator listed in smtp.trusted_networks: the outbound queue carries it.
                tx.Recipients.Add(new Recipient(text, [], [text]));
                _state = State.Rcpt;
                Reply(250, EnhancedStatus.DestinationValid, "Ok");
                return;
            case ResolutionKind.NotOurDomain:
                // Never an open relay: without authentication we take mail only for our domains.
                _metrics.Increment("letterbox_smtp_rejected_total", 1, ("reason", "relay_denied"));
                Error(554, EnhancedStatus.DeliveryNotAuthorized, $"<{text}>: Relay access denied");
                return;
            case ResolutionKind.Local:
            case ResolutionKind.Forward:
                // An alias may also point elsewhere: those copies go through the outbound queue.
                break;
            default:
                // Unknown here: refused now, so we never accept and bounce later (no backscatter).
                _metrics.Increment("letterbox_smtp_rejected_total", 1, ("reason", "unknown_user"));
                Error(550, EnhancedStatus.BadDestinationMailbox, $"<{text}>: Recipient address rejected: User unknown");
                return;
        }
        foreach (var mailbox in resolution.Mailboxes)
        {
            if (_store.Accounts.CheckQuota(mailbox, 0) != QuotaStatus.Ok)
            {
                _metrics.Increment("letterbox_smtp_rejected_total", 1, ("reason", "quota"));
                Error(452, EnhancedStatus.MailboxFull, $"<{text}>: Mailbox full, try again later");
                return;
            }
        }
        tx.Recipients.Add(new Recipient(text, resolution.Mailboxes, resolution.Forwards));
        _state = State.Rcpt;
        Reply(250, EnhancedStatus.DestinationValid, "Ok");
    }

    /// <summary>
    /// Submission (RFC 6409 §4.3, §6.1): MAIL only after AUTH, and only from an address that delivers
    /// to the logged-in user (their own, plus-tagged, an alias of theirs, a domain alias), so that
    /// no user sends as another and the DKIM signature we add is honest. Replies and returns false otherwise.
    /// </summary>
    private bool MaySend(SmtpAddress sender)
    {
        if (_user is null)
        {
            _metrics.Increment("letterbox_smtp_rejected_total", 1, ("reason", "auth_required"));
            Error(530, EnhancedStatus.OtherSecurity, "Authentication required");
            return false;
        }
        if (sender.IsNull || !_store.Accounts.MaySendAs(_user.Address, sender.ToString()))
        {
            _metrics.Increment("letterbox_smtp_rejected_total", 1, ("reason", "sender_not_owned"));
            _log.Info("sender refused", ("conn", _id), ("client", _client), ("user", _user.Address), ("from", sender.ToPath()));
            Error(553, EnhancedStatus.DeliveryNotAuthorized, $"{sender.ToPath()}: Sender address not owned by user {_user.Address}");
            return false;
        }
        if (!_submission.RateLimit.Allows(_user.Address))
        {
            _metrics.Increment("letterbox_smtp_rejected_total", 1, ("reason", "rate_limit"));
            _log.Warn("send rate limit reached", ("conn", _id), ("client", _client), ("user", _user.Address));
            Error(451, EnhancedStatus.DeliveryNotAuthorized, "Sending rate limit exceeded, try again later");
            return false;
        }
        return true;
    }

    private bool IsTrustedClient => _options.TrustedNetworks.Any(n => n.Contains(_client));

    private void OnRset()
    {
        ResetTransaction();
        if (_state != State.Connected)
            _state = State.Greeted;
        Reply(250, EnhancedStatus.Undefined, "Ok");
    }

    private void OnQuit()
    {
        Reply(221, EnhancedStatus.Undefined, "Bye");
        _mode = Mode.Quit;
    }

    private bool OnStartTls()
    {
        if (_certificate is null)
        {
            Error(454, EnhancedStatus.OtherSecurity, "TLS not available due to temporary reason");
            return false;
        }
        Reply(220, EnhancedStatus.Undefined, "Ready to start TLS");
        return true;
    }
}
