using System.Text;

namespace Letterbox.Protocol.Imap;

public static partial class ImapCommandParser
{
    private ref partial struct Parser
    {
        // fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")")
        //         [fetch-modifiers] (RFC 9051 §9, RFC 4466 §2.4); fetch-modifier = "CHANGEDSINCE" SP mod-sequence-value (RFC 7162 §3.1.4).
        private ImapCommand? ParseFetch(bool uid)
        {
            if (!Space() || !SequenceSet(out var set) || !Space())
                return null;
            var items = new List<ImapFetchItem>();
            if (TryByte((byte)'('))
            {
                do
                {
                    if (!FetchAttribute(out var item))
                        return null;
                    items.Add(item);
                }
                while (MaybeSpace());
                if (!Expect((byte)')', "Bad FETCH item list"))
                    return null;
            }
            else
            {
                int start = _pos;
                if (Name(out var macro) && macro is "ALL" or "FAST" or "FULL")
                {
                    // RFC 9051 §6.4.5: ALL = FLAGS INTERNALDATE RFC822.SIZE ENVELOPE; FAST drops ENVELOPE; FULL adds BODY.
                    items.AddRange([ImapFetchItem.Flags, ImapFetchItem.InternalDate, ImapFetchItem.Rfc822Size]);
                    if (macro != "FAST")
                        items.Add(ImapFetchItem.Envelope);
                    if (macro == "FULL")
                        items.Add(ImapFetchItem.Body);
                }
                else
                {
                    _pos = start;
                    if (!FetchAttribute(out var item))
                        return null;
                    items.Add(item);
                }
            }

            ulong? changedSince = null;
            bool vanished = false;
            if (MaybeSpace())
            {
                if (!Expect((byte)'(', "Bad FETCH modifiers"))
                    return null;
                do
                {
                    if (!Name(out var modifier))
                        return Bad("Unknown FETCH modifier");
                    if (modifier == "VANISHED" && !vanished)
                    {
                        vanished = true; // RFC 7162 §3.2.6
                        continue;
                    }
                    if (modifier != "CHANGEDSINCE")
                        return Bad("Unknown FETCH modifier");
                    if (changedSince is not null)
                        return Bad("Duplicate FETCH modifier");
                    if (!Space() || !ModSeq(out ulong value, allowZero: false))
                        return null;
                    changedSince = value;
                }
                while (MaybeSpace());
                if (!Expect((byte)')', "Bad FETCH modifiers"))
                    return null;
            }
            // RFC 7162 §3.2.6: VANISHED only in UID FETCH and only with CHANGEDSINCE; otherwise BAD.
            if (vanished && (!uid || changedSince is null))
                return Bad("VANISHED needs UID FETCH with CHANGEDSINCE");
            return new ImapFetchCommand(Tag, uid, set, items, changedSince, vanished);
        }

        // fetch-att = "ENVELOPE" / "FLAGS" / "INTERNALDATE" / "RFC822.SIZE" / "BODY" ["STRUCTURE"] / "UID" /
        //             "BODY" section [partial] / "BODY.PEEK" section [partial] /
        //             "BINARY" [".PEEK"] section-binary [partial] / "BINARY.SIZE" section-binary   (RFC 9051 §9)
        //             / "RFC822" / "RFC822.HEADER" / "RFC822.TEXT" (RFC 3501) / "MODSEQ" (RFC 7162)
        private bool FetchAttribute(out ImapFetchItem item)
        {
            item = null!;
            if (!Name(out var name))
                return Fail("Bad FETCH item");
            switch (name)
            {
                case "ENVELOPE": item = ImapFetchItem.Envelope; return true;
                case "FLAGS": item = ImapFetchItem.Flags; return true;
                case "INTERNALDATE": item = ImapFetchItem.InternalDate; return true;
                case "RFC822.SIZE": item = ImapFetchItem.Rfc822Size; return true;
                case "BODYSTRUCTURE": item = new(ImapFetchItemKind.BodyStructure); return true;
                case "UID": item = new(ImapFetchItemKind.Uid); return true;
                case "RFC822": item = new(ImapFetchItemKind.Rfc822); return true;
                case "RFC822.HEADER": item = new(ImapFetchItemKind.Rfc822Header); return true;
                case "RFC822.TEXT": item = new(ImapFetchItemKind.Rfc822Text); return true;
                case "MODSEQ": item = new(ImapFetchItemKind.ModSeq); return true;
                case "BODY" when Peek != '[':
                    item = ImapFetchItem.Body;
                    return true;
                case "BODY" or "BODY.PEEK":
                {
                    if (!Section(binary: false, out var section) || !Partial(out var partial))
                        return false;
                    item = new(ImapFetchItemKind.BodySection) { Section = section, Peek = name == "BODY.PEEK", Partial = partial };
                    return true;
                }
                case "BINARY" or "BINARY.PEEK":
                {
                    if (!Section(binary: true, out var section) || !Partial(out var partial))
                        return false;
                    item = new(ImapFetchItemKind.BinarySection) { Section = section, Peek = name == "BINARY.PEEK", Partial = partial };
                    return true;
                }
                case "BINARY.SIZE":
                {
                    if (!Section(binary: true, out var section))
                        return false;
                    item = new(ImapFetchItemKind.BinarySize) { Section = section };
                    return true;
                }
                default:
                    return Fail("Unknown FETCH item");
            }
        }

        // section = "[" [section-spec] "]"; section-binary = "[" [section-part] "]";
        // section-spec = section-msgtext / (section-part ["." section-text]);
        // section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT";
        // section-text = section-msgtext / "MIME"; section-part = nz-number *("." nz-number).
        private bool Section(bool binary, out ImapSection section)
        {
            section = ImapSection.Whole;
            if (!Expect((byte)'[', "Missing section"))
                return false;
            var parts = new List<uint>();
            if (Peek is >= '1' and <= '9')
            {
                while (true)
                {
                    if (parts.Count == _options.MaxNestingDepth)
                        return Fail("Section part nested too deeply");
                    if (!Number(out uint part, "Bad section part") || part == 0)
                        return Fail("Bad section part");
                    parts.Add(part);
                    var rest = Rest;
                    if (rest.Length >= 2 && rest[0] == (byte)'.' && ImapChars.IsDigit(rest[1]))
                    {
                        _pos++;
                        continue;
                    }
                    break;
                }
                if (!binary && TryByte((byte)'.'))
                {
                    if (!SectionText(mimeAllowed: true, out var text, out var fields))
                        return false;
                    section = new ImapSection(parts, text, fields);
                }
                else
                    section = new ImapSection(parts, ImapSectionText.None, null);
            }
            else if (!binary && Peek != ']')
            {
                if (!SectionText(mimeAllowed: false, out var text, out var fields))
                    return false;
                section = new ImapSection(parts, text, fields);
            }
            else if (Peek != ']')
                return Fail("Bad BINARY section");
            return Expect((byte)']', "Bad section");
        }

        private bool SectionText(bool mimeAllowed, out ImapSectionText text, out List<string>? fields)
        {
            text = ImapSectionText.None;
            fields = null;
            if (!Name(out var name))
                return Fail("Bad section");
            switch (name)
            {
                case "HEADER": text = ImapSectionText.Header; return true;
                case "TEXT": text = ImapSectionText.Text; return true;
                case "MIME" when mimeAllowed: text = ImapSectionText.Mime; return true;
                case "HEADER.FIELDS" or "HEADER.FIELDS.NOT":
                    text = name == "HEADER.FIELDS" ? ImapSectionText.HeaderFields : ImapSectionText.HeaderFieldsNot;
                    return Space() && HeaderList(out fields);
                default:
                    return Fail("Bad section");
            }
        }

        // header-list = "(" header-fld-name *(SP header-fld-name) ")"; header-fld-name = astring.
        private bool HeaderList(out List<string> fields)
        {
            fields = [];
            if (!Expect((byte)'(', "Missing header list"))
                return false;
            do
            {
                if (!HeaderName(out var field))
                    return false;
                fields.Add(field);
            }
            while (MaybeSpace());
            return Expect((byte)')', "Bad header list");
        }

        // A header field name: RFC 5322 §3.6.8 ftext, printable ASCII except ":".
        private bool HeaderName(out string name)
        {
            name = "";
            if (!AString(out var bytes, "Missing header field name"))
                return false;
            if (bytes.IsEmpty)
                return Fail("Bad header field name");
            foreach (byte b in bytes)
                if (b < 33 || b > 126 || b == (byte)':')
                    return Fail("Bad header field name");
            name = Encoding.ASCII.GetString(bytes);
            return true;
        }

        // partial = "<" number64 "." nz-number64 ">" (RFC 9051 §9).
        private bool Partial(out ImapPartial? partial)
        {
            partial = null;
            if (!TryByte((byte)'<'))
                return true;
            if (!Number64(out long offset, "Bad partial range") || !Expect((byte)'.', "Bad partial range")
                || !Number64(out long length, "Bad partial range") || length == 0 || !Expect((byte)'>', "Bad partial range"))
                return Fail("Bad partial range");
            partial = new ImapPartial(offset, length);
            return true;
        }

        // store = "STORE" SP sequence-set [store-modifiers] SP store-att-flags (RFC 4466 §2.5);
        // store-modifier = "UNCHANGEDSINCE" SP mod-sequence-valzer (RFC 7162 §3.1.3);
        // store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag))).
        private ImapCommand? ParseStore(bool uid)
        {
            if (!Space() || !SequenceSet(out var set) || !Space())
                return null;
            ulong? unchangedSince = null;
            if (TryByte((byte)'('))
            {
                do
                {
                    if (!Name(out var modifier) || modifier != "UNCHANGEDSINCE")
                        return Bad("Unknown STORE modifier");
                    if (unchangedSince is not null)
                        return Bad("Duplicate STORE modifier");
                    if (!Space() || !ModSeq(out ulong value, allowZero: true))
                        return null;
                    unchangedSince = value;
                }
                while (MaybeSpace());
                if (!Expect((byte)')', "Bad STORE modifiers") || !Space())
                    return null;
            }
            var action = TryByte((byte)'+') ? ImapStoreAction.Add : TryByte((byte)'-') ? ImapStoreAction.Remove : ImapStoreAction.Replace;
            if (!Name(out var what) || what is not ("FLAGS" or "FLAGS.SILENT"))
                return Bad("Bad STORE data item");
            bool silent = what == "FLAGS.SILENT";
            if (!Space())
                return null;
            List<string> flags;
            if (Peek == '(')
            {
                if (!FlagList(out flags))
                    return null;
            }
            else
            {
                flags = [];
                do
                {
                    if (!Flag(out var flag))
                        return null;
                    flags.Add(flag);
                }
                while (MaybeSpace());
            }
            return new ImapStoreCommand(Tag, uid, set, action, silent, flags, unchangedSince);
        }
    }
}
