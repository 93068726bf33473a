using System.Globalization;
using System.Text;
using Letterbox.Protocol.Imap;
using Letterbox.Store;

namespace Letterbox.Daemons.Imap;

/// <summary>Mailbox commands: LIST, LSUB, STATUS, CREATE, DELETE, RENAME, (UN)SUBSCRIBE, SELECT, EXAMINE, CLOSE, UNSELECT, EXPUNGE.</summary>
public sealed partial class ImapSession
{
    private ImapStatusResponse DispatchMailbox(ImapCommand c)
    {
        var folders = _folders!;
        switch (c)
        {
            case ImapListCommand list:
                return OnList(list);
            case ImapStatusCommand status:
                return OnStatus(status);
            case ImapSelectCommand select:
                return OnSelect(select);
            case ImapRenameCommand rename:
                folders.Rename(rename.From, rename.To);
                return ImapStatusResponse.Ok(c.Tag, "RENAME completed");
            case ImapMailboxCommand { Kind: ImapCommandKind.Create } m:
                folders.Create(m.Mailbox.TrimEnd(MailFolders.Separator)); // RFC 9051 §6.3.4: a trailing separator is a hint
                return ImapStatusResponse.Ok(c.Tag, "CREATE completed");
            case ImapMailboxCommand { Kind: ImapCommandKind.Delete } m:
                if (_view is not null && _view.Name == m.Mailbox)
                    return ImapStatusResponse.No(c.Tag, "Mailbox is selected", ImapResponseCode.InUse);
                folders.Delete(m.Mailbox);
                return ImapStatusResponse.Ok(c.Tag, "DELETE completed");
            case ImapMailboxCommand { Kind: ImapCommandKind.Subscribe } m:
                if (!folders.Exists(m.Mailbox))
                    return ImapStatusResponse.No(c.Tag, "No such mailbox", ImapResponseCode.NonExistent);
                folders.Subscribe(m.Mailbox);
                return ImapStatusResponse.Ok(c.Tag, "SUBSCRIBE completed");
            case ImapQuotaCommand q:
                return OnQuota(q);
            case ImapMailboxCommand { Kind: ImapCommandKind.Unsubscribe } m:
                folders.Unsubscribe(m.Mailbox);
                return ImapStatusResponse.Ok(c.Tag, "UNSUBSCRIBE completed");
            case ImapAppendCommand append:
                return OnAppend(append);
            case { Kind: ImapCommandKind.Close or ImapCommandKind.Unselect }:
                if (c.Kind == ImapCommandKind.Close && !_view!.ReadOnly)
                    _view.Expunge(); // RFC 9051 §6.4.1: silently, no EXPUNGE responses
                _view = null;
                _saved = [];
                _state = State.Authenticated;
                return ImapStatusResponse.Ok(c.Tag, c.Kind.ToString().ToUpperInvariant() + " completed");
            case ImapExpungeCommand expunge:
                return OnExpunge(expunge);
            default:
                return DispatchMessages(c);
        }
    }

    private ImapStatusResponse OnList(ImapListCommand c)
    {
        var folders = _folders!;
        bool lsub = c.Kind == ImapCommandKind.Lsub;
        string verb = lsub ? "LSUB" : "LIST";
        if (c.Patterns.Count == 1 && c.Patterns[0].Length == 0 && !lsub)
        {
            // RFC 9051 §6.3.9: the hierarchy delimiter and root.
            Untagged("LIST (\\Noselect) \"/\" \"\"");
            return ImapStatusResponse.Ok(c.Tag, "LIST completed");
        }
        var subscribed = new HashSet<string>(folders.Subscriptions(), StringComparer.Ordinal);
        bool subscribedOnly = lsub || c.Selection.HasFlag(ImapListSelection.Subscribed);
        bool specialOnly = c.Selection.HasFlag(ImapListSelection.SpecialUse);
        bool recursive = !lsub && c.Selection.HasFlag(ImapListSelection.RecursiveMatch);
        var existing = folders.List();
        foreach (var f in existing)
        {
            if (!c.Patterns.Any(p => Matches(f.Name, c.Reference + p)))
                continue;
            bool isSubscribed = subscribed.Contains(f.Name);
            if ((subscribedOnly && !isSubscribed) || (specialOnly && f.SpecialUse == SpecialUse.None))
            {
                // RFC 5258 §3.5: with RECURSIVEMATCH, a mailbox whose descendants match the selection
                // is returned with CHILDINFO, whatever its own state.
                if (recursive && subscribedOnly && subscribed.Any(n => n.StartsWith(f.Name + "/", StringComparison.Ordinal)))
                {
                    _w.Untagged().Raw("LIST ("u8).Raw(Encoding.ASCII.GetBytes(f.HasChildren ? "\\HasChildren" : "\\HasNoChildren"))
                        .Raw(") \"/\" "u8).Mailbox(f.Name).Raw(" (\"CHILDINFO\" (\"SUBSCRIBED\"))"u8).EndLine();
                }
                continue;
            }
            var attrs = new List<string>();
            if (!f.Selectable)
                attrs.Add("\\Noselect");
            attrs.Add(f.HasChildren ? "\\HasChildren" : "\\HasNoChildren");
            if (f.SpecialUse != SpecialUse.None)
                attrs.Add("\\" + f.SpecialUse);
            if (isSubscribed && !lsub && (c.Return.HasFlag(ImapListReturn.Subscribed) || c.Selection.HasFlag(ImapListSelection.Subscribed)))
                attrs.Add("\\Subscribed");
            _w.Untagged().Raw(Encoding.ASCII.GetBytes(verb + " (" + string.Join(' ', attrs) + ") \"/\" ")).Mailbox(f.Name).EndLine();
            if (c.Return.HasFlag(ImapListReturn.Status) && f.Selectable)
                WriteStatus(f.Name, c.StatusItems); // RFC 5819
        }
        if (subscribedOnly && !lsub && !specialOnly)
        {
            // RFC 5258 §3.1: subscribed names that no longer exist are listed as \NonExistent.
            var names = new HashSet<string>(existing.Select(f => f.Name), StringComparer.Ordinal);
            foreach (var name in subscribed.Order(StringComparer.Ordinal))
                if (!names.Contains(name) && c.Patterns.Any(p => Matches(name, c.Reference + p)))
                    _w.Untagged().Raw("LIST (\\NonExistent \\Subscribed) \"/\" "u8).Mailbox(name).EndLine();
        }
        return ImapStatusResponse.Ok(c.Tag, verb + " completed");
    }

    /// <summary>LIST pattern matching (RFC 9051 §6.3.9): * matches anything, % anything but the separator; INBOX case-insensitively.</summary>
    internal static bool Matches(string name, string pattern)
    {
        if (name.StartsWith(MailFolders.Inbox, StringComparison.Ordinal) && pattern.StartsWith(MailFolders.Inbox, StringComparison.OrdinalIgnoreCase))
            pattern = MailFolders.Inbox + pattern[MailFolders.Inbox.Length..];
        return Glob(name, 0, pattern, 0, 0);
    }

    private static bool Glob(string name, int i, string pattern, int j, int depth)
    {
        if (depth > 64)
            return false;
        while (j < pattern.Length)
        {
            char p = pattern[j];
            if (p is '*' or '%')
            {
                for (int k = i; k <= name.Length; k++)
                {
                    if (Glob(name, k, pattern, j + 1, depth + 1))
                        return true;
                    if (k < name.Length && p == '%' && name[k] == MailFolders.Separator)
                        return false;
                }
                return false;
            }
            if (i >= name.Length || name[i] != p)
                return false;
            i++;
            j++;
        }
        return i == name.Length;
    }

    private ImapStatusResponse OnStatus(ImapStatusCommand c)
    {
        WriteStatus(c.Mailbox, c.Items);
        return ImapStatusResponse.Ok(c.Tag, "STATUS completed");
    }

    private void WriteStatus(string mailbox, ImapStatusItems items)
    {
        var s = _folders!.Status(mailbox);
        var parts = new List<string>();
        void Add(ImapStatusItems item, string name, string value)
        {
            if (items.HasFlag(item))
                parts.Add(name + " " + value);
        }
        Add(ImapStatusItems.Messages, "MESSAGES", Num(s.Messages));
        Add(ImapStatusItems.UidNext, "UIDNEXT", Num(s.UidNext));
        Add(ImapStatusItems.UidValidity, "UIDVALIDITY", Num(s.UidValidity));
        Add(ImapStatusItems.Unseen, "UNSEEN", Num(s.Unseen));
        if (items.HasFlag(ImapStatusItems.Deleted))
        {
            var view = _folders.Open(mailbox, FolderAccess.Examine);
            parts.Add("DELETED " + Num(view.Messages.Count(m => m.Flags.HasFlag(MessageFlags.Deleted))));
        }
        Add(ImapStatusItems.Size, "SIZE", Num(s.Size));
        Add(ImapStatusItems.Recent, "RECENT", Num(s.Recent));
        Add(ImapStatusItems.HighestModSeq, "HIGHESTMODSEQ", Num(s.HighestModSeq));
        Add(ImapStatusItems.AppendLimit, "APPENDLIMIT", Num(AppendLimit));
        _w.Untagged().Raw("STATUS "u8).Mailbox(mailbox).Raw(Encoding.ASCII.GetBytes(" (" + string.Join(' ', parts) + ")")).EndLine();
    }

    private static string Num<T>(T value) where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);

    private ImapStatusResponse OnSelect(ImapSelectCommand c)
    {
        // RFC 7162 §3.2.5: QRESYNC in SELECT without ENABLE QRESYNC first is BAD.
        if (c.QResync is not null && !_qresync)
            return ImapStatusResponse.Bad(c.Tag, "ENABLE QRESYNC first");
        if (_view is not null)
        {
            _view = null;
            _saved = [];
            _state = State.Authenticated;
            Untagged("OK [CLOSED] Previous mailbox closed"); // RFC 9051 §7.1, RFC 7162 §3.2.11
        }
        var view = _folders!.Open(c.Mailbox, c.IsReadOnly ? FolderAccess.Examine : FolderAccess.Select);
        if (c.CondStore)
            _condStore = true;
        var flags = SystemFlags.Concat(view.Keywords);
        _w.Untagged().Raw("FLAGS "u8).FlagList(flags).EndLine();
        var permanent = c.IsReadOnly ? [] : view.CanCreateKeywords ? flags.Append("\\*") : flags;
        _w.Untagged().Raw("OK [PERMANENTFLAGS "u8).FlagList(permanent).Raw("] Limited"u8).EndLine();
        Untagged(Num(view.Messages.Count) + " EXISTS");
        if (!_rev2)
            Untagged(Num(view.RecentCount) + " RECENT");
        Untagged("OK [UIDVALIDITY " + Num(view.UidValidity) + "] UIDs valid");
        Untagged("OK [UIDNEXT " + Num(view.UidNext) + "] Predicted next UID");
        Untagged("OK [HIGHESTMODSEQ " + Num(view.HighestModSeq) + "] Highest");
        _view = view;
        _saved = [];
        _state = State.Selected;
        if (c.QResync is { } q && q.UidValidity == view.UidValidity)
            ReportSince(q.KnownUids, q.ModSeq, changedFlags: true);
        return ImapStatusResponse.Ok(c.Tag, c.Kind.ToString().ToUpperInvariant() + " completed",
            view.ReadOnly ? ImapResponseCode.ReadOnly : ImapResponseCode.ReadWrite);
    }

    /// <summary>
    /// QUOTA (RFC 9208): one quota root, "", for all of the user's mailboxes, with the STORAGE
    /// resource in KiB (rounded up) from the account's quota and usage. A user without a quota has
    /// no quota root. SETQUOTA is for the administrator (`letterbox user quota`), never the user.
    /// </summary>
    private ImapStatusResponse OnQuota(ImapQuotaCommand c)
    {
        if (c.Kind == ImapCommandKind.SetQuota)
            return ImapStatusResponse.No(c.Tag, "Quotas are set by the administrator", ImapResponseCode.NoPerm);
        var user = _accounts.FindUser(_account!.Address);
        bool limited = user is not null && user.QuotaBytes > 0;
        if (c.Kind == ImapCommandKind.GetQuotaRoot)
        {
            if (!_folders!.Exists(c.Argument))
                return ImapStatusResponse.No(c.Tag, "No such mailbox", ImapResponseCode.NonExistent);
            _w.Untagged().Raw("QUOTAROOT "u8).Mailbox(c.Argument).Raw(limited ? " \"\""u8 : ""u8).EndLine();
        }
        else if (!limited || c.Argument.Length != 0)
            return ImapStatusResponse.No(c.Tag, "No such quota root", ImapResponseCode.NonExistent);
        if (limited)
        {
            long usage = user!.UsageBytes ?? _accounts.RecountUsage(user.Address);
            Untagged("QUOTA \"\" (STORAGE " + Num((usage + 1023) / 1024) + " " + Num(user.QuotaBytes / 1024) + ")");
        }
        return ImapStatusResponse.Ok(c.Tag, c.Kind.ToString().ToUpperInvariant() + " completed");
    }

    private static readonly string[] SystemFlags = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"];

    private ImapStatusResponse OnExpunge(ImapExpungeCommand c)
    {
        var view = _view!;
        if (view.ReadOnly)
            return ImapStatusResponse.No(c.Tag, "Mailbox is read-only", ImapResponseCode.ReadOnly);
        IReadOnlyCollection<uint>? uids = null;
        if (c.UidSet is { } set)
        {
            uids = UidsIn(set);
        }
        Report(view.Expunge(uids));
        return ImapStatusResponse.Ok(c.Tag, "EXPUNGE completed");
    }

    /// <summary>Untagged responses for changes (index README: EXPUNGE descending, EXISTS, FETCH FLAGS).</summary>
    private void Report(FolderChanges changes)
    {
        if (_qresync)
        {
            // RFC 7162 §3.2.10: with QRESYNC enabled, VANISHED (UIDs) replaces EXPUNGE.
            if (changes.Expunged.Count > 0)
                Untagged("VANISHED " + ImapSequenceSet.Format(changes.Expunged.Order()));
        }
        else
        {
            foreach (int n in changes.ExpungedSequenceNumbers)
                Untagged(Num(n) + " EXPUNGE");
        }
        if (changes.Added.Count > 0 || changes.Expunged.Count > 0)
            Untagged(Num(changes.Exists) + " EXISTS");
        if (changes.Added.Count > 0 && !_rev2)
            Untagged(Num(_view!.RecentCount) + " RECENT");
        foreach (var m in changes.FlagsChanged)
        {
            int seq = _view!.SequenceOf(m.Uid);
            if (seq <= 0)
                continue;
            _w.Untagged().Number((ulong)seq).Raw(" FETCH (UID "u8).Number(m.Uid).Raw(" FLAGS "u8).FlagList(FlagsOf(m));
            if (_condStore)
                _w.Raw(" MODSEQ ("u8).Number(m.ModSeq).Raw(")"u8);
            _w.Raw(")"u8).EndLine();
        }
    }

    private IEnumerable<string> FlagsOf(MessageInfo m)
    {
        if (m.Flags.HasFlag(MessageFlags.Answered)) yield return "\\Answered";
        if (m.Flags.HasFlag(MessageFlags.Flagged)) yield return "\\Flagged";
        if (m.Flags.HasFlag(MessageFlags.Deleted)) yield return "\\Deleted";
        if (m.Flags.HasFlag(MessageFlags.Seen)) yield return "\\Seen";
        if (m.Flags.HasFlag(MessageFlags.Draft)) yield return "\\Draft";
        if (m.Recent && !_rev2) yield return "\\Recent";
        foreach (var k in m.Keywords)
            yield return k;
    }

    /// <summary>
    /// QRESYNC (RFC 7162 §3.2.5, §3.2.6): "* VANISHED (EARLIER)" for the UIDs in <paramref name="known"/>
    /// (all below UIDNEXT when null) that are gone, then FETCH (UID FLAGS MODSEQ) for messages changed
    /// after <paramref name="modSeq"/> (only those in <paramref name="known"/> when given). The index
    /// does not keep the mod-sequence of each expunge, so VANISHED names every UID of the range that
    /// no longer exists, expunged before <paramref name="modSeq"/> or after: a superset the client
    /// drops from its cache just the same (Dovecot does likewise once its log is trimmed).
    /// </summary>
    private void ReportSince(ImapSequenceSet? known, ulong modSeq, bool changedFlags)
    {
        var view = _view!;
        uint top = view.UidNext - 1;
        if (top == 0)
            return;
        var range = (known ?? ImapSequenceSet.Of(new ImapSequenceRange(1, ImapSequenceRange.Star))).Resolve(top);
        // The gaps between the UIDs still present, within each range: O(ranges + messages), however wide the ranges.
        var uids = view.Messages.Select(m => m.Uid).ToArray(); // ascending
        var gone = new StringBuilder();
        foreach (var (first, rangeLast) in range.Ranges)
        {
            if (first > top)
                break;
            uint last = Math.Min(rangeLast, top);
            int i = Array.BinarySearch(uids, first);
            if (i < 0)
                i = ~i;
            uint next = first; // the lowest UID of the range not yet accounted for
            for (; i < uids.Length && uids[i] <= last; i++)
            {
                if (uids[i] > next)
                    AppendRange(gone, next, uids[i] - 1);
                next = uids[i] + 1;
            }
            if (next <= last && next != 0)
                AppendRange(gone, next, last);
        }
        if (gone.Length > 0)
            Untagged("VANISHED (EARLIER) " + gone);
        if (!changedFlags)
            return;
        for (int i = 0; i < view.Messages.Count; i++)
        {
            var m = view.Messages[i];
            if (m.ModSeq <= modSeq || !range.Contains(m.Uid))
                continue;
            _w.Untagged().Number((ulong)(i + 1)).Raw(" FETCH (UID "u8).Number(m.Uid).Raw(" FLAGS "u8).FlagList(FlagsOf(m))
                .Raw(" MODSEQ ("u8).Number(m.ModSeq).Raw("))"u8).EndLine();
        }
    }

    private static void AppendRange(StringBuilder sb, uint first, uint last)
    {
        if (sb.Length > 0)
            sb.Append(',');
        sb.Append(Num(first));
        if (last != first)
            sb.Append(':').Append(Num(last));
    }

    /// <summary>UIDs of the view's messages in a UID set; '*' is the largest UID in use (RFC 9051 §9 seq-number); "$" the saved search result (RFC 5182).</summary>
    private List<uint> UidsIn(ImapSequenceSet set)
    {
        var messages = _view!.Messages;
        if (set.IsSavedResult)
            return messages.Where(m => _saved.Contains(m.Uid)).Select(m => m.Uid).ToList();
        uint largest = messages.Count > 0 ? messages[^1].Uid : 0;
        var resolved = set.Resolve(largest == 0 ? 1 : largest);
        return messages.Where(m => resolved.Contains(m.Uid)).Select(m => m.Uid).ToList();
    }

    /// <summary>Messages a FETCH/STORE/COPY set names, with their sequence numbers; null when a sequence number is out of range (BAD).</summary>
    private List<(int Seq, MessageInfo Message)>? Select(ImapSequenceSet set, bool isUid)
    {
        var messages = _view!.Messages;
        var list = new List<(int, MessageInfo)>();
        if (isUid || set.IsSavedResult) // RFC 5182 §2.1: "$" names messages, in FETCH as in UID FETCH
        {
            var uids = new HashSet<uint>(UidsIn(set));
            for (int i = 0; i < messages.Count; i++)
                if (uids.Contains(messages[i].Uid))
                    list.Add((i + 1, messages[i]));
            return list;
        }
        if (!set.IsValidFor((uint)messages.Count))
            return null;
        foreach (uint n in set.Resolve((uint)messages.Count))
            if (n >= 1 && n <= messages.Count)
                list.Add(((int)n, messages[(int)n - 1]));
        return list;
    }
}
