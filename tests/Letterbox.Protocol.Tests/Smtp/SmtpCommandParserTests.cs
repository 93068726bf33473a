using System.Text;
using Letterbox.Protocol.Smtp;

namespace Letterbox.Protocol.Tests.Smtp;

/// <summary>
/// Command lines, each fed through the line reader and parser whole, byte by byte and line by
/// line (as a span and as a multi-segment sequence), with the same expected outcome each way.
/// </summary>
public sealed class SmtpCommandParserTests
{
    private const SmtpExtensions All = SmtpExtensions.Pipelining | SmtpExtensions.Size | SmtpExtensions.EightBitMime
        | SmtpExtensions.SmtpUtf8 | SmtpExtensions.EnhancedStatusCodes | SmtpExtensions.Chunking | SmtpExtensions.BinaryMime
        | SmtpExtensions.Auth | SmtpExtensions.Dsn;

    private static SmtpParseContext Context(string name) => name switch
    {
        "all" => new(All) { AuthMechanisms = ["PLAIN", "LOGIN"] },
        "utf8" => new(All) { TransactionSmtpUtf8 = true },
        "helo" => new(SmtpExtensions.None),
        "no-binary" => new(All & ~SmtpExtensions.BinaryMime),
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<string, string, string> Cases => new()
    {
        // HELO / EHLO (RFC 5321 §4.1.1.1); the argument's syntax is reported, not enforced.
        { "all", "EHLO mail.example.com", "EHLO mail.example.com valid" },
        { "all", "ehlo [192.0.2.1]", "EHLO [192.0.2.1] valid literal=192.0.2.1" },
        { "all", "EHLO [IPv6:2001:DB8::1]", "EHLO [IPv6:2001:DB8::1] valid literal=2001:db8::1" },
        { "all", "HELO my_pc", "HELO my_pc invalid" },
        { "all", "EHLO [300.1.1.1]", "EHLO [300.1.1.1] invalid" },
        { "all", "EHLO [1.2.3]", "EHLO [1.2.3] invalid" },
        { "all", "EHLO [IPv6:fe80::1%eth0]", "EHLO [IPv6:fe80::1%eth0] invalid" },
        { "all", "EHLO bücher.example", "EHLO bücher.example valid" },
        { "all", "EHLO", "501 5.5.4" },
        { "all", "EHLO a b", "501 5.5.4" },
        { "all", "EHLO evil\u0085.example", "501 5.5.4" },
        { "all", "HELO    spaced.example   ", "HELO spaced.example valid" },

        // MAIL (RFC 5321 §4.1.1.2, §4.1.2)
        { "all", "MAIL FROM:<a@example.com>", "MAIL <a@example.com>" },
        { "all", "mail from:<A.B@Example.COM>", "MAIL <A.B@example.com>" },
        { "all", "MAIL FROM: <a@example.com>", "MAIL <a@example.com>" },
        { "all", "MAIL FROM:<>", "MAIL <>" },
        { "all", "MAIL FROM:<> SIZE=0", "MAIL <> SIZE=0" },
        { "all", "MAIL FROM:a@example.com", "501 5.1.7" },
        { "all", "MAIL FROM:<a@example.com", "501 5.1.7" },
        { "all", "MAIL FROM:a@example.com>", "501 5.1.7" },
        { "all", "MAIL FROM:<<a@example.com>>", "501 5.1.7" },
        { "all", "MAIL FROM:<a@<example.com>>", "501 5.1.7" },
        { "all", "MAIL FROM:< a@example.com>", "501 5.1.7" },
        { "all", "MAIL FROM:<a @example.com>", "501 5.1.7" },
        { "all", "MAIL FROM:<a@example.com >", "501 5.1.7" },
        { "all", "MAIL FROM:<a@example.com>x", "501 5.1.7" },
        { "all", "MAIL FROM:<a@example.com>SIZE=1", "501 5.1.7" },
        { "all", "MAIL FROM:", "501 5.1.7" },
        { "all", "MAIL TO:<a@example.com>", "501 5.5.4" },
        { "all", "MAIL FROM<a@example.com>", "501 5.5.4" },
        { "all", "MAIL", "501 5.5.4" },
        { "all", "MAIL FROM:<@relay.example:a@example.com>", "MAIL <a@example.com>" },

        // MAIL parameters (RFC 1870, 6152, 3030, 6531, 3461, 4954)
        { "all", "MAIL FROM:<a@example.com> SIZE=1000 BODY=8BITMIME", "MAIL <a@example.com> SIZE=1000 BODY=EightBitMime" },
        { "all", "MAIL FROM:<a@example.com>  size=12   body=7bit  ", "MAIL <a@example.com> SIZE=12 BODY=SevenBit" },
        { "all", "MAIL FROM:<a@example.com> SIZE=99999999999999999999", "MAIL <a@example.com> SIZE=9223372036854775807" },
        { "all", "MAIL FROM:<a@example.com> SIZE=123456789012345678901", "501 5.5.4" },
        { "all", "MAIL FROM:<a@example.com> SIZE=12a", "501 5.5.4" },
        { "all", "MAIL FROM:<a@example.com> SIZE=-1", "501 5.5.4" },
        { "all", "MAIL FROM:<a@example.com> SIZE=", "501 5.5.4" },
        { "all", "MAIL FROM:<a@example.com> SIZE", "501 5.5.4" },
        { "all", "MAIL FROM:<a@example.com> SIZE=1 SIZE=2", "501 5.5.4" },
        { "all", "MAIL FROM:<a@example.com> BODY=BINARYMIME", "MAIL <a@example.com> BODY=BinaryMime" },
        { "no-binary", "MAIL FROM:<a@example.com> BODY=BINARYMIME", "504 5.5.4" },
        { "all", "MAIL FROM:<a@example.com> BODY=9BIT", "501 5.5.4" },
        { "all", "MAIL FROM:<a@example.com> BODY=7BIT BODY=7BIT", "501 5.5.4" },
        { "all", "MAIL FROM:<a@example.com> SMTPUTF8", "MAIL <a@example.com> SMTPUTF8" },
        { "all", "MAIL FROM:<a@example.com> SMTPUTF8=yes", "501 5.5.4" },
        { "all", "MAIL FROM:<a@example.com> SMTPUTF8 SMTPUTF8", "501 5.5.4" },
        { "all", "MAIL FROM:<a@example.com> RET=HDRS ENVID=QQ314159", "MAIL <a@example.com> RET=Headers ENVID=QQ314159" },
        { "all", "MAIL FROM:<a@example.com> RET=full", "MAIL <a@example.com> RET=Full" },
        { "all", "MAIL FROM:<a@example.com> RET=ALL", "501 5.5.4" },
        { "all", "MAIL FROM:<a@example.com> ENVID=a+2Bb+3dc", "MAIL <a@example.com> ENVID=a+b=c" },
        { "all", "MAIL FROM:<a@example.com> ENVID=a+2", "501 5.5.4" },
        { "all", "MAIL FROM:<a@example.com> ENVID=a+0Ab", "501 5.5.4" },
        { "all", "MAIL FROM:<a@example.com> AUTH=<>", "MAIL <a@example.com> AUTH=<>" },
        { "all", "MAIL FROM:<a@example.com> AUTH=e+3Dmc2@example.com", "MAIL <a@example.com> AUTH=e=mc2@example.com" },
        { "all", "MAIL FROM:<a@example.com> AUTH=a+ZZ", "501 5.5.4" },
        { "all", "MAIL FROM:<a@example.com> X-UNKNOWN=1", "555 5.5.4" },
        { "all", "MAIL FROM:<a@example.com> NOTIFY=NEVER", "555 5.5.4" },
        { "all", "MAIL FROM:<a@example.com> -BAD=1", "501 5.5.4" },
        { "all", "MAIL FROM:<a@example.com> SIZE==1", "501 5.5.4" },
        { "helo", "MAIL FROM:<a@example.com> SIZE=10", "555 5.5.4" },
        { "helo", "MAIL FROM:<a@example.com> BODY=8BITMIME", "555 5.5.4" },
        { "helo", "MAIL FROM:<a@example.com>", "MAIL <a@example.com>" },

        // SMTPUTF8 (RFC 6531 §3.4): UTF-8 needs the parameter; invalid UTF-8 never passes.
        { "all", "MAIL FROM:<ü@example.com>", "553 5.6.7" },
        { "all", "MAIL FROM:<ü@example.com> SMTPUTF8", "MAIL <ü@example.com> SMTPUTF8" },
        { "all", "MAIL FROM:<用户@例子.广告> SMTPUTF8", "MAIL <用户@例子.广告> SMTPUTF8" },
        { "all", "MAIL FROM:<a@Bücher.example> SMTPUTF8", "MAIL <a@bücher.example> SMTPUTF8" },
        { "helo", "MAIL FROM:<ü@example.com> SMTPUTF8", "555 5.5.4" },

        // RCPT (RFC 5321 §4.1.1.3, §4.5.1)
        { "all", "RCPT TO:<b@example.com>", "RCPT <b@example.com>" },
        { "all", "rcpt to: <b@example.com>", "RCPT <b@example.com>" },
        { "all", "RCPT TO:<Postmaster>", "RCPT <Postmaster>" },
        { "all", "RCPT TO:<postmaster@Example.com>", "RCPT <postmaster@example.com>" },
        { "all", "RCPT TO:<user>", "501 5.1.3" },
        { "all", "RCPT TO:<b@example.com>>", "501 5.1.3" },
        { "all", "RCPT TO:<>", "501 5.1.3" },
        { "all", "RCPT TO:b@example.com", "501 5.1.3" },
        { "all", "RCPT TO:", "501 5.1.3" },
        { "all", "RCPT FROM:<b@example.com>", "501 5.5.4" },
        { "all", "RCPT TO:<@a.example,@b.example:user@c.example>", "RCPT <user@c.example>" },
        { "all", "RCPT TO:<@a.example:user@c.example>", "RCPT <user@c.example>" },
        { "all", "RCPT TO:<@a.example,user@c.example>", "501 5.1.3" },
        { "all", "RCPT TO:<@:user@c.example>", "501 5.1.3" },
        { "all", "RCPT TO:<@a..example:user@c.example>", "501 5.1.3" },
        { "all", "RCPT TO:<@a.example,:user@c.example>", "501 5.1.3" },
        { "all", "RCPT TO:<@a.example:>", "501 5.1.3" },
        { "all", "RCPT TO:<@a.example>", "501 5.1.3" },
        { "all", "RCPT TO:<@[192.0.2.1]:user@c.example>", "501 5.1.3" },
        { "all", "RCPT TO:<@a.example:Postmaster>", "501 5.1.3" },
        { "all", "RCPT TO:<\"john doe\"@example.com>", "RCPT <\"john doe\"@example.com>" },
        { "all", "RCPT TO:<\"john\"@example.com>", "RCPT <john@example.com>" },
        { "all", "RCPT TO:<\"a\\\"b\\\\c\"@example.com>", "RCPT <\"a\\\"b\\\\c\"@example.com>" },
        { "all", "RCPT TO:<\"a>b\"@example.com>", "RCPT <\"a>b\"@example.com>" },
        { "all", "RCPT TO:<\"unterminated@example.com>", "501 5.1.3" },
        { "all", "RCPT TO:<a@[192.0.2.1]>", "RCPT <a@[192.0.2.1]>" },
        { "all", "RCPT TO:<a@[IPv6:2001:DB8:0::1]>", "RCPT <a@[IPv6:2001:db8::1]>" },
        { "all", "RCPT TO:<a@[IPv6:::ffff:192.0.2.1]>", "RCPT <a@[IPv6:::ffff:192.0.2.1]>" },
        { "all", "RCPT TO:<a@[999.0.0.1]>", "501 5.1.3" },
        { "all", "RCPT TO:<a@[192.0.2.1>", "501 5.1.3" },
        { "all", "RCPT TO:<a@[tag:content]>", "501 5.1.3" },
        { "all", "RCPT TO:<a@-example.com>", "501 5.1.3" },
        { "all", "RCPT TO:<a@example-.com>", "501 5.1.3" },
        { "all", "RCPT TO:<a@exa_mple.com>", "501 5.1.3" },
        { "all", "RCPT TO:<a@example.com.>", "501 5.1.3" },
        { "all", "RCPT TO:<a@.example.com>", "501 5.1.3" },
        { "all", "RCPT TO:<a@>", "501 5.1.3" },
        { "all", "RCPT TO:<@example.com>", "501 5.1.3" },
        { "all", "RCPT TO:<a.@example.com>", "501 5.1.3" },
        { "all", "RCPT TO:<.a@example.com>", "501 5.1.3" },
        { "all", "RCPT TO:<a..b@example.com>", "501 5.1.3" },
        { "all", "RCPT TO:<a(b)@example.com>", "501 5.1.3" },
        { "all", "RCPT TO:<a@b@example.com>", "501 5.1.3" },
        { "all", "RCPT TO:<ü@example.com>", "553 5.6.7" },
        { "utf8", "RCPT TO:<ü@example.com>", "RCPT <ü@example.com>" },
        { "all", "RCPT TO:<a@bücher.example>", "553 5.6.7" },

        // RCPT parameters (RFC 3461)
        { "all", "RCPT TO:<b@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+40example.com", "RCPT <b@example.com> NOTIFY=Success, Failure ORCPT=rfc822;b@example.com" },
        { "all", "RCPT TO:<b@example.com> NOTIFY=never", "RCPT <b@example.com> NOTIFY=Never" },
        { "all", "RCPT TO:<b@example.com> NOTIFY=DELAY", "RCPT <b@example.com> NOTIFY=Delay" },
        { "all", "RCPT TO:<b@example.com> NOTIFY=NEVER,SUCCESS", "501 5.5.4" },
        { "all", "RCPT TO:<b@example.com> NOTIFY=SUCCESS,SUCCESS", "501 5.5.4" },
        { "all", "RCPT TO:<b@example.com> NOTIFY=SUCCESS,", "501 5.5.4" },
        { "all", "RCPT TO:<b@example.com> NOTIFY=SOMETIMES", "501 5.5.4" },
        { "all", "RCPT TO:<b@example.com> NOTIFY=DELAY NOTIFY=DELAY", "501 5.5.4" },
        { "all", "RCPT TO:<b@example.com> ORCPT=rfc822", "501 5.5.4" },
        { "all", "RCPT TO:<b@example.com> ORCPT=;b@example.com", "501 5.5.4" },
        { "all", "RCPT TO:<b@example.com> ORCPT=rfc822;", "501 5.5.4" },
        { "all", "RCPT TO:<b@example.com> ORCPT=utf-8;ü@example.com", "RCPT <b@example.com> ORCPT=utf-8;ü@example.com" },
        { "all", "RCPT TO:<b@example.com> SIZE=10", "555 5.5.4" },
        { "helo", "RCPT TO:<b@example.com> NOTIFY=NEVER", "555 5.5.4" },

        // Commands without arguments, or with free text
        { "all", "DATA", "DATA" },
        { "all", "data", "DATA" },
        { "all", "DATA x", "501 5.5.4" },
        { "all", "RSET", "RSET" },
        { "all", "QUIT", "QUIT" },
        { "all", "QUIT   ", "QUIT" },
        { "all", "STARTTLS", "STARTTLS" },
        { "all", "STARTTLS now", "501 5.5.4" },
        { "all", "NOOP", "NOOP" },
        { "all", "NOOP hello there", "NOOP hello there" },
        { "all", "HELP", "HELP" },
        { "all", "HELP MAIL", "HELP MAIL" },
        { "all", "VRFY postmaster", "VRFY postmaster" },
        { "all", "VRFY", "501 5.5.4" },
        { "all", "VRFY jörg", "VRFY jörg" },
        { "all", "VRFY a\u009bb", "501 5.5.4" },
        { "all", "EXPN staff", "EXPN staff" },

        // BDAT (RFC 3030 §2)
        { "all", "BDAT 100", "BDAT 100" },
        { "all", "BDAT 0 LAST", "BDAT 0 LAST" },
        { "all", "bdat 5 last", "BDAT 5 LAST" },
        { "all", "BDAT", "501 5.5.4" },
        { "all", "BDAT x", "501 5.5.4" },
        { "all", "BDAT -1", "501 5.5.4" },
        { "all", "BDAT 10 FIRST", "501 5.5.4" },
        { "all", "BDAT 10 LAST LAST", "501 5.5.4" },
        { "all", "BDAT 1234567890123456789", "501 5.5.4" },
        { "all", "BDAT 123456789012345678", "BDAT 123456789012345678" },

        // AUTH (RFC 4954 §4)
        { "all", "AUTH PLAIN", "AUTH PLAIN" },
        { "all", "auth plain dGVzdAB0ZXN0AHRlc3Q=", "AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=" },
        { "all", "AUTH PLAIN =", "AUTH PLAIN =" },
        { "all", "AUTH PLAIN !!!!", "501 5.5.2" },
        { "all", "AUTH PLAIN abc", "501 5.5.2" },
        { "all", "AUTH PLAIN YQ== x", "501 5.5.4" },
        { "all", "AUTH", "501 5.5.4" },
        { "all", "AUTH PL@IN", "501 5.5.4" },
        { "all", "AUTH CRAM-MD5", "504 5.5.4" },
        { "utf8", "AUTH CRAM-MD5", "AUTH CRAM-MD5" },

        // Garbage
        { "all", "FOO", "500 5.5.1" },
        { "all", "MAILFROM:<a@example.com>", "500 5.5.1" },
        { "all", "", "500 5.5.2" },
        { "all", "    ", "500 5.5.2" },
        { "all", "NOOP\ta", "500 5.5.2" },
        { "all", "NOOP a\rb", "500 5.5.2" },
        { "all", "MAIL FROM:<a\0@example.com>", "500 5.5.2" },
        { "all", "\u007fQUIT", "500 5.5.2" },
        { "all", "ÄÖÜ", "500 5.5.1" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parses_the_same_whatever_the_split(string context, string line, string expected)
    {
        byte[] input = Feed.Bytes(line + "\r\n");
        foreach (var split in Feed.AllSplits)
            foreach (bool sequence in new[] { false, true })
            {
                var outcomes = Feed.RunCommands(Feed.Chunks(input, split), Context(context), 4096, out _, sequence);
                Assert.Equal([expected], outcomes);
            }
    }

    [Fact]
    public void Pipelined_commands_in_one_buffer_parse_in_order()
    {
        byte[] input = Feed.Bytes("EHLO c.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<bad\r\nDATA\r\n");
        string[] expected = ["EHLO c.example valid", "MAIL <a@example.com>", "RCPT <b@example.com>", "501 5.1.3", "DATA"];
        foreach (var split in Feed.AllSplits)
            Assert.Equal(expected, Feed.RunCommands(Feed.Chunks(input, split), Context("all"), 512, out _));
    }

    [Fact]
    public void The_verb_is_known_even_when_the_arguments_are_bad()
    {
        var result = SmtpCommandParser.Parse("RCPT TO:<bad"u8, Context("all"));
        Assert.False(result.IsSuccess);
        Assert.Equal(SmtpVerb.Rcpt, result.Verb);
        Assert.Equal("501 5.1.3 Bad recipient address syntax\r\n", result.Error.Value.ToReply().ToString());

        var unknown = SmtpCommandParser.Parse("XYZZY"u8, Context("all"));
        Assert.Equal(SmtpVerb.Unknown, unknown.Verb);
    }

    [Fact]
    public void Non_utf8_bytes_are_refused_with_and_without_smtputf8()
    {
        byte[] latin1 = [.. "MAIL FROM:<"u8, 0xFC, .. "@example.com> SMTPUTF8"u8];
        Assert.Equal("501 5.1.7", Feed.Describe(SmtpCommandParser.Parse(latin1, Context("all"))));
        byte[] rcpt = [.. "RCPT TO:<"u8, 0xC3, 0x28, .. "@example.com>"u8];
        Assert.Equal("501 5.1.3", Feed.Describe(SmtpCommandParser.Parse(rcpt, Context("utf8"))));
        Assert.Equal("501 5.1.3", Feed.Describe(SmtpCommandParser.Parse(rcpt, Context("all"))));
        byte[] overlong = [.. "RCPT TO:<a@"u8, 0xC0, 0xAE, .. "example.com>"u8];
        Assert.Equal("501 5.1.3", Feed.Describe(SmtpCommandParser.Parse(overlong, Context("utf8"))));
        byte[] vrfy = [.. "VRFY "u8, 0xFF, 0xFE];
        Assert.Equal("501 5.5.4", Feed.Describe(SmtpCommandParser.Parse(vrfy, Context("all"))));
        byte[] helo = [.. "EHLO "u8, 0xFF];
        Assert.Equal("501 5.5.4", Feed.Describe(SmtpCommandParser.Parse(helo, Context("all"))));
        byte[] envid = [.. "MAIL FROM:<a@example.com> ENVID="u8, 0xFF];
        Assert.Equal("501 5.5.4", Feed.Describe(SmtpCommandParser.Parse(envid, Context("all"))));
    }

    [Fact]
    public void Ten_thousand_parameters_are_refused_quickly()
    {
        var same = new StringBuilder("MAIL FROM:<a@example.com>");
        var distinct = new StringBuilder("MAIL FROM:<a@example.com>");
        var valid = new StringBuilder("MAIL FROM:<a@example.com>");
        for (int i = 0; i < 10_000; i++)
        {
            same.Append(" SIZE=1");
            distinct.Append(" X-P").Append(i).Append("=1");
            valid.Append(i % 2 == 0 ? " SMTPUTF8" : " BODY=7BIT");
        }
        Assert.Equal("501 5.5.4", Feed.Describe(SmtpCommandParser.Parse(Feed.Bytes(same.ToString()), Context("all"))));
        Assert.Equal("555 5.5.4", Feed.Describe(SmtpCommandParser.Parse(Feed.Bytes(distinct.ToString()), Context("all"))));
        Assert.Equal("501 5.5.4", Feed.Describe(SmtpCommandParser.Parse(Feed.Bytes(valid.ToString()), Context("all"))));

        var many = new StringBuilder("RCPT TO:<b@example.com>");
        for (int i = 0; i < 10_000; i++)
            many.Append(" NOTIFY=NEVER");
        Assert.Equal("501 5.5.4", Feed.Describe(SmtpCommandParser.Parse(Feed.Bytes(many.ToString()), Context("all"))));

        // Through the line reader such a line is simply too long.
        var outcomes = Feed.RunCommands([Feed.Bytes(same + "\r\nQUIT\r\n")], Context("all"), 4096, out _);
        Assert.Equal(["TOO LONG", "QUIT"], outcomes);
    }

    [Fact]
    public void Parse_of_a_multi_segment_line_matches_the_span_parse()
    {
        const string line = "MAIL FROM:<\"odd one\"@[IPv6:2001:db8::1]> SIZE=42 BODY=8BITMIME RET=FULL ENVID=x+2By";
        byte[] bytes = Feed.Bytes(line);
        string expected = Feed.Describe(SmtpCommandParser.Parse(bytes, Context("all")));
        Assert.Equal("MAIL <\"odd one\"@[IPv6:2001:db8::1]> SIZE=42 BODY=EightBitMime RET=Full ENVID=x+y", expected);
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            var seq = Feed.Sequence([bytes[..cut], bytes[cut..]]);
            Assert.Equal(expected, Feed.Describe(SmtpCommandParser.Parse(seq, Context("all"))));
        }
    }

    [Fact]
    public void Errors_carry_replies_that_do_not_echo_the_input()
    {
        var result = SmtpCommandParser.Parse(Feed.Bytes("MAIL FROM:<evil\u0085@example.com> SMTPUTF8"), Context("all"));
        Assert.False(result.IsSuccess);
        string reply = result.Error.Value.ToReply().ToString();
        Assert.DoesNotContain("evil", reply, StringComparison.Ordinal);
        Assert.StartsWith("501 5.1.7 ", reply, StringComparison.Ordinal);
    }
}
