using Letterbox.Protocol.Imap;

namespace Letterbox.Protocol.Tests.Imap;

/// <summary>
/// Every command kind, fed through the reader and the parser whole, byte by byte, line by line and
/// in random cuts (as a multi-segment sequence), with one expected transcript for all. Events are
/// joined by " | ": "+" is a continuation the server sent, "MSG n" an announced APPEND message.
/// </summary>
public sealed class ImapCommandParserTests
{
    public static TheoryData<string, string> Cases => new()
    {
        // Any state (RFC 9051 §6.1), and commands without arguments.
        { "a CAPABILITY\r\n", "a CAPABILITY" },
        { "a noop\r\n", "a NOOP" },
        { "a LOGOUT\r\n", "a LOGOUT" },
        { "a STARTTLS\r\n", "a STARTTLS" },
        { "a NAMESPACE\r\n", "a NAMESPACE" },
        { "a IDLE\r\n", "a IDLE" },
        { "a CHECK\r\n", "a CHECK" },
        { "a CLOSE\r\n", "a CLOSE" },
        { "a UNSELECT\r\n", "a UNSELECT" },
        { "a EXPUNGE\r\n", "a EXPUNGE" },
        { "A0001 NOOP\r\nA0002 NOOP\r\n", "A0001 NOOP | A0002 NOOP" },
        { "a NOOP\n", "a NOOP" },
        { "a]b NOOP\r\n", "a]b NOOP" },
        { "a NOOP extra\r\n", "a BAD" },
        { "a NOOP \r\n", "a BAD" },
        { "a  NOOP\r\n", "a BAD" },
        { "a NOOP(\r\n", "a BAD" },
        { "a FOO\r\n", "a BAD" },
        { "a UID NOOP\r\n", "a BAD" },
        { "a UID\r\n", "a BAD" },
        { "a\r\n", "a BAD" },
        { "\r\n", "* BAD" },
        { "+a NOOP\r\n", "* BAD" },
        { "a* NOOP\r\n", "* BAD" },
        { "a{1}\r\n", "ERR * BAD Invalid tag" },
        { "A044 BLURDYBLOOP {102856}\r\nA045 NOOP\r\n", "ERR A044 BAD Unknown command | A045 NOOP" },
        { "a NO\rOP\r\n", "a BAD" },
        { "a EXPUNGE 1\r\n", "a BAD" },

        // AUTHENTICATE (RFC 9051 §6.2.2, RFC 4959 SASL-IR)
        { "a AUTHENTICATE PLAIN\r\n", "a AUTHENTICATE PLAIN" },
        { "a authenticate plain AGZyZWQAc2VjcmV0\r\n", "a AUTHENTICATE PLAIN ir=\\x00fred\\x00secret" },
        { "a AUTHENTICATE PLAIN =\r\n", "a AUTHENTICATE PLAIN ir=" },
        { "a AUTHENTICATE SCRAM-SHA-256 biwsbj11c2VyLHI9ck9wck5HZndFYmVSV2diTkVrcU8=\r\n", "a AUTHENTICATE SCRAM-SHA-256 ir=n,,n=user,r=rOprNGfwEbeRWgbNEkqO" },
        { "a AUTHENTICATE PLAIN AGZy!\r\n", "a BAD" },
        { "a AUTHENTICATE PLAIN AGZ\r\n", "a BAD" },
        { "a AUTHENTICATE PLAIN A=ZZ\r\n", "a BAD" },
        { "a AUTHENTICATE PLAIN AA== x\r\n", "a BAD" },
        { "a AUTHENTICATE\r\n", "a BAD" },
        { "a AUTHENTICATE PL/AIN\r\n", "a BAD" },
        { "a AUTHENTICATE ABCDEFGHIJKLMNOPQRSTU\r\n", "a BAD" },

        // LOGIN (RFC 9051 §6.2.3), with quoted strings and literals (RFC 7888 for "{n+}")
        { "a LOGIN fred secret\r\n", "a LOGIN fred secret" },
        { "a LOGIN \"fred smith\" \"p\\\"w\\\\d\"\r\n", "a LOGIN fred smith p\"w\\d" },
        { "a LOGIN {4}\r\nfred {6}\r\nsecret\r\n", "+ | + | a LOGIN fred secret" },
        { "a LOGIN {4+}\r\nfred {6+}\r\nsecret\r\n", "a LOGIN fred secret" },
        { "A001 LOGIN {11+}\r\nFRED FOOBAR {7+}\r\nfat man\r\n", "A001 LOGIN FRED FOOBAR fat man" },
        { "a LOGIN {0}\r\n {0}\r\n\r\n", "+ | + | a LOGIN  " },
        { "a LOGIN \"jörg\" \"pässwörd\"\r\n", "a LOGIN jörg pässwörd" },
        { "a LOGIN fred\r\n", "a BAD" },
        { "a LOGIN fred  secret\r\n", "a BAD" },
        { "a LOGIN \"fred secret\r\n", "a BAD" },
        { "a LOGIN \"a\\b\" x\r\n", "a BAD" },
        { "a LOGIN \"abc {3}\r\nxyz\" pass\r\n", "+ | a BAD" },
        { "a LOGIN fred ~{6}\r\nsecret\r\n", "+ | a BAD" },

        // ENABLE (RFC 5161)
        { "a ENABLE CONDSTORE UTF8=ACCEPT IMAP4rev2\r\n", "a ENABLE CONDSTORE UTF8=ACCEPT IMAP4rev2" },
        { "a ENABLE\r\n", "a BAD" },
        { "a ENABLE (X)\r\n", "a BAD" },

        // SELECT / EXAMINE (RFC 9051 §6.3.2, RFC 7162 §3.1.8), mailbox names (RFC 3501 §5.1.3)
        { "a SELECT inbox\r\n", "a SELECT INBOX" },
        { "a SELECT \"InBoX\"\r\n", "a SELECT INBOX" },
        { "a EXAMINE INBOX (CONDSTORE)\r\n", "a EXAMINE INBOX CONDSTORE" },
        // QRESYNC select parameter (RFC 7162 §3.2.5), and what is not one
        { "a SELECT INBOX (QRESYNC (67890007 20050715194045000))\r\n", "a SELECT INBOX qresync=67890007,20050715194045000" },
        { "a SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541))\r\n",
            "a SELECT INBOX qresync=67890007,90060115194045000,known=41:211,214:541" },
        { "a EXAMINE INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))\r\n",
            "a EXAMINE INBOX qresync=67890007,90060115194045000,known=1:29997,match=5000,7500,9000,9990:9999/15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997" },
        { "a SELECT INBOX (QRESYNC (1 2 (1:3 4:6)))\r\n", "a SELECT INBOX qresync=1,2,match=1:3/4:6" },
        { "a SELECT INBOX (CONDSTORE QRESYNC (1 2))\r\n", "a SELECT INBOX CONDSTORE qresync=1,2" },
        { "a SELECT INBOX (QRESYNC (0 2))\r\n", "a BAD" },
        { "a SELECT INBOX (QRESYNC (1 0))\r\n", "a BAD" },
        { "a SELECT INBOX (QRESYNC (1))\r\n", "a BAD" },
        { "a SELECT INBOX (QRESYNC ())\r\n", "a BAD" },
        { "a SELECT INBOX (QRESYNC)\r\n", "a BAD" },
        { "a SELECT INBOX (QRESYNC (1 2 $))\r\n", "a BAD" },
        { "a SELECT INBOX (QRESYNC (1 2 1:5 ))\r\n", "a BAD" },
        { "a SELECT INBOX (QRESYNC (1 2 1:5 (1:3)))\r\n", "a BAD" },
        { "a SELECT INBOX (QRESYNC (1 2 (1:3 4:6))\r\n", "a BAD" },
        { "a SELECT INBOX (QRESYNC (1 2) QRESYNC (1 2))\r\n", "a BAD" },
        { "a SELECT INBOX (QRESYNC (4294967296 2))\r\n", "a BAD" },
        { "a SELECT INBOX (QRESYNC (1 99999999999999999999999))\r\n", "a BAD" },
        { "a SELECT INBOX (QRESYNC (1 2 ((1 2))))\r\n", "a BAD" },
        { "a SELECT \"Sent Items\"\r\n", "a SELECT Sent Items" },
        { "a SELECT ~peter/mail/&U,BTFw-/&ZeVnLIqe-\r\n", "a SELECT ~peter/mail/台北/日本語" },
        { "a SELECT &Jjo-!\r\n", "a SELECT ☺!" },
        { "a SELECT Tom&-Jerry\r\n", "a SELECT Tom&Jerry" },
        { "a SELECT {5}\r\nINBOX\r\n", "+ | a SELECT INBOX" },
        { "a SELECT &AGE\r\n", "a BAD" },
        { "a SELECT Tom&Jerry\r\n", "a BAD" },
        { "a SELECT \"Bücher\"\r\n", "a BAD" },
        { "a SELECT INBOX (UNKNOWN)\r\n", "a BAD" },
        { "a SELECT INBOX ()\r\n", "a BAD" },
        { "a SELECT\r\n", "a BAD" },

        // CREATE DELETE RENAME SUBSCRIBE UNSUBSCRIBE (RFC 9051 §6.3.4-8)
        { "a CREATE Archive/2026\r\n", "a CREATE Archive/2026" },
        { "a DELETE Trash\r\n", "a DELETE Trash" },
        { "a SUBSCRIBE Lists\r\n", "a SUBSCRIBE Lists" },
        { "a UNSUBSCRIBE \"Lists\"\r\n", "a UNSUBSCRIBE Lists" },
        { "a RENAME Old New\r\n", "a RENAME Old New" },
        { "a RENAME Old\r\n", "a BAD" },
        { "a CREATE Foo (USE (\\Sent))\r\n", "a BAD" },

        // LIST (RFC 9051 §6.3.9, RFC 5258 LIST-EXTENDED, RFC 6154, RFC 5819), LSUB (RFC 3501)
        { "a LIST \"\" *\r\n", "a LIST ref= pat=*" },
        { "a LIST \"\" %\r\n", "a LIST ref= pat=%" },
        { "a LIST \"\" \"\"\r\n", "a LIST ref= pat=" },
        { "a LIST Archive/ %\r\n", "a LIST ref=Archive/ pat=%" },
        { "a LIST \"\" foo]bar\r\n", "a LIST ref= pat=foo]bar" },
        { "a LIST \"\" &ZeVnLIqe-/*\r\n", "a LIST ref= pat=日本語/*" },
        { "a LIST (SUBSCRIBED) \"\" *\r\n", "a LIST ref= pat=* sel=Subscribed ext" },
        { "a LIST (SUBSCRIBED RECURSIVEMATCH REMOTE) \"\" *\r\n", "a LIST ref= pat=* sel=Subscribed, Remote, RecursiveMatch ext" },
        { "a LIST (SPECIAL-USE) \"\" *\r\n", "a LIST ref= pat=* sel=SpecialUse ext" },
        { "a LIST () \"\" *\r\n", "a LIST ref= pat=* ext" },
        { "a LIST \"\" (INBOX Sent*) RETURN (CHILDREN SPECIAL-USE)\r\n", "a LIST ref= pat=INBOX,Sent* ret=Children, SpecialUse ext" },
        { "a LIST \"\" * RETURN (SUBSCRIBED STATUS (MESSAGES UNSEEN SIZE))\r\n", "a LIST ref= pat=* ret=Subscribed, Status status=Messages, Unseen, Size ext" },
        { "a LIST \"\" * RETURN ()\r\n", "a LIST ref= pat=* ext" },
        { "a LIST (RECURSIVEMATCH) \"\" *\r\n", "a BAD" },
        { "a LIST (REMOTE RECURSIVEMATCH) \"\" *\r\n", "a BAD" },
        { "a LIST (FOO) \"\" *\r\n", "a BAD" },
        { "a LIST \"\" * RETURN (MYRIGHTS)\r\n", "a BAD" },
        { "a LIST \"\" * RETURN (STATUS ())\r\n", "a BAD" },
        { "a LIST \"\" ()\r\n", "a BAD" },
        { "a LIST \"\"\r\n", "a BAD" },
        { "a LSUB \"\" *\r\n", "a LSUB ref= pat=*" },
        { "a LSUB \"\" (*)\r\n", "a BAD" },

        // STATUS (RFC 9051 §6.3.11, RFC 8438, RFC 7162, RFC 7889)
        { "a STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE RECENT HIGHESTMODSEQ APPENDLIMIT)\r\n",
            "a STATUS INBOX Messages, UidNext, UidValidity, Unseen, Deleted, Size, Recent, HighestModSeq, AppendLimit" },
        { "a STATUS \"Sent\" (unseen)\r\n", "a STATUS Sent Unseen" },
        { "a STATUS INBOX ()\r\n", "a BAD" },
        { "a STATUS INBOX (FOO)\r\n", "a BAD" },
        { "a STATUS INBOX MESSAGES\r\n", "a BAD" },

        // APPEND (RFC 9051 §6.3.12, RFC 3516 literal8, RFC 7888): the message is streamed
        { "a APPEND INBOX {5}\r\nhello\r\n", "MSG 5 | + | a APPEND INBOX flags=[] len=5 data=hello" },
        { "a APPEND INBOX (\\Seen $Label) \"25-Nov-2026 21:00:00 +0100\" {5+}\r\nhello\r\n",
            "MSG 5+ | a APPEND INBOX flags=[\\Seen $Label] date=2026-11-25T21:00:00+01:00 len=5 data=hello" },
        { "a APPEND INBOX () \" 5-Nov-2026 08:00:00 -0500\" {2}\r\nhi\r\n",
            "MSG 2 | + | a APPEND INBOX flags=[] date=2026-11-05T08:00:00-05:00 len=2 data=hi" },
        { "a APPEND {5}\r\nDraft {3}\r\nabc\r\n", "+ | MSG 3 | + | a APPEND Draft flags=[] len=3 data=abc" },
        { "a APPEND INBOX ~{4}\r\n\0\u0001\r\n\r\n", "MSG 4 binary | + | a APPEND INBOX flags=[] len=4 binary data=\\x00\\x01\\r\\n" },
        { "a APPEND INBOX {0}\r\n\r\n", "MSG 0 | + | a APPEND INBOX flags=[] len=0 data=" },
        // UTF8 APPEND data (RFC 6855 §4): a literal8 inside UTF8 ( )
        { "a APPEND INBOX UTF8 (~{5}\r\nS: \u00e9)\r\n", "MSG 5 binary | + | a APPEND INBOX flags=[] len=5 binary utf8 data=S: \\xC3\\xA9" },
        { "a APPEND INBOX (\\Seen) utf8 (~{2+}\r\nhi)\r\n", "MSG 2+ binary | a APPEND INBOX flags=[\\Seen] len=2 binary utf8 data=hi" },
        { "a APPEND INBOX UTF8 (~{2}\r\nhi\r\n", "MSG 2 binary | + | a BAD" },
        { "a APPEND INBOX UTF8 (~{2}\r\nhi))\r\n", "MSG 2 binary | + | a BAD" },
        { "a APPEND INBOX UTF8 ({2}\r\n", "MSG 2 refused | ERR a BAD UTF8 APPEND data must be a literal8" },
        { "a APPEND INBOX UTF8 ~{2}\r\n", "MSG 2 binary refused | ERR a BAD Bad APPEND data" },
        { "a APPEND INBOX UTF9 (~{2}\r\n", "MSG 2 binary refused | ERR a BAD Bad APPEND data" },
        { "a APPEND INBOX {11}\r\n{5}\r\nab\r\ncd\r\n", "MSG 11 | + | a APPEND INBOX flags=[] len=11 data={5}\\r\\nab\\r\\ncd" },
        { "a APPEND INBOX \"bad date\" {5}\r\n", "MSG 5 refused | ERR a BAD Bad date-time" },
        { "a APPEND INBOX (\\Recent) {1+}\r\nx\r\nb NOOP\r\n", "MSG 1+ refused | ERR a BAD \\Recent cannot be set | b NOOP" },
        { "a APPEND INBOX {3}\r\nabc extra\r\n", "MSG 3 | + | a BAD" },
        { "a APPEND INBOX\r\n", "a BAD" },
        { "a APPEND INBOX \"x\"\r\n", "a BAD" },

        // QUOTA (RFC 9208 §4)
        { "a GETQUOTAROOT INBOX\r\n", "a GETQUOTAROOT INBOX" },
        { "a getquotaroot \"Sent Items\"\r\n", "a GETQUOTAROOT Sent Items" },
        { "a GETQUOTA \"\"\r\n", "a GETQUOTA " },
        { "a GETQUOTA {4}\r\nroot\r\n", "+ | a GETQUOTA root" },
        { "a SETQUOTA \"\" (STORAGE 512)\r\n", "a SETQUOTA  STORAGE=512" },
        { "a SETQUOTA \"\" ()\r\n", "a SETQUOTA " },
        { "a SETQUOTA \"\" (STORAGE 512 MESSAGE 10)\r\n", "a SETQUOTA  STORAGE=512 MESSAGE=10" },
        { "a GETQUOTAROOT\r\n", "a BAD" },
        { "a GETQUOTA\r\n", "a BAD" },
        { "a GETQUOTA \"\" extra\r\n", "a BAD" },
        { "a SETQUOTA \"\"\r\n", "a BAD" },
        { "a SETQUOTA \"\" (STORAGE)\r\n", "a BAD" },
        { "a SETQUOTA \"\" (STORAGE -1)\r\n", "a BAD" },
        { "a SETQUOTA \"\" (STORAGE 99999999999999999999999)\r\n", "a BAD" },
        { "a SETQUOTA \"\" (STORAGE 1 (MESSAGE 2))\r\n", "a BAD" },
        { "a SETQUOTA \"\" (A 1 B 1 C 1 D 1 E 1 F 1 G 1 H 1 I 1 J 1 K 1 L 1 M 1 N 1 O 1 P 1 Q 1)\r\n", "a BAD" },
        { "a GETQUOTAROOT &AGE\r\n", "a BAD" },

        // COMPRESS (RFC 4978)
        { "a COMPRESS DEFLATE\r\n", "a COMPRESS DEFLATE" },
        { "a compress deflate\r\n", "a COMPRESS DEFLATE" },
        { "a COMPRESS\r\n", "a BAD" },
        { "a COMPRESS DEFLATE x\r\n", "a BAD" },
        { "a COMPRESS \"DEFLATE\"\r\n", "a BAD" },
        { "a COMPRESS {7}\r\nDEFLATE\r\n", "+ | a BAD" },

        // UID EXPUNGE (RFC 4315)
        { "a UID EXPUNGE 1:3,5\r\n", "a UID EXPUNGE 1:3,5" },
        { "a UID EXPUNGE\r\n", "a BAD" },

        // SEARCH (RFC 9051 §6.4.4, RFC 4731 ESEARCH, RFC 5182 SEARCHRES, RFC 7162 MODSEQ)
        { "a SEARCH ALL\r\n", "a SEARCH ALL" },
        { "a UID SEARCH UNSEEN FROM fred\r\n", "a UID SEARCH AND(UNSEEN,FROM:fred)" },
        { "a SEARCH RETURN (MIN MAX COUNT) UNDELETED\r\n", "a SEARCH ret=Min, Max, Count UNDELETED" },
        { "a SEARCH RETURN () ALL\r\n", "a SEARCH ret=All ALL" },
        { "a SEARCH RETURN (SAVE ALL) SEEN\r\n", "a SEARCH ret=All, Save SEEN" },
        { "a SEARCH CHARSET UTF-8 SUBJECT \"ünïcode\"\r\n", "a SEARCH charset=UTF-8 SUBJECT:ünïcode" },
        { "a SEARCH RETURN (COUNT) CHARSET us-ascii TEXT x\r\n", "a SEARCH ret=Count charset=US-ASCII TEXT:x" },
        { "a SEARCH CHARSET UTF-8 SUBJECT {5}\r\nhello\r\n", "+ | a SEARCH charset=UTF-8 SUBJECT:hello" },
        { "a SEARCH OR FROM a TO b\r\n", "a SEARCH OR(FROM:a,TO:b)" },
        { "a SEARCH NOT (SEEN FLAGGED)\r\n", "a SEARCH NOT(AND(SEEN,FLAGGED))" },
        { "a SEARCH 1:5,7 UID 10:*\r\n", "a SEARCH AND(SET:1:5,7,UID:10:*)" },
        { "a SEARCH $\r\n", "a SEARCH SET:$" },
        { "a SEARCH UID $ SEEN\r\n", "a SEARCH AND(UID:$,SEEN)" },
        { "a SEARCH HEADER Message-ID \"<x@y>\"\r\n", "a SEARCH HEADER:Message-ID:<x@y>" },
        { "a SEARCH BEFORE 1-Feb-1994 SINCE \"25-Nov-2026\" SENTON 5-nov-2026\r\n", "a SEARCH AND(BEFORE:1994-02-01,SINCE:2026-11-25,SENTON:2026-11-05)" },
        { "a SEARCH ON 1-Jan-2026 SENTBEFORE 2-Jan-2026 SENTSINCE 3-Jan-2026\r\n", "a SEARCH AND(ON:2026-01-01,SENTBEFORE:2026-01-02,SENTSINCE:2026-01-03)" },
        { "a SEARCH LARGER 1000 SMALLER 9223372036854775807\r\n", "a SEARCH AND(LARGER:1000,SMALLER:9223372036854775807)" },
        { "a SEARCH KEYWORD $Forwarded UNKEYWORD Junk\r\n", "a SEARCH AND(KEYWORD:$Forwarded,UNKEYWORD:Junk)" },
        { "a SEARCH NEW OLD RECENT ANSWERED DELETED DRAFT FLAGGED UNANSWERED UNDELETED UNDRAFT UNFLAGGED\r\n",
            "a SEARCH AND(NEW,OLD,RECENT,ANSWERED,DELETED,DRAFT,FLAGGED,UNANSWERED,UNDELETED,UNDRAFT,UNFLAGGED)" },
        { "a SEARCH BCC x BODY y CC z TEXT \"w v\"\r\n", "a SEARCH AND(BCC:x,BODY:y,CC:z,TEXT:w v)" },
        { "a SEARCH MODSEQ 620162338\r\n", "a SEARCH MODSEQ:620162338" },
        { "a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338\r\n", "a SEARCH MODSEQ:620162338:/flags/\\draft:All" },
        { "a SEARCH OR (SEEN) (NOT ((DRAFT)))\r\n", "a SEARCH OR(AND(SEEN),AND(NOT(AND(AND(DRAFT)))))" },
        { "a SEARCH CHARSET ISO-8859-1 ALL\r\n", "a NO [BADCHARSET (UTF-8 US-ASCII)]" },
        { "a SEARCH MODSEQ \"/flags/\\\\draft\" none 1\r\n", "a BAD" },
        { "a SEARCH MODSEQ \"/flags/\" all 1\r\n", "a BAD" },
        { "a SEARCH HEADER Bad:Name x\r\n", "a BAD" },
        { "a SEARCH ON 31-Feb-2026\r\n", "a BAD" },
        { "a SEARCH ON 1-Foo-2026\r\n", "a BAD" },
        { "a SEARCH LARGER 9223372036854775808\r\n", "a BAD" },
        { "a SEARCH RETURN (FOO) ALL\r\n", "a BAD" },
        { "a SEARCH FOO\r\n", "a BAD" },
        { "a SEARCH\r\n", "a BAD" },
        { "a SEARCH (ALL\r\n", "a BAD" },
        { "a SEARCH ()\r\n", "a BAD" },
        { "a SEARCH 0\r\n", "a BAD" },
        { "a SEARCH OR ALL\r\n", "a BAD" },
        { "a SEARCH ALL \r\n", "a BAD" },

        // FETCH (RFC 9051 §6.4.5, RFC 3516 BINARY, RFC 7162 CONDSTORE)
        { "a FETCH 1:* ALL\r\n", "a FETCH 1:* FLAGS INTERNALDATE RFC822.SIZE ENVELOPE" },
        { "a FETCH 1 fast\r\n", "a FETCH 1 FLAGS INTERNALDATE RFC822.SIZE" },
        { "a FETCH 1 FULL\r\n", "a FETCH 1 FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY" },
        { "a FETCH 2,4:7 FLAGS\r\n", "a FETCH 2,4:7 FLAGS" },
        { "a UID FETCH 1:* (UID FLAGS MODSEQ) (CHANGEDSINCE 12345)\r\n", "a UID FETCH 1:* UID FLAGS MODSEQ changedsince=12345" },
        { "a FETCH 1 (BODY.PEEK[HEADER.FIELDS (From To Subject)]<0.2048>)\r\n", "a FETCH 1 BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT)]<0.2048>" },
        { "a FETCH 1 BODY[]\r\n", "a FETCH 1 BODY[]" },
        { "a FETCH 1 (BODY[1.2.MIME] BODY[2.TEXT] BODY[3] BODY[4.1.HEADER] BODY[HEADER.FIELDS.NOT (X-Spam)] BODY[TEXT] BODY[HEADER])\r\n",
            "a FETCH 1 BODY[1.2.MIME] BODY[2.TEXT] BODY[3] BODY[4.1.HEADER] BODY[HEADER.FIELDS.NOT (X-SPAM)] BODY[TEXT] BODY[HEADER]" },
        { "a FETCH 1 (BINARY[1]<0.100> BINARY.PEEK[] BINARY.SIZE[2.3])\r\n", "a FETCH 1 BINARY[1]<0.100> BINARY.PEEK[] BINARY.SIZE[2.3]" },
        { "a FETCH 1 (RFC822 RFC822.HEADER RFC822.TEXT RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY INTERNALDATE)\r\n",
            "a FETCH 1 RFC822 RFC822.HEADER RFC822.TEXT RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY INTERNALDATE" },
        { "a FETCH 1 BODY[HEADER.FIELDS ({4}\r\nFrom)]\r\n", "+ | a FETCH 1 BODY[HEADER.FIELDS (FROM)]" },
        { "a UID FETCH 4294967295 UID\r\n", "a UID FETCH 4294967295 UID" },
        { "a FETCH 4294967296 FLAGS\r\n", "a BAD" },
        { "a FETCH 1 BODY[MIME]\r\n", "a BAD" },
        { "a FETCH 1 BINARY[HEADER]\r\n", "a BAD" },
        { "a FETCH 1 BINARY.SIZE[1]<0.5>\r\n", "a BAD" },
        { "a FETCH 1 BODY[0]\r\n", "a BAD" },
        { "a FETCH 1 BODY[1.]\r\n", "a BAD" },
        { "a FETCH 1 BODY[]<0.0>\r\n", "a BAD" },
        { "a FETCH 1 BODY[]<5>\r\n", "a BAD" },
        { "a FETCH 1 BODY.PEEK\r\n", "a BAD" },
        { "a FETCH 1 BODY[HEADER.FIELDS ()]\r\n", "a BAD" },
        { "a FETCH 1 (FLAGS\r\n", "a BAD" },
        { "a FETCH 1 ()\r\n", "a BAD" },
        { "a FETCH 1 FOO\r\n", "a BAD" },
        { "a FETCH 1 (ALL)\r\n", "a BAD" },
        { "a FETCH 1 FLAGS (VANISHED)\r\n", "a BAD" },
        { "a FETCH 1 FLAGS (CHANGEDSINCE 0)\r\n", "a BAD" },
        // VANISHED (RFC 7162 §3.2.6): UID FETCH with CHANGEDSINCE only
        { "a UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n", "a UID FETCH 300:500 FLAGS changedsince=12345 vanished" },
        { "a UID FETCH 1:* FLAGS (VANISHED CHANGEDSINCE 7)\r\n", "a UID FETCH 1:* FLAGS changedsince=7 vanished" },
        { "a UID FETCH 1:* FLAGS (VANISHED)\r\n", "a BAD" },
        { "a FETCH 1:* FLAGS (CHANGEDSINCE 7 VANISHED)\r\n", "a BAD" },
        { "a UID FETCH 1:* FLAGS (CHANGEDSINCE 7 VANISHED VANISHED)\r\n", "a BAD" },
        { "a UID FETCH 1:* FLAGS (CHANGEDSINCE 7 VANISHED 1)\r\n", "a BAD" },
        { "a FETCH 1 FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)\r\n", "a BAD" },
        { "a FETCH 1:*:3 FLAGS\r\n", "a BAD" },
        { "a FETCH 1,,2 FLAGS\r\n", "a BAD" },
        { "a FETCH FLAGS\r\n", "a BAD" },

        // STORE (RFC 9051 §6.4.6, RFC 7162 UNCHANGEDSINCE)
        { "a STORE 1:3 +FLAGS (\\Deleted)\r\n", "a STORE 1:3 +FLAGS (\\Deleted)" },
        { "a UID STORE 5 -FLAGS.SILENT \\seen $Junk\r\n", "a UID STORE 5 -FLAGS.SILENT (\\Seen $Junk)" },
        { "a STORE 1 FLAGS ()\r\n", "a STORE 1 FLAGS ()" },
        { "a STORE 1 flags.silent (\\ANSWERED \\Draft \\Flagged \\X-Ext)\r\n", "a STORE 1 FLAGS.SILENT (\\Answered \\Draft \\Flagged \\X-Ext)" },
        { "a STORE 1 (UNCHANGEDSINCE 0) +FLAGS (\\Flagged)\r\n", "a STORE 1 +FLAGS (\\Flagged) unchangedsince=0" },
        { "a STORE 1 +FLAGS\r\n", "a BAD" },
        { "a STORE 1 +FLAGS (\\*)\r\n", "a BAD" },
        { "a STORE 1 XFLAGS (\\Seen)\r\n", "a BAD" },
        { "a STORE 1 (UNCHANGEDSINCE x) FLAGS ()\r\n", "a BAD" },

        // COPY / MOVE (RFC 9051 §6.4.7-8, RFC 6851)
        { "a COPY 1:3 Archive\r\n", "a COPY 1:3 Archive" },
        { "a UID MOVE 4,7:9 Trash\r\n", "a UID MOVE 4,7:9 Trash" },
        { "a UID COPY 1 inbox\r\n", "a UID COPY 1 INBOX" },
        { "a MOVE 1\r\n", "a BAD" },

        // ID (RFC 2971)
        { "a ID (\"name\" \"Thunderbird\" \"version\" \"115.0\")\r\n", "a ID (name=Thunderbird, version=115.0)" },
        { "a ID NIL\r\n", "a ID NIL" },
        { "a ID (\"vendor\" NIL)\r\n", "a ID (vendor=NIL)" },
        { "a ID ()\r\n", "a ID ()" },
        { "a ID (\"name\")\r\n", "a BAD" },
        { "a ID (\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" \"x\")\r\n", "a BAD" },
        { "a ID FOO\r\n", "a BAD" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Command_gives_the_same_result_however_it_is_cut(string input, string expected)
    {
        foreach (var cut in ImapFeed.AllCuts)
            Assert.Equal(expected, string.Join(" | ", ImapFeed.Run(input, cut)));
    }

    [Theory]
    [InlineData("a SELECT Bücher\r\n", "a BAD")] // atoms stay ASCII (RFC 6855 §3: UTF-8 in quoted strings and literals)
    [InlineData("a SELECT \"日本語/Posteingang\"\r\n", "a SELECT 日本語/Posteingang")]
    [InlineData("a SELECT &ZeVnLIqe-\r\n", "a SELECT &ZeVnLIqe-")]
    [InlineData("a CREATE {7}\r\nBücher\r\n", "+ | a CREATE Bücher")]
    [InlineData("a LIST \"\" Bü*\r\n", "a BAD")]
    public void With_utf8_names_mailbox_names_are_utf8(string input, string expected)
    {
        var options = new ImapParseOptions { Utf8MailboxNames = true };
        foreach (var cut in ImapFeed.AllCuts)
            Assert.Equal(expected, string.Join(" | ", ImapFeed.Run(input, cut, options: options)));
    }

    [Fact]
    public void Append_with_a_policy_that_refuses_is_answered_in_step()
    {
        ImapFeed.AppendPolicy noSuchMailbox = a => a.Mailbox == "Nowhere"
            ? ImapStatusResponse.No(a.Tag, "No such mailbox", ImapResponseCode.TryCreate) : null;
        string input = "a APPEND Nowhere {5}\r\n" + "b APPEND Nowhere {5+}\r\nhello\r\n" + "c APPEND INBOX {5+}\r\nhello\r\n";
        foreach (var cut in ImapFeed.AllCuts)
            Assert.Equal(
                "MSG 5 refused | ERR a NO [TRYCREATE] No such mailbox | MSG 5+ refused | ERR b NO [TRYCREATE] No such mailbox | MSG 5+ | c APPEND INBOX flags=[] len=5 data=hello",
                string.Join(" | ", ImapFeed.Run(input, cut, policy: noSuchMailbox)));
    }

    [Fact]
    public void Parse_line_and_result_fields()
    {
        var r = ImapCommandParser.ParseLine("x1 UID FETCH 1 FLAGS"u8);
        Assert.True(r.IsSuccess);
        Assert.Equal("x1", r.Tag);
        Assert.Equal(ImapCommandKind.Fetch, r.Kind);
        var fetch = Assert.IsType<ImapFetchCommand>(r.Command);
        Assert.True(fetch.IsUid);

        var bad = ImapCommandParser.ParseLine("x2 FETCH nonsense"u8);
        Assert.False(bad.IsSuccess);
        Assert.Equal("x2", bad.Tag);
        Assert.Equal(ImapCommandKind.Fetch, bad.Kind); // known verb: the session can check its state table first
        Assert.Equal("x2 BAD Bad sequence set\r\n", bad.Error.ToString());
    }

    [Fact]
    public void Login_and_authenticate_never_show_credentials()
    {
        var login = ImapCommandParser.ParseLine("a LOGIN fred hunter2"u8).Command!;
        Assert.DoesNotContain("hunter2", login.ToString());
        var auth = ImapCommandParser.ParseLine("a AUTHENTICATE PLAIN AGZyZWQAaHVudGVyMg=="u8).Command!;
        Assert.DoesNotContain("AGZy", auth.ToString());
    }

    [Theory]
    [InlineData("DONE", true)]
    [InlineData("done", true)]
    [InlineData("DONE ", false)]
    [InlineData("", false)]
    public void Idle_done(string line, bool done) => Assert.Equal(done, ImapCommandParser.IsIdleDone(ImapFeed.Bytes(line)));

    [Theory]
    [InlineData("*", true, true, null)]
    [InlineData("", true, false, "")]
    [InlineData("Zm9v", true, false, "foo")]
    [InlineData("Zm9v YmFy", false, false, null)]
    [InlineData("Zm9", false, false, null)]
    [InlineData("=Zm9", false, false, null)]
    public void Sasl_responses(string line, bool ok, bool cancelled, string? data)
    {
        Assert.Equal(ok, ImapCommandParser.TryParseSaslResponse(ImapFeed.Bytes(line), out bool c, out var bytes));
        Assert.Equal(cancelled, c);
        if (data is not null)
            Assert.Equal(data, System.Text.Encoding.ASCII.GetString(bytes!));
    }
}
