using System.Text;
using System.Text.Unicode;

namespace Letterbox.Protocol.Imap;

public static partial class ImapCommandParser
{
    /// <summary>
    /// The parser's state: a cursor over the frame and the first error met. Every method returns
    /// false on error (having recorded why); nothing throws. Text between literals is only ever
    /// read up to the next literal's marker, so a literal's octets are never taken for syntax.
    /// </summary>
    private ref partial struct Parser
    {
        private readonly ReadOnlySpan<byte> _text;
        private readonly IReadOnlyList<ImapLiteral> _literals;
        private readonly ImapParseOptions _options;
        private int _pos;
        private int _next; // the next literal not yet taken
        private int _searchKeys;
        private readonly bool _complete;

        public Parser(ImapCommandFrame frame, ImapParseOptions options)
        {
            _complete = frame.IsComplete;
            _text = frame.Text;
            _literals = frame.Literals;
            _options = options;
        }

        /// <summary>Why parsing failed (BAD text), or a full response for the few NO cases.</summary>
        public string? Error;
        public ImapStatusResponse? Refusal;
        public string Tag = "*";

        public readonly bool AtEnd => _pos >= _text.Length;

        private readonly int SegmentEnd => _next < _literals.Count ? _literals[_next].MarkerOffset : _text.Length;

        /// <summary>The text from here to the next literal's marker.</summary>
        public readonly ReadOnlySpan<byte> Rest => _text[_pos..SegmentEnd];

        /// <summary>The next byte, or -1 at a literal or the end.</summary>
        public readonly int Peek => _pos < SegmentEnd ? _text[_pos] : -1;

        public readonly bool AtLiteral => _next < _literals.Count && _literals[_next].MarkerOffset == _pos;

        public bool Fail(string reason)
        {
            Error ??= reason;
            return false;
        }

        /// <summary>Records a syntax error and yields no command.</summary>
        public ImapCommand? Bad(string reason)
        {
            Fail(reason);
            return null;
        }

        public bool Refuse(ImapStatusResponse response)
        {
            Refusal ??= response;
            Error ??= response.Text;
            return false;
        }

        public bool TryByte(byte b)
        {
            if (Peek != b)
                return false;
            _pos++;
            return true;
        }

        public bool Expect(byte b, string reason) => TryByte(b) || Fail(reason);

        // RFC 9051 §9 note 2: SP is exactly one space.
        public bool Space() => TryByte((byte)' ') || Fail("Missing space or argument");

        public bool MaybeSpace() => TryByte((byte)' ');

        public bool End() => AtEnd || Fail("Unexpected extra arguments");

        private void Advance(int n) => _pos += n;

        private ImapLiteral TakeLiteral(out ReadOnlySpan<byte> data)
        {
            var literal = _literals[_next++];
            data = _text.Slice(literal.DataOffset, literal.DataLength);
            _pos = literal.DataOffset + literal.DataLength;
            return literal;
        }

        /// <summary>
        /// A keyword: a letter, then letters, digits, ".", "-" — command names, search keys, fetch
        /// items, options. Upper-cased. False (without an error) when there is none.
        /// </summary>
        public bool Name(out string name)
        {
            name = "";
            var rest = Rest;
            if (rest.IsEmpty || !char.IsAsciiLetter((char)rest[0]))
                return false;
            int n = 1;
            while (n < rest.Length && (char.IsAsciiLetterOrDigit((char)rest[n]) || rest[n] is (byte)'.' or (byte)'-'))
                n++;
            if (n > 32)
            {
                Advance(n);
                name = "?";
                return true; // longer than any name we know: an unknown one
            }
            name = Encoding.ASCII.GetString(rest[..n]).ToUpperInvariant();
            Advance(n);
            return true;
        }

        /// <summary>atom = 1*ATOM-CHAR.</summary>
        public bool Atom(out ReadOnlySpan<byte> atom, string reason)
        {
            var rest = Rest;
            int n = 0;
            while (n < rest.Length && ImapChars.IsAtomChar(rest[n]))
                n++;
            atom = rest[..n];
            Advance(n);
            return n > 0 || Fail(reason);
        }

        /// <summary>astring = 1*ASTRING-CHAR / string.</summary>
        public bool AString(out ReadOnlySpan<byte> value, string reason)
        {
            value = default;
            if (AtLiteral || Peek == '"')
                return String(out value, reason);
            var rest = Rest;
            int n = 0;
            while (n < rest.Length && ImapChars.IsAStringChar(rest[n]))
                n++;
            value = rest[..n];
            Advance(n);
            return n > 0 || Fail(reason);
        }

        /// <summary>string = quoted / literal.</summary>
        public bool String(out ReadOnlySpan<byte> value, string reason)
        {
            value = default;
            if (AtLiteral)
            {
                var literal = TakeLiteral(out value);
                if (literal.IsStreamed)
                    return Fail("Unexpected message literal");
                if (literal.IsBinary)
                    return Fail("literal8 is only allowed for APPEND"); // RFC 3516 §4.4
                if (value.IndexOf((byte)0) >= 0)
                    return Fail("NUL in literal"); // RFC 9051 §9: literal octets are CHAR8, not NUL
                return true;
            }
            if (Peek == '"')
                return Quoted(out value);
            return Fail(reason);
        }

        /// <summary>nstring = string / "NIL".</summary>
        public bool NString(out ReadOnlySpan<byte> value, out bool isNil, string reason)
        {
            isNil = false;
            value = default;
            if (!AtLiteral && Peek != '"')
            {
                var rest = Rest;
                if (rest.Length >= 3 && Ascii.EqualsIgnoreCase(rest[..3], "NIL"u8) && (rest.Length == 3 || !ImapChars.IsAtomChar(rest[3])))
                {
                    Advance(3);
                    isNil = true;
                    return true;
                }
            }
            return String(out value, reason);
        }

        // quoted = DQUOTE *QUOTED-CHAR DQUOTE; QUOTED-CHAR = <TEXT-CHAR except quoted-specials> /
        // "\" quoted-specials / UTF8-2 / UTF8-3 / UTF8-4 (RFC 9051 §9). Any other octet after "\",
        // CR, LF and NUL are refused; 8-bit octets are checked as UTF-8 by whoever decodes.
        private bool Quoted(out ReadOnlySpan<byte> value)
        {
            value = default;
            var rest = Rest;
            byte[]? unescaped = null;
            int count = 0;
            for (int i = 1; i < rest.Length; i++)
            {
                byte b = rest[i];
                if (b == (byte)'"')
                {
                    value = unescaped is null ? rest[1..i] : unescaped.AsSpan(0, count);
                    Advance(i + 1);
                    return true;
                }
                if (b is 0 or (byte)'\r' or (byte)'\n')
                    return Fail("Invalid character in quoted string");
                if (b == (byte)'\\')
                {
                    if (i + 1 >= rest.Length || rest[i + 1] is not ((byte)'"' or (byte)'\\'))
                        return Fail("Invalid escape in quoted string");
                    if (unescaped is null)
                    {
                        unescaped = new byte[rest.Length];
                        rest[1..i].CopyTo(unescaped);
                        count = i - 1;
                    }
                    unescaped[count++] = rest[++i];
                    continue;
                }
                if (unescaped is not null)
                    unescaped[count++] = b;
            }
            return Fail("Unterminated quoted string");
        }

        public bool DecodeUtf8(ReadOnlySpan<byte> bytes, out string value, string what)
        {
            value = "";
            if (!System.Text.Unicode.Utf8.IsValid(bytes))
                return Fail(what + " is not valid UTF-8");
            value = Encoding.UTF8.GetString(bytes);
            return true;
        }

        /// <summary>mailbox = "INBOX" / astring, decoded (modified UTF-7 or UTF-8) and INBOX normalized.</summary>
        public bool Mailbox(out string name)
        {
            name = "";
            if (!AString(out var wire, "Missing mailbox name"))
                return false;
            if (!DecodeName(wire, out name))
                return false;
            name = ImapMailboxName.Normalize(name);
            return true;
        }

        /// <summary>list-mailbox = 1*list-char / string (RFC 9051 §9), decoded; wildcards kept.</summary>
        public bool ListMailbox(out string pattern)
        {
            pattern = "";
            ReadOnlySpan<byte> wire;
            if (AtLiteral || Peek == '"')
            {
                if (!String(out wire, "Missing mailbox pattern"))
                    return false;
            }
            else
            {
                var rest = Rest;
                int n = 0;
                while (n < rest.Length && ImapChars.IsListChar(rest[n]))
                    n++;
                if (n == 0)
                    return Fail("Missing mailbox pattern");
                wire = rest[..n];
                Advance(n);
            }
            return DecodeName(wire, out pattern);
        }

        private bool DecodeName(ReadOnlySpan<byte> wire, out string name)
        {
            name = "";
            if (_options.Utf8MailboxNames)
            {
                if (ImapMailboxName.TryDecode(wire, utf8: true, out var decoded))
                {
                    name = decoded!;
                    return true;
                }
                return Fail("Mailbox name is not valid UTF-8");
            }
            foreach (byte b in wire)
                if (b >= 0x80)
                    return Fail("Mailbox name has 8-bit characters: use modified UTF-7 or enable UTF8=ACCEPT");
            if (ImapMailboxName.TryDecode(wire, utf8: false, out var name7))
            {
                name = name7!;
                return true;
            }
            return Fail("Mailbox name is not valid modified UTF-7");
        }

        /// <summary>number = 1*DIGIT, below 2^32.</summary>
        public bool Number(out uint value, string reason)
        {
            value = 0;
            if (!Number64(out long n, reason))
                return false;
            if (n > uint.MaxValue)
                return Fail(reason);
            value = (uint)n;
            return true;
        }

        /// <summary>number64 = 1*DIGIT, at most 2^63 - 1.</summary>
        public bool Number64(out long value, string reason)
        {
            value = 0;
            var rest = Rest;
            int n = 0;
            long v = 0;
            while (n < rest.Length && ImapChars.IsDigit(rest[n]))
            {
                int d = rest[n] - '0';
                if (v > (long.MaxValue - d) / 10)
                    return Fail(reason);
                v = v * 10 + d;
                n++;
            }
            if (n == 0)
                return Fail(reason);
            Advance(n);
            value = v;
            return true;
        }

        /// <summary>mod-sequence-value (1 to 2^63 - 1) or, with <paramref name="allowZero"/>, mod-sequence-valzer (RFC 7162 §7).</summary>
        public bool ModSeq(out ulong value, bool allowZero)
        {
            value = 0;
            if (!Number64(out long n, "Bad mod-sequence value"))
                return false;
            if (n == 0 && !allowZero)
                return Fail("Bad mod-sequence value");
            value = (ulong)n;
            return true;
        }

        public bool SequenceSet(out ImapSequenceSet set)
        {
            set = null!;
            int used = ImapSequenceSet.Parse(Rest, _options.MaxSequenceRanges, out var parsed, out var error);
            if (used < 0)
                return Fail(error!);
            Advance(used);
            set = parsed!;
            return true;
        }

        // flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" / flag-keyword / flag-extension;
        // flag-keyword = atom; flag-extension = "\" atom (RFC 9051 §9). System flags are case-normalized.
        public bool Flag(out string flag)
        {
            flag = "";
            bool system = TryByte((byte)'\\');
            if (!Atom(out var atom, "Bad flag"))
                return false;
            string text = Encoding.ASCII.GetString(atom);
            flag = system ? NormalizeSystemFlag(text) : text;
            return true;
        }

        private static string NormalizeSystemFlag(string name) => name.ToUpperInvariant() switch
        {
            "ANSWERED" => "\\Answered",
            "FLAGGED" => "\\Flagged",
            "DELETED" => "\\Deleted",
            "SEEN" => "\\Seen",
            "DRAFT" => "\\Draft",
            "RECENT" => "\\Recent",
            _ => "\\" + name,
        };

        /// <summary>flag-list = "(" [flag *(SP flag)] ")".</summary>
        public bool FlagList(out List<string> flags)
        {
            flags = [];
            if (!Expect((byte)'(', "Missing flag list"))
                return false;
            if (TryByte((byte)')'))
                return true;
            while (true)
            {
                if (!Flag(out var flag))
                    return false;
                flags.Add(flag);
                if (TryByte((byte)')'))
                    return true;
                if (!Space())
                    return false;
            }
        }
    }
}
