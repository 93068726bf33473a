using System.Buffers.Text;
using System.Text;

namespace Letterbox.Protocol.Imap;

/// <summary>
/// Parses a command frame (<see cref="ImapCommandReader.Frame"/>) into an <see cref="ImapCommand"/>,
/// or into the response to send back. Pure and total: no input makes it throw.
/// </summary>
/// <remarks>
/// <para>Strict, as RFC 9051 §2.2.2 asks ("Servers SHOULD strictly enforce the syntax"): exactly one
/// space between arguments, nothing after the last one, keywords case-insensitive (§9 note 1).
/// Syntax errors give BAD with a short reason that never echoes input; the tag is recovered whenever
/// the line starts with a valid one, else the response is "* BAD".</para>
/// <para>NO instead of BAD: SEARCH with a CHARSET other than UTF-8 / US-ASCII ("NO [BADCHARSET
/// (UTF-8 US-ASCII)]", RFC 9051 §6.4.4).</para>
/// <para>Strings (quoted or literal) that become text are UTF-8: user names, passwords, search
/// strings; invalid UTF-8 is BAD. Mailbox names are modified UTF-7 unless
/// <see cref="ImapParseOptions.Utf8MailboxNames"/> (RFC 9051 §5.1, RFC 6855 §3); an 8-bit octet
/// in a name without it is BAD.</para>
/// <para>Limits: sequence sets are capped at <see cref="ImapParseOptions.MaxSequenceRanges"/>
/// elements; SEARCH nesting at <see cref="ImapParseOptions.MaxNestingDepth"/> (the only recursion
/// here, so a flood of "(" is refused long before the stack matters); the rest is bounded by the
/// reader's command size.</para>
/// </remarks>
public static partial class ImapCommandParser
{
    /// <summary>RFC 2971 §3.3: field names are at most 30 octets.</summary>
    public const int MaxIdFieldLength = 30;
    /// <summary>RFC 2971 §3.3: values are at most 1024 octets.</summary>
    public const int MaxIdValueLength = 1024;
    /// <summary>RFC 2971 §3.3: at most 30 field-value pairs.</summary>
    public const int MaxIdPairs = 30;
    /// <summary>The most SEARCH keys in one command, all levels together.</summary>
    public const int MaxSearchKeys = 1000;

    /// <summary>The CHARSETs SEARCH accepts (RFC 9051 §6.4.4 requires US-ASCII and UTF-8).</summary>
    public static IReadOnlyList<string> SearchCharsets { get; } = ["UTF-8", "US-ASCII"];

    /// <summary>Parses a command the reader assembled (or a partial APPEND at <see cref="ImapReadStatus.MessageLiteral"/>).</summary>
    public static ImapCommandResult Parse(ImapCommandFrame frame, ImapParseOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var p = new Parser(frame, options ?? ImapParseOptions.Default);
        return p.ParseCommand();
    }

    /// <summary>Parses one command line without literals (for tools and tests).</summary>
    public static ImapCommandResult ParseLine(ReadOnlySpan<byte> line, ImapParseOptions? options = null) =>
        Parse(ImapCommandFrame.FromLine(line), options);

    /// <summary>Whether a word is a command name the parser knows ("UID" included), case-insensitively.</summary>
    internal static bool IsCommandName(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty || name.Length > 16)
            return false;
        foreach (byte b in name)
            if (!char.IsAsciiLetter((char)b))
                return false;
        string upper = Encoding.ASCII.GetString(name).ToUpperInvariant();
        return upper == "UID" || Parser.KindOf(upper) != ImapCommandKind.Unknown;
    }

    /// <summary>Whether an IDLE continuation line is "DONE" (RFC 2177 §3, case-insensitive).</summary>
    public static bool IsIdleDone(ReadOnlySpan<byte> line) => Ascii.EqualsIgnoreCase(line, "DONE"u8);

    /// <summary>
    /// Decodes a client line during AUTHENTICATE (RFC 9051 §6.2.2): base64, or "*" to cancel (then
    /// reply "tag BAD"). Returns false for anything else; <paramref name="data"/> is empty for an
    /// empty line.
    /// </summary>
    public static bool TryParseSaslResponse(ReadOnlySpan<byte> line, out bool cancelled, out byte[]? data)
    {
        data = null;
        cancelled = line.Length == 1 && line[0] == (byte)'*';
        if (cancelled)
            return true;
        return TryDecodeBase64(line, out data);
    }

    // base64 = *(4base64-char) [base64-terminal] (RFC 9051 §9): no spaces, padding only at the end.
    private static bool TryDecodeBase64(ReadOnlySpan<byte> text, out byte[]? data)
    {
        data = null;
        if (text.Length % 4 != 0)
            return false;
        foreach (byte b in text)
            if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'+' or (byte)'/' or (byte)'='))
                return false;
        int pad = text.IndexOf((byte)'=');
        if (pad >= 0 && (pad < text.Length - 2 || text[pad..].ContainsAnyExcept((byte)'=')))
            return false;
        var buffer = new byte[Base64.GetMaxDecodedFromUtf8Length(text.Length)];
        if (Base64.DecodeFromUtf8(text, buffer, out _, out int written) != System.Buffers.OperationStatus.Done)
            return false;
        data = buffer.AsSpan(0, written).ToArray();
        return true;
    }

    private ref partial struct Parser
    {
        public ImapCommandResult ParseCommand()
        {
            // tag = 1*<any ASTRING-CHAR except "+"> (RFC 9051 §9)
            var rest = Rest;
            int n = 0;
            while (n < rest.Length && ImapChars.IsTagChar(rest[n]))
                n++;
            if (rest.IsEmpty && AtEnd)
                return ImapCommandResult.Fail(null, ImapCommandKind.Unknown, ImapStatusResponse.Bad(null, "Empty command line"));
            if (n == 0 || (n < rest.Length && rest[n] != (byte)' ') || (n == rest.Length && !AtEnd && AtLiteralAfter(n)))
                return ImapCommandResult.Fail(null, ImapCommandKind.Unknown, ImapStatusResponse.Bad(null, "Invalid tag"));
            Tag = Encoding.ASCII.GetString(rest[..n]);
            _pos += n;
            if (!TryByte((byte)' ') || !Name(out var name))
                return ImapCommandResult.Fail(Tag, ImapCommandKind.Unknown, ImapStatusResponse.Bad(Tag, "Missing command"));

            bool uid = false;
            if (name == "UID")
            {
                if (!TryByte((byte)' ') || !Name(out name))
                    return ImapCommandResult.Fail(Tag, ImapCommandKind.Unknown, ImapStatusResponse.Bad(Tag, "Missing UID command"));
                uid = true;
            }
            var kind = KindOf(name);
            if (kind == ImapCommandKind.Unknown || (uid && kind is not (ImapCommandKind.Copy or ImapCommandKind.Move
                or ImapCommandKind.Fetch or ImapCommandKind.Search or ImapCommandKind.Store or ImapCommandKind.Expunge)))
                return ImapCommandResult.Fail(Tag, ImapCommandKind.Unknown, ImapStatusResponse.Bad(Tag, uid ? "Unknown UID command" : "Unknown command"));
            // A keyword run into other characters ("NOOP(" or "FETCH[") is not the keyword.
            if (!AtEnd && Peek != ' ')
                return ImapCommandResult.Fail(Tag, ImapCommandKind.Unknown, ImapStatusResponse.Bad(Tag, "Unknown command"));

            var command = kind switch
            {
                ImapCommandKind.Authenticate => ParseAuthenticate(),
                ImapCommandKind.Login => ParseLogin(),
                ImapCommandKind.Enable => ParseEnable(),
                ImapCommandKind.Select or ImapCommandKind.Examine => ParseSelect(kind),
                ImapCommandKind.Create or ImapCommandKind.Delete or ImapCommandKind.Subscribe or ImapCommandKind.Unsubscribe => ParseMailboxCommand(kind),
                ImapCommandKind.Rename => ParseRename(),
                ImapCommandKind.List => ParseList(),
                ImapCommandKind.Lsub => ParseLsub(),
                ImapCommandKind.Status => ParseStatus(),
                ImapCommandKind.Append => ParseAppend(),
                ImapCommandKind.Expunge => ParseExpunge(uid),
                ImapCommandKind.Search => ParseSearch(uid),
                ImapCommandKind.Fetch => ParseFetch(uid),
                ImapCommandKind.Store => ParseStore(uid),
                ImapCommandKind.Copy or ImapCommandKind.Move => ParseCopy(kind, uid),
                ImapCommandKind.Id => ParseId(),
                ImapCommandKind.GetQuota or ImapCommandKind.GetQuotaRoot or ImapCommandKind.SetQuota => ParseQuota(kind),
                ImapCommandKind.Compress => Space() && Name(out var algorithm) ? new ImapCompressCommand(Tag, algorithm) : Bad("Missing compression algorithm"),
                _ => End() ? new ImapSimpleCommand(Tag, kind) : null,
            };
            if (command is not null && !End())
                command = null;
            if (command is null)
                return ImapCommandResult.Fail(Tag, kind, Refusal ?? ImapStatusResponse.Bad(Tag, Error ?? "Syntax error"));
            return ImapCommandResult.Ok(command);
        }

        // The tag ran up to a literal marker ("a{3}"): not a tag.
        private readonly bool AtLiteralAfter(int n) => _next < _literals.Count && _literals[_next].MarkerOffset == _pos + n;

        public static ImapCommandKind KindOf(string name) => name switch
        {
            "CAPABILITY" => ImapCommandKind.Capability,
            "NOOP" => ImapCommandKind.Noop,
            "LOGOUT" => ImapCommandKind.Logout,
            "STARTTLS" => ImapCommandKind.StartTls,
            "AUTHENTICATE" => ImapCommandKind.Authenticate,
            "LOGIN" => ImapCommandKind.Login,
            "ENABLE" => ImapCommandKind.Enable,
            "SELECT" => ImapCommandKind.Select,
            "EXAMINE" => ImapCommandKind.Examine,
            "CREATE" => ImapCommandKind.Create,
            "DELETE" => ImapCommandKind.Delete,
            "RENAME" => ImapCommandKind.Rename,
            "SUBSCRIBE" => ImapCommandKind.Subscribe,
            "UNSUBSCRIBE" => ImapCommandKind.Unsubscribe,
            "LIST" => ImapCommandKind.List,
            "LSUB" => ImapCommandKind.Lsub,
            "NAMESPACE" => ImapCommandKind.Namespace,
            "STATUS" => ImapCommandKind.Status,
            "APPEND" => ImapCommandKind.Append,
            "IDLE" => ImapCommandKind.Idle,
            "CHECK" => ImapCommandKind.Check,
            "CLOSE" => ImapCommandKind.Close,
            "UNSELECT" => ImapCommandKind.Unselect,
            "EXPUNGE" => ImapCommandKind.Expunge,
            "SEARCH" => ImapCommandKind.Search,
            "FETCH" => ImapCommandKind.Fetch,
            "STORE" => ImapCommandKind.Store,
            "COPY" => ImapCommandKind.Copy,
            "MOVE" => ImapCommandKind.Move,
            "ID" => ImapCommandKind.Id,
            "GETQUOTA" => ImapCommandKind.GetQuota,
            "GETQUOTAROOT" => ImapCommandKind.GetQuotaRoot,
            "SETQUOTA" => ImapCommandKind.SetQuota,
            "COMPRESS" => ImapCommandKind.Compress,
            _ => ImapCommandKind.Unknown,
        };

        // authenticate = "AUTHENTICATE" SP auth-type [SP initial-resp]; initial-resp = base64 / "="
        // (RFC 9051 §9, RFC 4959 §3). auth-type is a SASL mechanism name: 1*20 of A-Z 0-9 "-" "_" (RFC 4422 §3.1).
        private ImapCommand? ParseAuthenticate()
        {
            if (!Space() || !Atom(out var mech, "Missing mechanism"))
                return null;
            if (mech.Length > 20)
                return Bad("Bad mechanism name");
            foreach (byte b in mech)
                if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_'))
                    return Bad("Bad mechanism name");
            string mechanism = Encoding.ASCII.GetString(mech).ToUpperInvariant();
            byte[]? initial = null;
            if (MaybeSpace())
            {
                var rest = Rest;
                int n = 0;
                while (n < rest.Length && rest[n] != (byte)' ')
                    n++;
                var token = rest[..n];
                _pos += n;
                if (token.Length == 1 && token[0] == (byte)'=')
                    initial = [];
                else if (token.IsEmpty || !TryDecodeBase64(token, out initial))
                    return Bad("Initial response is not base64");
            }
            return new ImapAuthenticateCommand(Tag, mechanism, initial);
        }

        // login = "LOGIN" SP userid SP password; both astring.
        private ImapCommand? ParseLogin()
        {
            if (!Space() || !AString(out var user, "Missing user name") || !DecodeUtf8(user, out var userName, "User name"))
                return null;
            if (!Space() || !AString(out var pass, "Missing password") || !DecodeUtf8(pass, out var password, "Password"))
                return null;
            return new ImapLoginCommand(Tag, userName, password);
        }

        // enable = "ENABLE" 1*(SP capability); capability = ("AUTH=" auth-type) / atom.
        private ImapCommand? ParseEnable()
        {
            var names = new List<string>();
            do
            {
                if (!Space() || !Atom(out var atom, "Missing capability"))
                    return null;
                names.Add(Encoding.ASCII.GetString(atom));
            }
            while (!AtEnd);
            return new ImapEnableCommand(Tag, names);
        }

        // select = "SELECT" SP mailbox [select-params]; select-params = SP "(" select-param *(SP select-param) ")"
        // (RFC 4466 §2.1); parameters known: CONDSTORE (RFC 7162 §3.1.8) and QRESYNC (RFC 7162 §3.2.5).
        private ImapCommand? ParseSelect(ImapCommandKind kind)
        {
            if (!Space() || !Mailbox(out var mailbox))
                return null;
            bool condStore = false;
            ImapQResync? qresync = null;
            if (MaybeSpace())
            {
                if (!Expect((byte)'(', "Bad SELECT parameters"))
                    return null;
                do
                {
                    if (!Name(out var param))
                        return Bad("Bad SELECT parameters");
                    if (param == "CONDSTORE")
                        condStore = true;
                    else if (param == "QRESYNC" && qresync is null)
                    {
                        if (!Space() || !QResyncParameters(out qresync))
                            return null;
                    }
                    else
                        return Bad("Unknown SELECT parameter");
                }
                while (MaybeSpace());
                if (!Expect((byte)')', "Bad SELECT parameters"))
                    return null;
            }
            return new ImapSelectCommand(Tag, kind, mailbox, condStore, qresync);
        }

        // qresync-param = "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids]
        //                 [SP seq-match-data] ")"; seq-match-data = "(" known-sequence-set SP known-uid-set ")"
        // (RFC 7162 §7). known-uids is a sequence-set of UIDs without "*" in spirit; we accept "*" and
        // resolve it against UIDNEXT like any UID set.
        private bool QResyncParameters(out ImapQResync? value)
        {
            value = null;
            if (!Expect((byte)'(', "Bad QRESYNC parameters") || !Number(out uint uidValidity, "Bad UIDVALIDITY") || uidValidity == 0
                || !Space() || !ModSeq(out ulong modSeq, allowZero: false))
                return Fail("Bad QRESYNC parameters");
            ImapSequenceSet? known = null, knownSeq = null, knownUids = null;
            if (MaybeSpace())
            {
                if (Peek != '(')
                {
                    if (!SequenceSet(out var set) || set.IsSavedResult)
                        return Fail("Bad QRESYNC known UIDs");
                    known = set;
                    if (MaybeSpace() && Peek != '(')
                        return Fail("Bad QRESYNC parameters");
                }
                if (Peek == '(')
                {
                    _pos++;
                    if (!SequenceSet(out var seqs) || seqs.IsSavedResult || !Space() || !SequenceSet(out var uids) || uids.IsSavedResult
                        || !Expect((byte)')', "Bad QRESYNC sequence match data"))
                        return Fail("Bad QRESYNC sequence match data");
                    knownSeq = seqs;
                    knownUids = uids;
                }
            }
            if (!Expect((byte)')', "Bad QRESYNC parameters"))
                return false;
            value = new ImapQResync(uidValidity, modSeq, known, knownSeq, knownUids);
            return true;
        }

        // create = "CREATE" SP mailbox (no create-params: RFC 6154 CREATE-SPECIAL-USE is not offered).
        private ImapCommand? ParseMailboxCommand(ImapCommandKind kind)
        {
            if (!Space() || !Mailbox(out var mailbox))
                return null;
            return new ImapMailboxCommand(Tag, kind, mailbox);
        }

        private ImapCommand? ParseRename()
        {
            if (!Space() || !Mailbox(out var from) || !Space() || !Mailbox(out var to))
                return null;
            return new ImapRenameCommand(Tag, from, to);
        }

        // list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
        // (RFC 5258 §6, RFC 9051 §9). Unknown options are BAD (RFC 5258 §3: "A server MUST respond to
        // options it does not recognize with a BAD response"); repeated ones count once.
        private ImapCommand? ParseList()
        {
            if (!Space())
                return null;
            var selection = ImapListSelection.None;
            bool extended = false;
            if (Peek == '(')
            {
                extended = true;
                if (!OptionList(out var options))
                    return null;
                foreach (var option in options)
                {
                    selection |= option switch
                    {
                        "SUBSCRIBED" => ImapListSelection.Subscribed,
                        "REMOTE" => ImapListSelection.Remote,
                        "RECURSIVEMATCH" => ImapListSelection.RecursiveMatch,
                        "SPECIAL-USE" => ImapListSelection.SpecialUse,
                        _ => ImapListSelection.None,
                    };
                    if (option is not ("SUBSCRIBED" or "REMOTE" or "RECURSIVEMATCH" or "SPECIAL-USE"))
                        return Bad("Unknown LIST selection option");
                }
                // RFC 5258 §3.1: RECURSIVEMATCH needs a base option (SUBSCRIBED; SPECIAL-USE per RFC 6154 §5.2).
                if (selection.HasFlag(ImapListSelection.RecursiveMatch)
                    && (selection & (ImapListSelection.Subscribed | ImapListSelection.SpecialUse)) == 0)
                    return Bad("RECURSIVEMATCH needs another selection option");
                if (!Space())
                    return null;
            }
            if (!Mailbox(out var reference) || !Space())
                return null;
            var patterns = new List<string>();
            if (Peek == '(')
            {
                extended = true;
                _pos++;
                do
                {
                    if (!ListMailbox(out var pattern))
                        return null;
                    patterns.Add(pattern);
                }
                while (MaybeSpace());
                if (!Expect((byte)')', "Bad pattern list"))
                    return null;
            }
            else
            {
                if (!ListMailbox(out var pattern))
                    return null;
                patterns.Add(pattern);
            }

            var returns = ImapListReturn.None;
            var statusItems = ImapStatusItems.None;
            if (MaybeSpace())
            {
                extended = true;
                if (!Name(out var word) || word != "RETURN" || !Space() || !Expect((byte)'(', "Bad LIST return options"))
                    return Bad("Bad LIST return options");
                if (!TryByte((byte)')'))
                {
                    do
                    {
                        if (!Name(out var option))
                            return Bad("Bad LIST return options");
                        switch (option)
                        {
                            case "SUBSCRIBED": returns |= ImapListReturn.Subscribed; break;
                            case "CHILDREN": returns |= ImapListReturn.Children; break;
                            case "SPECIAL-USE": returns |= ImapListReturn.SpecialUse; break;
                            case "STATUS":
                                // RFC 5819 §2: STATUS (status-att...)
                                if (!Space() || !StatusItems(out var items))
                                    return null;
                                returns |= ImapListReturn.Status;
                                statusItems |= items;
                                break;
                            default:
                                return Bad("Unknown LIST return option");
                        }
                    }
                    while (MaybeSpace());
                    if (!Expect((byte)')', "Bad LIST return options"))
                        return null;
                }
            }
            return new ImapListCommand(Tag, ImapCommandKind.List, reference, patterns, selection, returns, statusItems, extended);
        }

        // "(" [option *(SP option)] ")", options as upper-cased names.
        private bool OptionList(out List<string> options)
        {
            options = [];
            _pos++; // "("
            if (TryByte((byte)')'))
                return true;
            do
            {
                if (!Name(out var option))
                    return Fail("Bad option list");
                options.Add(option);
            }
            while (MaybeSpace());
            return Expect((byte)')', "Bad option list");
        }

        // lsub = "LSUB" SP mailbox SP list-mailbox (RFC 3501 §9).
        private ImapCommand? ParseLsub()
        {
            if (!Space() || !Mailbox(out var reference) || !Space() || !ListMailbox(out var pattern))
                return null;
            return new ImapListCommand(Tag, ImapCommandKind.Lsub, reference, [pattern], ImapListSelection.None, ImapListReturn.None, ImapStatusItems.None, false);
        }

        // status = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")".
        private ImapCommand? ParseStatus()
        {
            if (!Space() || !Mailbox(out var mailbox) || !Space() || !StatusItems(out var items))
                return null;
            return new ImapStatusCommand(Tag, mailbox, items);
        }

        private bool StatusItems(out ImapStatusItems items)
        {
            items = ImapStatusItems.None;
            if (!Expect((byte)'(', "Missing status items"))
                return false;
            do
            {
                if (!Name(out var name))
                    return Fail("Bad status item");
                items |= name switch
                {
                    "MESSAGES" => ImapStatusItems.Messages,
                    "UIDNEXT" => ImapStatusItems.UidNext,
                    "UIDVALIDITY" => ImapStatusItems.UidValidity,
                    "UNSEEN" => ImapStatusItems.Unseen,
                    "DELETED" => ImapStatusItems.Deleted,
                    "SIZE" => ImapStatusItems.Size,
                    "RECENT" => ImapStatusItems.Recent,
                    "HIGHESTMODSEQ" => ImapStatusItems.HighestModSeq,
                    "APPENDLIMIT" => ImapStatusItems.AppendLimit,
                    _ => ImapStatusItems.None,
                };
                if (name is not ("MESSAGES" or "UIDNEXT" or "UIDVALIDITY" or "UNSEEN" or "DELETED" or "SIZE" or "RECENT" or "HIGHESTMODSEQ" or "APPENDLIMIT"))
                    return Fail("Unknown status item");
            }
            while (MaybeSpace());
            return Expect((byte)')', "Bad status items");
        }

        // append = "APPEND" SP mailbox [SP flag-list] [SP date-time] SP literal (RFC 9051 §9; literal8 per RFC 3516).
        private ImapCommand? ParseAppend()
        {
            if (!Space() || !Mailbox(out var mailbox) || !Space())
                return null;
            List<string> flags = [];
            DateTimeOffset? date = null;
            if (Peek == '(')
            {
                if (!FlagList(out flags) || !Space())
                    return null;
            }
            if (Peek == '"')
            {
                if (!String(out var dateText, "Bad date-time") || !ImapDateTime.TryParse(dateText, out var parsed))
                    return Bad("Bad date-time");
                date = parsed;
                if (!Space())
                    return null;
            }
            // append-data = literal / literal8 / "UTF8" SP "(" literal8 ")" (RFC 6855 §4).
            bool utf8 = false;
            if (Peek is 'U' or 'u')
            {
                if (!Name(out var ext) || ext != "UTF8" || !Space() || !Expect((byte)'(', "Bad APPEND data"))
                    return Bad("Bad APPEND data");
                utf8 = true;
            }
            if (!AtLiteral)
                return Bad("Missing message literal");
            var literal = TakeLiteral(out _);
            if (!literal.IsStreamed)
                return Bad("Missing message literal");
            if (utf8 && !literal.IsBinary)
                return Bad("UTF8 APPEND data must be a literal8");
            // Before the message arrives the frame ends at its literal; the ")" is checked on the whole command.
            if (utf8 && _complete && !Expect((byte)')', "Missing ) after UTF8 APPEND data"))
                return null;
            if (flags.Contains("\\Recent"))
                return Bad("\\Recent cannot be set");
            return new ImapAppendCommand(Tag, mailbox, flags, date, literal.Length, literal.IsBinary, utf8);
        }

        // getquota = "GETQUOTA" SP quota-root-name; getquotaroot = "GETQUOTAROOT" SP mailbox;
        // setquota = "SETQUOTA" SP quota-root-name SP setquota-list; setquota-list = "(" [setquota-resource
        // *(SP setquota-resource)] ")"; setquota-resource = resource-name SP resource-limit (RFC 9208 §7).
        private ImapCommand? ParseQuota(ImapCommandKind kind)
        {
            if (!Space())
                return null;
            string argument;
            if (kind == ImapCommandKind.GetQuotaRoot)
            {
                if (!Mailbox(out argument))
                    return null;
            }
            else if (!AString(out var root, "Missing quota root") || !DecodeUtf8(root, out argument, "Quota root"))
                return null;
            var limits = new List<KeyValuePair<string, long>>();
            if (kind == ImapCommandKind.SetQuota)
            {
                if (!Space() || !Expect((byte)'(', "Missing resource list"))
                    return null;
                if (Peek != ')')
                {
                    do
                    {
                        if (!Name(out var resource) || !Space() || !Number64(out long limit, "Bad resource limit"))
                            return Bad("Bad resource limit");
                        if (limits.Count >= 16)
                            return Bad("Too many resources");
                        limits.Add(new(resource, limit));
                    }
                    while (MaybeSpace());
                }
                if (!Expect((byte)')', "Bad resource list"))
                    return null;
            }
            return new ImapQuotaCommand(Tag, kind, argument, limits);
        }

        // EXPUNGE; uid-expunge = "EXPUNGE" SP sequence-set (RFC 4315 §2.1).
        private ImapCommand? ParseExpunge(bool uid)
        {
            if (!uid)
                return new ImapExpungeCommand(Tag, null);
            if (!Space() || !SequenceSet(out var set))
                return null;
            return new ImapExpungeCommand(Tag, set);
        }

        // copy = "COPY" SP sequence-set SP mailbox; move likewise (RFC 6851 §3.1).
        private ImapCommand? ParseCopy(ImapCommandKind kind, bool uid)
        {
            if (!Space() || !SequenceSet(out var set) || !Space() || !Mailbox(out var mailbox))
                return null;
            return new ImapCopyCommand(Tag, kind, uid, set, mailbox);
        }

        // id = "ID" SP id-params-list; id-params-list = "(" *(string SP nstring) ")" / nil (RFC 2971 §4),
        // space-separated in practice. Limits from RFC 2971 §3.3.
        private ImapCommand? ParseId()
        {
            if (!Space())
                return null;
            if (!AtLiteral && Peek != '(')
            {
                if (!Name(out var nil) || nil != "NIL")
                    return Bad("Bad ID parameters");
                return new ImapIdCommand(Tag, null);
            }
            if (!Expect((byte)'(', "Bad ID parameters"))
                return null;
            var pairs = new List<KeyValuePair<string, string?>>();
            if (!TryByte((byte)')'))
            {
                do
                {
                    if (!String(out var keyBytes, "Bad ID field") || keyBytes.Length > MaxIdFieldLength || !DecodeUtf8(keyBytes, out var key, "ID field"))
                        return Bad("Bad ID field");
                    if (!Space() || !NString(out var valueBytes, out bool nil, "Bad ID value"))
                        return null;
                    string? value = null;
                    if (!nil && (valueBytes.Length > MaxIdValueLength || !DecodeUtf8(valueBytes, out value, "ID value")))
                        return Bad("Bad ID value");
                    if (pairs.Count == MaxIdPairs)
                        return Bad("Too many ID parameters");
                    pairs.Add(new(key, value));
                }
                while (MaybeSpace());
                if (!Expect((byte)')', "Bad ID parameters"))
                    return null;
            }
            return new ImapIdCommand(Tag, pairs);
        }
    }
}
