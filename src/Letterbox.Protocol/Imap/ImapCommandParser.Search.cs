using System.Text;

namespace Letterbox.Protocol.Imap;

public static partial class ImapCommandParser
{
    private ref partial struct Parser
    {
        // search = "SEARCH" [search-return-opts] SP search-program (RFC 9051 §9, RFC 4731 §3.1)
        // search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"
        // search-program = ["CHARSET" SP charset SP] search-key *(SP search-key)
        private ImapCommand? ParseSearch(bool uid)
        {
            if (!Space())
                return null;
            var returns = ImapSearchReturn.None;
            bool hasReturn = false;
            string? charset = null;
            int start = _pos;
            if (Name(out var word) && word == "RETURN" && Peek == ' ')
            {
                hasReturn = true;
                if (!Space() || !Expect((byte)'(', "Bad SEARCH return options"))
                    return null;
                if (!TryByte((byte)')'))
                {
                    do
                    {
                        if (!Name(out var option))
                            return Bad("Bad SEARCH return options");
                        returns |= option switch
                        {
                            "MIN" => ImapSearchReturn.Min,
                            "MAX" => ImapSearchReturn.Max,
                            "ALL" => ImapSearchReturn.All,
                            "COUNT" => ImapSearchReturn.Count,
                            "SAVE" => ImapSearchReturn.Save,
                            _ => ImapSearchReturn.None,
                        };
                        if (option is not ("MIN" or "MAX" or "ALL" or "COUNT" or "SAVE"))
                            return Bad("Unknown SEARCH return option");
                    }
                    while (MaybeSpace());
                    if (!Expect((byte)')', "Bad SEARCH return options"))
                        return null;
                }
                if (returns == ImapSearchReturn.None)
                    returns = ImapSearchReturn.All; // RFC 4731 §3.1: "RETURN ()" is "RETURN (ALL)"
                if (!Space())
                    return null;
                start = _pos;
            }
            else
                _pos = start;

            if (Name(out word) && word == "CHARSET" && Peek == ' ')
            {
                _pos++;
                if (!AString(out var name, "Missing charset"))
                    return null;
                charset = Encoding.ASCII.GetString(name).ToUpperInvariant();
                if (charset is not ("UTF-8" or "US-ASCII"))
                {
                    // RFC 9051 §6.4.4: an unsupported charset is NO [BADCHARSET], not BAD.
                    Refuse(ImapStatusResponse.No(Tag, "Unsupported charset", ImapResponseCode.BadCharset(SearchCharsets)));
                    return null;
                }
                if (!Space())
                    return null;
            }
            else
                _pos = start;

            var keys = new List<ImapSearchKey>();
            do
            {
                if (!SearchKey(1, out var key))
                    return null;
                keys.Add(key);
            }
            while (MaybeSpace());
            var criteria = keys.Count == 1 ? keys[0] : new ImapSearchAndKey(keys);
            return new ImapSearchCommand(Tag, uid, returns, hasReturn, charset, criteria);
        }

        // search-key (RFC 9051 §9, RFC 3501 §9 for NEW OLD RECENT, RFC 7162 §7 for MODSEQ).
        // Recursion is bounded by MaxNestingDepth: "(", NOT and OR each go one level down.
        private bool SearchKey(int depth, out ImapSearchKey key)
        {
            key = null!;
            if (depth > _options.MaxNestingDepth)
                return Fail("Search criteria nested too deeply");
            if (++_searchKeys > MaxSearchKeys)
                return Fail("Too many search keys");

            if (TryByte((byte)'('))
            {
                var list = new List<ImapSearchKey>();
                do
                {
                    if (!SearchKey(depth + 1, out var inner))
                        return false;
                    list.Add(inner);
                }
                while (MaybeSpace());
                if (!Expect((byte)')', "Bad search criteria"))
                    return false;
                key = new ImapSearchAndKey(list);
                return true;
            }
            if (Peek is '*' or '$' || (Peek >= '1' && Peek <= '9'))
            {
                if (!SequenceSet(out var set))
                    return false;
                key = new ImapSearchSetKey(ImapSearchKeyKind.SequenceSet, set);
                return true;
            }
            if (!Name(out var name))
                return Fail("Bad search criteria");

            switch (name)
            {
                case "ALL": return Simple(ImapSearchKeyKind.All, out key);
                case "ANSWERED": return Simple(ImapSearchKeyKind.Answered, out key);
                case "DELETED": return Simple(ImapSearchKeyKind.Deleted, out key);
                case "DRAFT": return Simple(ImapSearchKeyKind.Draft, out key);
                case "FLAGGED": return Simple(ImapSearchKeyKind.Flagged, out key);
                case "NEW": return Simple(ImapSearchKeyKind.New, out key);
                case "OLD": return Simple(ImapSearchKeyKind.Old, out key);
                case "RECENT": return Simple(ImapSearchKeyKind.Recent, out key);
                case "SEEN": return Simple(ImapSearchKeyKind.Seen, out key);
                case "UNANSWERED": return Simple(ImapSearchKeyKind.Unanswered, out key);
                case "UNDELETED": return Simple(ImapSearchKeyKind.Undeleted, out key);
                case "UNDRAFT": return Simple(ImapSearchKeyKind.Undraft, out key);
                case "UNFLAGGED": return Simple(ImapSearchKeyKind.Unflagged, out key);
                case "UNSEEN": return Simple(ImapSearchKeyKind.Unseen, out key);
                case "KEYWORD" or "UNKEYWORD":
                {
                    // KEYWORD SP flag-keyword; flag-keyword = atom
                    if (!Space() || !Atom(out var atom, "Missing keyword"))
                        return false;
                    key = new ImapSearchTextKey(name == "KEYWORD" ? ImapSearchKeyKind.Keyword : ImapSearchKeyKind.Unkeyword, Encoding.ASCII.GetString(atom));
                    return true;
                }
                case "BCC": return Text(ImapSearchKeyKind.Bcc, out key);
                case "BODY": return Text(ImapSearchKeyKind.Body, out key);
                case "CC": return Text(ImapSearchKeyKind.Cc, out key);
                case "FROM": return Text(ImapSearchKeyKind.From, out key);
                case "SUBJECT": return Text(ImapSearchKeyKind.Subject, out key);
                case "TEXT": return Text(ImapSearchKeyKind.Text, out key);
                case "TO": return Text(ImapSearchKeyKind.To, out key);
                case "HEADER":
                {
                    if (!Space() || !HeaderName(out var field) || !Space() || !AString(out var value, "Missing search string")
                        || !DecodeUtf8(value, out var text, "Search string"))
                        return false;
                    key = new ImapSearchHeaderKey(field, text);
                    return true;
                }
                case "BEFORE": return Date(ImapSearchKeyKind.Before, out key);
                case "ON": return Date(ImapSearchKeyKind.On, out key);
                case "SINCE": return Date(ImapSearchKeyKind.Since, out key);
                case "SENTBEFORE": return Date(ImapSearchKeyKind.SentBefore, out key);
                case "SENTON": return Date(ImapSearchKeyKind.SentOn, out key);
                case "SENTSINCE": return Date(ImapSearchKeyKind.SentSince, out key);
                case "LARGER" or "SMALLER":
                {
                    if (!Space() || !Number64(out long size, "Bad size"))
                        return false;
                    key = new ImapSearchSizeKey(name == "LARGER" ? ImapSearchKeyKind.Larger : ImapSearchKeyKind.Smaller, size);
                    return true;
                }
                case "UID":
                {
                    if (!Space() || !SequenceSet(out var set))
                        return false;
                    key = new ImapSearchSetKey(ImapSearchKeyKind.Uid, set);
                    return true;
                }
                case "NOT":
                {
                    if (!Space() || !SearchKey(depth + 1, out var operand))
                        return false;
                    key = new ImapSearchNotKey(operand);
                    return true;
                }
                case "OR":
                {
                    if (!Space() || !SearchKey(depth + 1, out var left) || !Space() || !SearchKey(depth + 1, out var right))
                        return false;
                    key = new ImapSearchOrKey(left, right);
                    return true;
                }
                case "MODSEQ":
                    return ModSeqKey(out key);
                default:
                    return Fail("Unknown search key");
            }
        }

        private static bool Simple(ImapSearchKeyKind kind, out ImapSearchKey key)
        {
            key = new ImapSearchFlagKey(kind);
            return true;
        }

        private bool Text(ImapSearchKeyKind kind, out ImapSearchKey key)
        {
            key = null!;
            if (!Space() || !AString(out var value, "Missing search string") || !DecodeUtf8(value, out var text, "Search string"))
                return false;
            key = new ImapSearchTextKey(kind, text);
            return true;
        }

        // date = date-text / DQUOTE date-text DQUOTE
        private bool Date(ImapSearchKeyKind kind, out ImapSearchKey key)
        {
            key = null!;
            if (!Space())
                return false;
            ReadOnlySpan<byte> text;
            if (Peek == '"')
            {
                if (!String(out text, "Bad date"))
                    return false;
            }
            else
            {
                var rest = Rest;
                int n = 0;
                while (n < rest.Length && (char.IsAsciiLetterOrDigit((char)rest[n]) || rest[n] == (byte)'-'))
                    n++;
                text = rest[..n];
                _pos += n;
            }
            if (!ImapDateTime.TryParseDate(text, out var date))
                return Fail("Bad date");
            key = new ImapSearchDateKey(kind, date);
            return true;
        }

        // search-modsequence = "MODSEQ" [search-modseq-ext] SP mod-sequence-valzer
        // search-modseq-ext = SP entry-name SP entry-type-req; entry-name = DQUOTE "/flags/" attr-flag DQUOTE
        // entry-type-req = "priv" / "shared" / "all"  (RFC 7162 §7)
        private bool ModSeqKey(out ImapSearchKey key)
        {
            key = null!;
            if (!Space())
                return false;
            string? entry = null;
            var type = ImapEntryType.Unspecified;
            if (Peek == '"')
            {
                if (!String(out var entryBytes, "Bad MODSEQ entry"))
                    return false;
                entry = Encoding.ASCII.GetString(entryBytes);
                if (!entry.StartsWith("/flags/", StringComparison.OrdinalIgnoreCase) || !IsFlagName(entry["/flags/".Length..]))
                    return Fail("Bad MODSEQ entry");
                if (!Space() || !Name(out var typeName))
                    return Fail("Bad MODSEQ entry type");
                type = typeName switch
                {
                    "PRIV" => ImapEntryType.Private,
                    "SHARED" => ImapEntryType.Shared,
                    "ALL" => ImapEntryType.All,
                    _ => ImapEntryType.Unspecified,
                };
                if (type == ImapEntryType.Unspecified || !Space())
                    return Fail("Bad MODSEQ entry type");
            }
            if (!ModSeq(out ulong modSeq, allowZero: true))
                return false;
            key = new ImapSearchModSeqKey(modSeq, entry, type);
            return true;
        }

        private static bool IsFlagName(string flag)
        {
            string atom = flag.StartsWith('\\') ? flag[1..] : flag;
            return ImapChars.IsAtom(atom);
        }
    }
}
