using System.Text;
using Letterbox.Protocol.Imap;
using Letterbox.Store;
using MimeKit;
using MimeKit.Utils;

namespace Letterbox.Daemons.Imap;

/// <summary>Message commands: STORE, COPY, MOVE, SEARCH, APPEND.</summary>
public sealed partial class ImapSession
{
    private ImapStatusResponse DispatchMessages(ImapCommand c) => c switch
    {
        ImapStoreCommand s => OnStore(s),
        ImapCopyCommand copy => OnCopy(copy),
        ImapSearchCommand search => OnSearch(search),
        _ => ImapStatusResponse.Bad(c.Tag, "Not implemented"),
    };

    private static bool TryFlags(IReadOnlyList<string> names, out MessageFlags flags, out List<string> keywords)
    {
        flags = MessageFlags.None;
        keywords = [];
        foreach (var name in names)
        {
            switch (name.ToUpperInvariant())
            {
                case "\\SEEN": flags |= MessageFlags.Seen; break;
                case "\\ANSWERED": flags |= MessageFlags.Answered; break;
                case "\\FLAGGED": flags |= MessageFlags.Flagged; break;
                case "\\DELETED": flags |= MessageFlags.Deleted; break;
                case "\\DRAFT": flags |= MessageFlags.Draft; break;
                case "\\RECENT": break; // RFC 3501 §2.3.2: not settable; ignored
                default:
                    if (name.StartsWith('\\'))
                        return false;
                    keywords.Add(name);
                    break;
            }
        }
        return true;
    }

    private ImapStatusResponse OnStore(ImapStoreCommand c)
    {
        var view = _view!;
        if (view.ReadOnly)
            return ImapStatusResponse.No(c.Tag, "Mailbox is read-only", ImapResponseCode.ReadOnly);
        if (!TryFlags(c.Flags, out var flags, out var keywords))
            return ImapStatusResponse.Bad(c.Tag, "Unknown system flag");
        var targets = Select(c.Set, c.IsUid);
        if (targets is null)
            return ImapStatusResponse.Bad(c.Tag, "Invalid sequence number");
        if (c.UnchangedSince is not null)
            _condStore = true;
        var op = c.Action switch { ImapStoreAction.Add => FlagOperation.Add, ImapStoreAction.Remove => FlagOperation.Remove, _ => FlagOperation.Replace };
        var result = view.SetFlags(targets.Select(t => t.Message.Uid), op, flags, keywords, c.UnchangedSince, catchUp: true);
        if (!c.Silent || c.UnchangedSince is not null)
        {
            foreach (var m in result.Updated)
            {
                int seq = view.SequenceOf(m.Uid);
                _w.Untagged().Number((ulong)seq).Raw(" FETCH ("u8);
                if (c.IsUid)
                    _w.Raw("UID "u8).Number(m.Uid).Space();
                if (!c.Silent)
                    _w.Raw("FLAGS "u8).FlagList(FlagsOf(m));
                if (_condStore)
                    _w.Raw(c.Silent ? "MODSEQ ("u8 : " MODSEQ ("u8).Number(m.ModSeq).Raw(")"u8);
                _w.Raw(")"u8).EndLine();
            }
        }
        // Everyone else's changes, caught up with in the same transaction (no EXPUNGE during STORE).
        Report(result.Changes!);
        _synced = true;
        if (result.Failed.Count > 0)
        {
            // RFC 7162 §3.1.3: the messages not stored because they changed.
            var failed = c.IsUid ? result.Failed : result.Failed.Select(u => (uint)view.SequenceOf(u));
            return ImapStatusResponse.Ok(c.Tag, "Conditional STORE failed", "MODIFIED " + ImapSequenceSet.Format(failed));
        }
        return ImapStatusResponse.Ok(c.Tag, "STORE completed");
    }

    private ImapStatusResponse OnCopy(ImapCopyCommand c)
    {
        var view = _view!;
        var targets = Select(c.Set, c.IsUid);
        if (targets is null)
            return ImapStatusResponse.Bad(c.Tag, "Invalid sequence number");
        string verb = c.Kind == ImapCommandKind.Move ? "MOVE" : "COPY";
        if (targets.Count == 0)
        {
            if (!_folders!.Exists(c.Mailbox))
                return ImapStatusResponse.No(c.Tag, "No such mailbox", ImapResponseCode.TryCreate);
            return ImapStatusResponse.Ok(c.Tag, verb + " completed, nothing to do");
        }
        var uids = targets.Select(t => t.Message.Uid).ToList();
        if (c.Kind == ImapCommandKind.Move)
        {
            if (view.ReadOnly)
                return ImapStatusResponse.No(c.Tag, "Mailbox is read-only", ImapResponseCode.ReadOnly);
            var moved = view.MoveTo(c.Mailbox, uids);
            // RFC 6851 §4.3: COPYUID in an untagged OK before the expunges.
            Untagged("OK [" + CopyUid(moved.Copy) + "] Moved");
            Report(moved.Changes);
            _synced = true; // the expunge was a sync of the whole folder
            return ImapStatusResponse.Ok(c.Tag, "MOVE completed");
        }
        var copied = view.CopyTo(c.Mailbox, uids);
        return ImapStatusResponse.Ok(c.Tag, "COPY completed", copied.Uids.Count > 0 ? CopyUid(copied) : null);
    }

    /// <summary>COPYUID (RFC 4315 §3): destination UIDVALIDITY, source UIDs, destination UIDs, in the same order.</summary>
    private static string CopyUid(CopyResult r) =>
        "COPYUID " + Num(r.UidValidity) + " " + string.Join(',', r.Uids.Select(p => Num(p.Source))) + " " + string.Join(',', r.Uids.Select(p => Num(p.Destination)));

    // ---- APPEND (RFC 9051 §6.3.12, RFC 4315 APPENDUID, RFC 7889 APPENDLIMIT) ----

    private void OnAppendLiteral(ImapReadResult r)
    {
        var early = ImapCommandParser.Parse(_reader.Frame, ParseOptions);
        if (!early.IsSuccess)
        {
            _reader.RejectMessage(early.Error);
            return;
        }
        if (_state is not (State.Authenticated or State.Selected) || early.Command is not ImapAppendCommand append)
        {
            _reader.RejectMessage(ImapStatusResponse.Bad(early.Tag, "APPEND not allowed now"));
            return;
        }
        if (append.Utf8 && !_utf8)
        {
            // RFC 6855 §4: the UTF8 APPEND data item only after ENABLE UTF8=ACCEPT.
            _reader.RejectMessage(ImapStatusResponse.Bad(append.Tag, "ENABLE UTF8=ACCEPT first"));
            return;
        }
        if (!_folders!.Exists(append.Mailbox))
        {
            _reader.RejectMessage(ImapStatusResponse.No(append.Tag, "No such mailbox", ImapResponseCode.TryCreate));
            return;
        }
        if (!TryFlags(append.Flags, out _, out _))
        {
            _reader.RejectMessage(ImapStatusResponse.Bad(append.Tag, "Unknown system flag"));
            return;
        }
        DropAppend();
        // The message goes to a temp file that vanishes with the handle: a client that disconnects
        // mid-literal leaves nothing behind (RFC 9051 §6.3.12: nothing is appended on failure).
        string tmp = Path.Combine(_folders.Mailbox.Directory, "tmp");
        Directory.CreateDirectory(tmp);
        _appendSink = new FileStream(Path.Combine(tmp, "letterbox-append-" + Guid.NewGuid().ToString("N")), FileMode.CreateNew,
            FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
        _append = append;
        _reader.AcceptMessage();
        if (r.IsSynchronizing)
            _w.Continuation("Ready for literal data");
    }

    private ImapStatusResponse OnAppend(ImapAppendCommand c)
    {
        if (_appendSink is null || _append is null)
            return ImapStatusResponse.Bad(c.Tag, "Missing message literal");
        try
        {
            TryFlags(c.Flags, out var flags, out var keywords);
            _appendSink.Position = 0;
            var result = _folders!.Append(c.Mailbox, _appendSink, flags, keywords, c.InternalDate, _view);
            if (result.Changes is { } changes)
            {
                Report(changes); // the selected folder: RFC 9051 §6.3.12 wants the EXISTS now
                _synced = true;
            }
            return ImapStatusResponse.Ok(c.Tag, "APPEND completed", "APPENDUID " + Num(result.UidValidity) + " " + Num(result.Uid));
        }
        finally
        {
            DropAppend();
        }
    }

    private void DropAppend()
    {
        _appendSink?.Dispose();
        _appendSink = null;
        _append = null;
    }

    // ---- SEARCH (RFC 9051 §6.4.4, ESEARCH RFC 4731) ----

    private ImapStatusResponse OnSearch(ImapSearchCommand c)
    {
        var view = _view!;
        var messages = view.Messages;
        var hits = new List<(int Seq, MessageInfo Message)>();
        for (int i = 0; i < messages.Count; i++)
        {
            var context = new SearchContext(this, i + 1, messages[i]);
            try
            {
                if (context.Matches(c.Criteria, 0))
                    hits.Add((i + 1, messages[i]));
            }
            finally
            {
                context.Dispose();
            }
        }
        var numbers = hits.Select(h => c.IsUid ? h.Message.Uid : (uint)h.Seq).ToList();
        if (c.Return.HasFlag(ImapSearchReturn.Save))
        {
            // RFC 5182 §2.4: with MIN and/or MAX only those are saved; otherwise every match. Kept as UIDs.
            var save = hits;
            if (c.Return.HasFlag(ImapSearchReturn.Min) || c.Return.HasFlag(ImapSearchReturn.Max))
            {
                bool all = c.Return.HasFlag(ImapSearchReturn.All) || c.Return.HasFlag(ImapSearchReturn.Count);
                if (!all && hits.Count > 0)
                {
                    save = [];
                    if (c.Return.HasFlag(ImapSearchReturn.Min)) save.Add(hits[0]);
                    if (c.Return.HasFlag(ImapSearchReturn.Max) && hits.Count > 1) save.Add(hits[^1]);
                }
            }
            _saved = save.Select(h => h.Message.Uid).ToHashSet();
            // RFC 5182 §2.4: SAVE alone returns no ESEARCH.
            if ((c.Return & ~ImapSearchReturn.Save) == ImapSearchReturn.None)
                return ImapStatusResponse.Ok(c.Tag, "SEARCH completed, result saved");
        }
        if (c.HasReturn || _rev2)
        {
            var ret = c.Return == ImapSearchReturn.None ? ImapSearchReturn.All : c.Return;
            var sb = new StringBuilder("ESEARCH (TAG \"").Append(c.Tag).Append("\")");
            if (c.IsUid)
                sb.Append(" UID");
            if (numbers.Count > 0)
            {
                if (ret.HasFlag(ImapSearchReturn.Min)) sb.Append(" MIN ").Append(Num(numbers.Min()));
                if (ret.HasFlag(ImapSearchReturn.Max)) sb.Append(" MAX ").Append(Num(numbers.Max()));
                if (ret.HasFlag(ImapSearchReturn.All)) sb.Append(" ALL ").Append(ImapSequenceSet.Format(numbers));
            }
            if (ret.HasFlag(ImapSearchReturn.Count)) sb.Append(" COUNT ").Append(Num(numbers.Count));
            Untagged(sb.ToString());
        }
        else
        {
            Untagged("SEARCH" + string.Concat(numbers.Select(n => " " + Num(n))));
        }
        return ImapStatusResponse.Ok(c.Tag, "SEARCH completed");
    }

    /// <summary>One message under evaluation; its parsed form is loaded only when a key needs it.</summary>
    private sealed class SearchContext(ImapSession session, int seq, MessageInfo message) : IDisposable
    {
        private MimeMessage? _parsed;
        private bool _loaded;
        private HeaderCache.Field[]? _headers;
        private bool _headersLoaded;

        public void Dispose() => _parsed?.Dispose();

        /// <summary>
        /// The header alone for keys that need nothing else (FROM, SUBJECT, HEADER, SENT*): reading
        /// stops at the blank line, so a header search does not parse every body in the folder,
        /// and what was read is kept (<see cref="HeaderCache"/>) for the next search.
        /// </summary>
        private HeaderCache.Field[]? Headers()
        {
            if (!_headersLoaded)
            {
                _headersLoaded = true;
                _headers = HeaderCache.Get(session._view!, message);
            }
            return _headers;
        }

        private MimeMessage? Parsed()
        {
            if (_loaded)
                return _parsed;
            _loaded = true;
            using var stream = session._view!.OpenMessage(message.Uid);
            if (stream is not null)
                _parsed = MimeMessage.Load(stream);
            return _parsed;
        }

        private static bool Has(string? text, string value) => text is not null && text.Contains(value, StringComparison.OrdinalIgnoreCase);

        private bool HeaderHas(string field, string value)
        {
            var headers = Headers();
            if (headers is null)
                return false;
            foreach (var h in headers)
                if (h.Name.Equals(field, StringComparison.OrdinalIgnoreCase) && (value.Length == 0 || Has(h.Value, value)))
                    return true;
            return false;
        }

        private bool BodyHas(string value)
        {
            var m = Parsed();
            if (m is null)
                return false;
            foreach (var part in m.BodyParts)
                if (part is TextPart text && Has(text.Text, value))
                    return true;
            return false;
        }

        private DateOnly? SentDate()
        {
            string? date = null;
            foreach (var h in Headers() ?? [])
            {
                if (h.Name.Equals("Date", StringComparison.OrdinalIgnoreCase))
                {
                    date = h.Value;
                    break;
                }
            }
            return date is not null && DateUtils.TryParse(date, out var sent) ? DateOnly.FromDateTime(sent.Date) : null;
        }

        public bool Matches(ImapSearchKey key, int depth)
        {
            var f = message.Flags;
            var internalDate = DateOnly.FromDateTime(message.InternalDate.Date);
            return key switch
            {
                ImapSearchAndKey and => and.Operands.All(k => Matches(k, depth + 1)),
                ImapSearchOrKey or => Matches(or.Left, depth + 1) || Matches(or.Right, depth + 1),
                ImapSearchNotKey not => !Matches(not.Operand, depth + 1),
                ImapSearchSetKey { Set.IsSavedResult: true } => session._saved.Contains(message.Uid), // RFC 5182 §2.1
                ImapSearchSetKey { Kind: ImapSearchKeyKind.Uid } s => s.Set.Contains(message.Uid, session._view!.Messages[^1].Uid),
                ImapSearchSetKey s => s.Set.Contains((uint)seq, (uint)session._view!.Messages.Count),
                ImapSearchTextKey { Kind: ImapSearchKeyKind.Keyword } k => message.Keywords.Contains(k.Value, StringComparer.OrdinalIgnoreCase),
                ImapSearchTextKey { Kind: ImapSearchKeyKind.Unkeyword } k => !message.Keywords.Contains(k.Value, StringComparer.OrdinalIgnoreCase),
                ImapSearchTextKey { Kind: ImapSearchKeyKind.From } k => HeaderHas("From", k.Value),
                ImapSearchTextKey { Kind: ImapSearchKeyKind.To } k => HeaderHas("To", k.Value),
                ImapSearchTextKey { Kind: ImapSearchKeyKind.Cc } k => HeaderHas("Cc", k.Value),
                ImapSearchTextKey { Kind: ImapSearchKeyKind.Bcc } k => HeaderHas("Bcc", k.Value),
                ImapSearchTextKey { Kind: ImapSearchKeyKind.Subject } k => HeaderHas("Subject", k.Value),
                ImapSearchTextKey { Kind: ImapSearchKeyKind.Body } k => BodyHas(k.Value),
                ImapSearchTextKey { Kind: ImapSearchKeyKind.Text } k => BodyHas(k.Value) || (Parsed()?.Headers.Any(h => Has(h.Value, k.Value)) ?? false),
                ImapSearchHeaderKey h => HeaderHas(h.FieldName, h.Value),
                ImapSearchDateKey { Kind: ImapSearchKeyKind.Before } d => internalDate < d.Date,
                ImapSearchDateKey { Kind: ImapSearchKeyKind.On } d => internalDate == d.Date,
                ImapSearchDateKey { Kind: ImapSearchKeyKind.Since } d => internalDate >= d.Date,
                ImapSearchDateKey { Kind: ImapSearchKeyKind.SentBefore } d => SentDate() is { } s && s < d.Date,
                ImapSearchDateKey { Kind: ImapSearchKeyKind.SentOn } d => SentDate() is { } s && s == d.Date,
                ImapSearchDateKey { Kind: ImapSearchKeyKind.SentSince } d => SentDate() is { } s && s >= d.Date,
                ImapSearchSizeKey { Kind: ImapSearchKeyKind.Larger } s => message.Size > s.Size,
                ImapSearchSizeKey s => message.Size < s.Size,
                ImapSearchModSeqKey m => message.ModSeq >= m.ModSeq,
                _ => key.Kind switch
                {
                    ImapSearchKeyKind.All => true,
                    ImapSearchKeyKind.Answered => f.HasFlag(MessageFlags.Answered),
                    ImapSearchKeyKind.Deleted => f.HasFlag(MessageFlags.Deleted),
                    ImapSearchKeyKind.Draft => f.HasFlag(MessageFlags.Draft),
                    ImapSearchKeyKind.Flagged => f.HasFlag(MessageFlags.Flagged),
                    ImapSearchKeyKind.Seen => f.HasFlag(MessageFlags.Seen),
                    ImapSearchKeyKind.Unanswered => !f.HasFlag(MessageFlags.Answered),
                    ImapSearchKeyKind.Undeleted => !f.HasFlag(MessageFlags.Deleted),
                    ImapSearchKeyKind.Undraft => !f.HasFlag(MessageFlags.Draft),
                    ImapSearchKeyKind.Unflagged => !f.HasFlag(MessageFlags.Flagged),
                    ImapSearchKeyKind.Unseen => !f.HasFlag(MessageFlags.Seen),
                    ImapSearchKeyKind.Recent => message.Recent,
                    ImapSearchKeyKind.New => message.Recent && !f.HasFlag(MessageFlags.Seen),
                    ImapSearchKeyKind.Old => !message.Recent,
                    _ => false,
                },
            };
        }
    }
}
