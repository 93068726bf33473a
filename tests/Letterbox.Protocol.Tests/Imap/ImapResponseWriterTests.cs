using System.Buffers;
using System.Text;
using Letterbox.Protocol.Imap;

namespace Letterbox.Protocol.Tests.Imap;

public sealed class ImapResponseWriterTests
{
    private static string Write(Action<ImapResponseWriter> write, bool utf8 = false)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(new ImapResponseWriter(buffer, utf8));
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Theory]
    [InlineData("hello world", false, "\"hello world\"")]
    [InlineData("", false, "\"\"")]
    [InlineData("tab\there", false, "{8}\r\ntab\there")]
    [InlineData("two\r\nlines", false, "{10}\r\ntwo\r\nlines")]
    [InlineData("say \"hi\"", false, "{8}\r\nsay \"hi\"")]
    [InlineData("back\\slash", false, "{10}\r\nback\\slash")]
    [InlineData("Grüße", false, "{7}\r\nGrüße")]
    [InlineData("Grüße", true, "\"Grüße\"")]
    [InlineData("nul\0", true, "{4}\r\nnul\0")]
    public void Strings_are_quoted_or_literal(string value, bool utf8, string expected) =>
        Assert.Equal(expected, Write(w => w.String(value), utf8));

    [Fact]
    public void Strings_that_are_not_utf8_are_literals_even_with_utf8()
    {
        var buffer = new ArrayBufferWriter<byte>();
        new ImapResponseWriter(buffer, utf8: true).String([0x41, 0xFF]);
        Assert.Equal([.. "{2}\r\n"u8, 0x41, 0xFF], buffer.WrittenSpan.ToArray());
        Assert.True(ImapResponseWriter.NeedsLiteral(Encoding.ASCII.GetBytes(new string('a', 1025)), false));
    }

    [Fact]
    public void Atoms_nstrings_astrings_and_mailboxes()
    {
        Assert.Equal("NIL", Write(w => w.String((string?)null)));
        Assert.Equal("INBOX", Write(w => w.AString("INBOX")));
        Assert.Equal("\"Sent Items\"", Write(w => w.AString("Sent Items")));
        Assert.Equal("\"\"", Write(w => w.AString("")));
        Assert.Equal("foo]bar", Write(w => w.AString("foo]bar")));
        Assert.Equal("\"a%b\"", Write(w => w.AString("a%b")));
        Assert.Equal("~peter/mail/&U,BTFw-/&ZeVnLIqe-", Write(w => w.Mailbox("~peter/mail/台北/日本語")));
        Assert.Equal("\"~peter/mail/台北/日本語\"", Write(w => w.Mailbox("~peter/mail/台北/日本語"), utf8: true));
        Assert.Equal("\"Tom &- Jerry\"", Write(w => w.Mailbox("Tom & Jerry")));
        Assert.Throws<ArgumentException>(() => Write(w => w.Atom("two words")));
        Assert.Throws<ArgumentException>(() => Write(w => w.Atom("")));
    }

    [Fact]
    public void Untagged_data_line()
    {
        string line = Write(w => w.Untagged().Number(12).Space().Atom("FETCH").Space().BeginList()
            .Atom("FLAGS").Space().FlagList(["\\Seen", "$Forwarded"]).Space()
            .Atom("INTERNALDATE").Space().DateTime(new DateTimeOffset(2026, 11, 25, 21, 0, 0, TimeSpan.Zero)).Space()
            .FetchItemName(new ImapFetchItem(ImapFetchItemKind.BodySection) { Section = new ImapSection([], ImapSectionText.Text, null) }).Space().LiteralHeader(5).Raw("hello"u8).EndList().EndLine());
        Assert.Equal("* 12 FETCH (FLAGS (\\Seen $Forwarded) INTERNALDATE \"25-Nov-2026 21:00:00 +0000\" BODY[TEXT] {5}\r\nhello)\r\n", line);
        Assert.Equal("~{3}\r\n", Write(w => w.LiteralHeader(3, binary: true)));
        Assert.Equal("()", Write(w => w.FlagList([])));
        Assert.Equal("(\\*)", Write(w => w.FlagList(["\\*"])));
        Assert.Throws<ArgumentException>(() => Write(w => w.FlagList(["bad flag"])));
    }

    [Fact]
    public void Continuations()
    {
        Assert.Equal("+ Ready\r\n", Write(w => w.Continuation()));
        Assert.Equal("+ idling\r\n", Write(w => w.Continuation("idling")));
        Assert.Equal("+ a b\r\n", Write(w => w.Continuation("a\r\nb".Replace("\r\n", " "))));
        Assert.Equal("+ (x] y\r\n", Write(w => w.Continuation("[x] y")));
        Assert.Equal("+ Zm9v\r\n", Write(w => w.Challenge("foo"u8)));
        Assert.Equal("+ \r\n", Write(w => w.Challenge([])));
    }

    [Theory]
    [InlineData("a1", ImapStatus.Ok, null, "LOGIN completed", "a1 OK LOGIN completed\r\n")]
    [InlineData(null, ImapStatus.Ok, "UIDVALIDITY 3857529045", "UIDs valid", "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n")]
    [InlineData("a2", ImapStatus.No, "TRYCREATE", "No such mailbox", "a2 NO [TRYCREATE] No such mailbox\r\n")]
    [InlineData("a3", ImapStatus.Bad, null, "", "a3 BAD Syntax error\r\n")]
    [InlineData(null, ImapStatus.Bye, null, "Logging out", "* BYE Logging out\r\n")]
    [InlineData(null, ImapStatus.PreAuth, "CAPABILITY IMAP4rev2", "hi", "* PREAUTH [CAPABILITY IMAP4rev2] hi\r\n")]
    [InlineData("a4", ImapStatus.Bad, null, "line\r\n* OK injected", "a4 BAD line  * OK injected\r\n")]
    [InlineData("a5", ImapStatus.Ok, null, "[ALERT] fake code", "a5 OK (ALERT] fake code\r\n")]
    [InlineData("a6", ImapStatus.Ok, null, "Grüße", "a6 OK Gr??e\r\n")]
    public void Status_responses(string? tag, ImapStatus status, string? code, string text, string expected) =>
        Assert.Equal(expected, new ImapStatusResponse(tag, status, code, text).ToString());

    [Fact]
    public void Status_response_text_is_utf8_only_when_enabled_and_is_bounded()
    {
        var r = ImapStatusResponse.Ok("a", "Grüße");
        Assert.Equal("a OK Grüße\r\n", Write(w => w.Status(r), utf8: true));
        var longText = ImapStatusResponse.Bad("a", new string('x', 5000));
        Assert.Equal(ImapStatusResponse.MaxTextLength + "a BAD \r\n".Length, longText.ToString().Length);
        Assert.Equal("b NO x\r\n", ImapStatusResponse.No("a", "x").WithTag("b").ToString());
    }

    [Fact]
    public void Status_response_arguments_are_checked()
    {
        Assert.Throws<ArgumentException>(() => new ImapStatusResponse("bad tag", ImapStatus.Ok, null, "x"));
        Assert.Throws<ArgumentException>(() => new ImapStatusResponse("a+", ImapStatus.Ok, null, "x"));
        Assert.Throws<ArgumentException>(() => new ImapStatusResponse("a", ImapStatus.Bye, null, "x"));
        Assert.Throws<ArgumentException>(() => new ImapStatusResponse("a", ImapStatus.Ok, "BAD]CODE", "x"));
        Assert.Throws<ArgumentException>(() => new ImapStatusResponse("a", ImapStatus.Ok, "X y]", "x"));
        Assert.Throws<ArgumentException>(() => new ImapStatusResponse("a", ImapStatus.Ok, "X\r\n", "x"));
        Assert.Throws<ArgumentException>(() => new ImapStatusResponse("a", ImapStatus.Ok, "", "x"));
    }

    [Fact]
    public void Response_codes()
    {
        Assert.Equal("APPENDUID 38505 3955", ImapResponseCode.AppendUid(38505, 3955));
        Assert.Equal("COPYUID 38505 304,319:320 3956:3958", ImapResponseCode.CopyUid(38505, [304, 319, 320], [3956, 3957, 3958]));
        Assert.Throws<ArgumentException>(() => ImapResponseCode.CopyUid(1, [1, 2], [3]));
        Assert.Equal("UIDNEXT 4392", ImapResponseCode.UidNext(4392));
        Assert.Equal("UIDVALIDITY 3857529045", ImapResponseCode.UidValidity(3857529045));
        Assert.Equal("UNSEEN 12", ImapResponseCode.Unseen(12));
        Assert.Equal("HIGHESTMODSEQ 715194045007", ImapResponseCode.HighestModSeq(715194045007));
        Assert.Equal("MODIFIED 7,9", ImapResponseCode.Modified([7, 9]));
        Assert.Equal("PERMANENTFLAGS (\\Deleted \\Seen \\*)", ImapResponseCode.PermanentFlags(["\\Deleted", "\\Seen", "\\*"]));
        Assert.Equal("BADCHARSET (UTF-8 US-ASCII)", ImapResponseCode.BadCharset(ImapCommandParser.SearchCharsets));
        string capability = ImapResponseCode.Capability([ImapCapability.Imap4Rev1, ImapCapability.Imap4Rev2, ImapCapability.StartTls,
            ImapCapability.Auth("plain"), ImapCapability.LiteralMinus, ImapCapability.StatusSize, ImapCapability.AppendLimitOf(52428800)]);
        Assert.Equal("CAPABILITY IMAP4rev1 IMAP4rev2 STARTTLS AUTH=PLAIN LITERAL- STATUS=SIZE APPENDLIMIT=52428800", capability);
        Assert.Throws<ArgumentException>(() => ImapResponseCode.Capability(["two words"]));
        Assert.Equal("a OK [READ-WRITE] SELECT completed\r\n", ImapStatusResponse.Ok("a", "SELECT completed", ImapResponseCode.ReadWrite).ToString());
    }

    [Fact]
    public void Fetch_item_response_names()
    {
        var fetch = (ImapFetchCommand)ImapCommandParser.ParseLine("a FETCH 1 (BODY.PEEK[HEADER.FIELDS (From to)]<0.100> BINARY[1.2] BODY[] RFC822 BINARY.SIZE[3] MODSEQ)"u8).Command!;
        Assert.Equal(["BODY[HEADER.FIELDS (FROM TO)]<0>", "BINARY[1.2]", "BODY[]", "RFC822", "BINARY.SIZE[3]", "MODSEQ"], fetch.Items.Select(i => i.ResponseName));
        Assert.Equal([false, true, true, true, false, false], fetch.Items.Select(i => i.SetsSeen));
        // Field names that are not plain atoms are quoted in the response, so they cannot break it.
        var odd = (ImapFetchCommand)ImapCommandParser.ParseLine("a FETCH 1 BODY[HEADER.FIELDS (\"a)b\" \"x\\\"y\" X-Ok)]"u8).Command!;
        Assert.Equal("BODY[HEADER.FIELDS (\"A)B\" \"X\\\"Y\" X-OK)]", odd.Items[0].ResponseName);
    }
}
