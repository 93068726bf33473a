using System.Text;
using Letterbox.Protocol.Imap;

namespace Letterbox.Protocol.Tests.Imap;

/// <summary>
/// The reader's framing and limits: literals of every kind, APPEND streaming, and hostile input
/// (huge literals announced, over-long lines, floods, NUL and 8-bit garbage), each cut several ways.
/// </summary>
public sealed class ImapCommandReaderTests
{
    private static readonly ImapReaderLimits Plus = new() { NonSynchronizingLiterals = ImapLiteralMode.LiteralPlus };

    private static string Run(string input, Cut cut, ImapReaderLimits? limits = null, ImapParseOptions? options = null) =>
        string.Join(" | ", ImapFeed.Run(input, cut, limits, options));

    private static string Run(byte[] input, IEnumerable<byte[]> chunks, ImapReaderLimits? limits = null, ImapParseOptions? options = null) =>
        string.Join(" | ", ImapFeed.Run(chunks, out _, limits, options));

    public static TheoryData<string, string, string> Cases => new()
    {
        // A literal announcing 4 GB is refused before a single octet of it is read (RFC 9051 §7.6 and
        // §2.2.1: BAD instead of "+"); the client is waiting, so the next command comes next.
        { "minus", "a LOGIN {4294967296}\r\nb NOOP\r\n", "ERR a BAD [TOOBIG] Literal too large | b NOOP" },
        { "minus", "a APPEND INBOX {4294967296}\r\nb NOOP\r\n", "ERR a NO [TOOBIG] Message too large | b NOOP" },
        { "minus", "a LOGIN {99999999999999999999999999}\r\nb NOOP\r\n", "ERR a BAD [TOOBIG] Literal too large | b NOOP" },
        // The same, non-synchronizing: the octets would come anyway, too many to skip: BYE (RFC 7888 §4).
        { "plus", "a APPEND INBOX {4294967296+}\r\nxxxx", "ERR * BYE [TOOBIG] Literal too large CLOSE" },
        { "minus", "a LOGIN {4294967296+}\r\nxxxx", "ERR * BYE [TOOBIG] Literal too large CLOSE" },
        // Non-synchronizing and small enough to skip: skipped, never run as commands (no injection).
        { "small-literals", "a LOGIN {40+}\r\nc1 DELETE INBOX\r\nc2 DELETE INBOX\r\nc3 DELETE \"\" pass\r\nb NOOP\r\n",
            "ERR a BAD [TOOBIG] Literal too large | b NOOP" },
        { "minus", "a LOGIN {4097+}\r\n" + new string('x', 4097) + " pass\r\nb NOOP\r\n",
            "ERR a BAD [TOOBIG] Non-synchronizing literal over 4096 octets | b NOOP" },
        { "minus", "a LOGIN {4096+}\r\n" + new string('x', 4096) + " pass\r\n", "a LOGIN " + new string('x', 4096) + " pass" },
        { "sync-only", "a LOGIN {3+}\r\nabc x\r\nb NOOP\r\n", "ERR a BAD Non-synchronizing literals are not supported | b NOOP" },
        { "sync-only", "a LOGIN {3}\r\nabc x\r\n", "+ | a LOGIN abc x" },
        // A refused command's later literals are skipped too: non-synchronizing ones read and dropped,
        // a synchronizing one ends the command (the client waits for a "+" that never comes).
        { "small-literals", "a LOGIN {40+}\r\n" + new string('y', 40) + " {3+}\r\nabc\r\nb NOOP\r\n", "ERR a BAD [TOOBIG] Literal too large | b NOOP" },
        { "small-literals", "a LOGIN {40+}\r\n" + new string('y', 40) + " {3}\r\nb NOOP\r\n", "ERR a BAD [TOOBIG] Literal too large | b NOOP" },
        // Over-long lines: skipped as they arrive, one BAD each, tag recovered.
        { "minus", "mytag SEARCH " + new string('x', 9000) + "\r\nb NOOP\r\n", "ERR mytag BAD Command line too long | b NOOP" },
        { "minus", new string('t', 9000) + " NOOP\r\nb NOOP\r\n", "ERR * BAD Command line too long | b NOOP" },
        { "minus", "a NOOP " + new string('x', 8185) + "\r\n", "a BAD" }, // exactly 8192 octets before CRLF
        { "minus", "a NOOP " + new string('x', 8186) + "\r\n", "ERR a BAD Command line too long" },
        { "minus", "a NOOP " + new string('x', 8185) + "\n", "a BAD" },
        { "minus", "a NOOP " + new string('x', 8186) + "\n", "ERR a BAD Command line too long" },
        // An over-long line that announces a literal: synchronizing, the client waits; non-synchronizing, skip it.
        { "minus", "a LOGIN " + new string('x', 9000) + " {5}\r\nb NOOP\r\n", "ERR a BAD Command line too long | b NOOP" },
        { "minus", "a LOGIN " + new string('x', 9000) + " {9+}\r\nb NOO\r\n x\r\nc NOOP\r\n", "ERR a BAD Command line too long | c NOOP" },
        // ... with so many digits that the marker cannot be read: give up rather than guess.
        { "minus", "a LOGIN " + new string('x', 9000) + " {" + new string('0', 70) + "5+}\r\nb NOOP\r\n", "ERR * BYE [TOOBIG] Protocol error: unreadable literal CLOSE" },
        // The whole command: lines and literals together.
        { "small-command", "a LOGIN {9000}\r\n" + new string('u', 9000) + " {9000}\r\nb NOOP\r\n", "+ | ERR a BAD [TOOBIG] Literal too large | b NOOP" },
        { "small-command", "a LOGIN {9000+}\r\n" + new string('u', 9000) + " " + new string('p', 8000) + "\r\nb NOOP\r\n", "ERR a BAD [TOOBIG] Command too long | b NOOP" },
        // Literals: zero-length, literal8 outside APPEND (parser refuses), NUL in a literal string.
        { "minus", "a LOGIN {0}\r\n x\r\n", "+ | a LOGIN  x" },
        { "minus", "a LOGIN {3}\r\na\0b x\r\n", "+ | a BAD" },
        { "minus", "a LOGIN x ~{3}\r\nabc\r\n", "+ | a BAD" },
        { "minus", "a LOGIN \"a\0b\" x\r\n", "a BAD" },
        { "minus", "a NOOP\0\r\n", "a BAD" },
        { "minus", "a NOOP\rb NOOP\r\n", "a BAD" },
        // Literal octets are data: CRLF, "{5}" and a whole command inside one are just a password.
        { "minus", "a LOGIN fred {20}\r\nb LOGOUT\r\nc {5}\r\nx\r\n\r\n", "+ | a LOGIN fred b LOGOUT\r\nc {5}\r\nx\r\n" },
    };

    private static ImapReaderLimits Limits(string name) => name switch
    {
        "minus" => ImapReaderLimits.Default,
        "plus" => Plus,
        "sync-only" => new() { NonSynchronizingLiterals = ImapLiteralMode.SynchronizingOnly },
        "small-literals" => Plus with { MaxLiteralSize = 32 },
        "small-command" => Plus with { MaxCommandSize = 16 * 1024, MaxLiteralSize = 12000 },
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Framing_and_limits_are_the_same_however_input_is_cut(string limits, string input, string expected)
    {
        foreach (var cut in ImapFeed.AllCuts)
            Assert.Equal(expected, Run(input, cut, Limits(limits)));
    }

    [Fact]
    public void Four_gigabyte_literal_is_refused_as_soon_as_its_line_ends()
    {
        var reader = new ImapCommandReader();
        byte[] line = "a APPEND INBOX {4294967296}\r\n"u8.ToArray();
        var r = reader.Read(line);
        Assert.Equal(ImapReadStatus.Error, r.Status);
        Assert.Equal(line.Length, r.Consumed);
        Assert.False(r.CloseConnection);
        Assert.Equal("a NO [TOOBIG] Message too large\r\n", r.Response!.ToString());
        Assert.True(reader.IsIdle);
    }

    [Fact]
    public void Unterminated_literal_waits_and_holds_only_what_came()
    {
        var reader = new ImapCommandReader();
        Assert.Equal(ImapReadStatus.Continuation, reader.Read("a LOGIN {60000}\r\n"u8).Status);
        for (int i = 0; i < 100; i++)
        {
            var r = reader.Read("abcdefghij"u8);
            Assert.Equal(ImapReadStatus.NeedMore, r.Status);
            Assert.Equal(10, r.Consumed);
        }
        Assert.False(reader.IsIdle);
        Assert.True(reader.Frame.Text.Length < 1100);
    }

    [Fact]
    public void Command_line_of_one_megabyte_is_refused_without_being_held()
    {
        var reader = new ImapCommandReader();
        byte[] chunk = Encoding.ASCII.GetBytes(new string('x', 4096));
        Assert.Equal(ImapReadStatus.NeedMore, reader.Read("a SEARCH TEXT "u8).Status);
        for (int i = 0; i < 256; i++)
        {
            var r = reader.Read(chunk);
            Assert.Equal(ImapReadStatus.NeedMore, r.Status);
            Assert.Equal(chunk.Length, r.Consumed);
            Assert.True(reader.Frame.Text.Length <= ImapReaderLimits.RecommendedLineLength + 2);
        }
        var end = reader.Read("\r\nb NOOP\r\n"u8);
        Assert.Equal(ImapReadStatus.Error, end.Status);
        Assert.Equal(2, end.Consumed);
        Assert.Equal("a BAD Command line too long\r\n", end.Response!.ToString());
        Assert.Equal(ImapReadStatus.Command, reader.Read("b NOOP\r\n"u8).Status);
    }

    [Fact]
    public void Sequence_set_of_100000_elements_is_refused_by_the_line_limit()
    {
        // ~690 KB of "1,3,5,...": over the 8 KB line limit, refused as it streams by.
        var sb = new StringBuilder("a FETCH ");
        for (int i = 0; i < 100_000; i++)
            sb.Append(i == 0 ? "" : ",").Append(2 * i + 1);
        sb.Append(" FLAGS\r\nb NOOP\r\n");
        byte[] input = Encoding.ASCII.GetBytes(sb.ToString());
        Assert.True(input.Length > 600_000);
        var random = new Random(3);
        Assert.Equal("ERR a BAD Command line too long | b NOOP", Run(input, [input]));
        Assert.Equal("ERR a BAD Command line too long | b NOOP", Run(input, ImapFeed.RandomChunks(input, random, 8192)));
    }

    [Fact]
    public void Sequence_set_under_the_line_limit_but_over_the_range_cap_is_bad()
    {
        var sb = new StringBuilder("a FETCH ");
        for (int i = 0; i < 10_001; i++)
            sb.Append(i == 0 ? "" : ",").Append(2 * i + 1);
        sb.Append(" FLAGS\r\n");
        var limits = new ImapReaderLimits { MaxLineLength = 128 * 1024 };
        var r = ImapFeed.Run([Encoding.ASCII.GetBytes(sb.ToString())], out _, limits);
        Assert.Equal(["a BAD"], r);

        var frame = ImapCommandFrame.FromLine(sb.ToString().TrimEnd());
        var parsed = ImapCommandParser.Parse(frame);
        Assert.Equal("a BAD Too many elements in sequence set\r\n", parsed.Error!.ToString());
        // The same with a smaller configured cap, inside the default line limit.
        var small = ImapCommandParser.ParseLine("a FETCH 1,3,5,7,9 FLAGS"u8, new ImapParseOptions { MaxSequenceRanges = 4 });
        Assert.Equal("a BAD Too many elements in sequence set\r\n", small.Error!.ToString());
        Assert.True(ImapCommandParser.ParseLine("a FETCH 1,3,5,7 FLAGS"u8, new ImapParseOptions { MaxSequenceRanges = 4 }).IsSuccess);
    }

    [Fact]
    public void Deep_nesting_is_refused_without_deep_recursion()
    {
        string deep = "a SEARCH " + new string('(', 10_000) + "ALL" + new string(')', 10_000) + "\r\n";
        Assert.Equal("ERR a BAD Command line too long", Run(deep, Cut.Whole)); // 20 KB: over the line limit
        var big = new ImapReaderLimits { MaxLineLength = 64 * 1024 };
        Assert.Equal("a BAD", Run(deep, Cut.Whole, big));
        var parsed = ImapCommandParser.ParseLine(Encoding.ASCII.GetBytes(deep.TrimEnd()));
        Assert.Equal("a BAD Search criteria nested too deeply\r\n", parsed.Error!.ToString());

        string nots = "a SEARCH " + string.Concat(Enumerable.Repeat("NOT ", 5000)) + "ALL";
        Assert.Equal("a BAD Search criteria nested too deeply\r\n", ImapCommandParser.ParseLine(Encoding.ASCII.GetBytes(nots)).Error!.ToString());
        string ors = "a SEARCH " + string.Concat(Enumerable.Repeat("OR ALL ", 5000)) + "ALL";
        Assert.False(ImapCommandParser.ParseLine(Encoding.ASCII.GetBytes(ors)).IsSuccess);

        // The limit itself: 99 parentheses put ALL at depth 100, which is allowed; 100 do not.
        Assert.True(ImapCommandParser.ParseLine(Encoding.ASCII.GetBytes("a SEARCH " + new string('(', 99) + "ALL" + new string(')', 99))).IsSuccess);
        Assert.False(ImapCommandParser.ParseLine(Encoding.ASCII.GetBytes("a SEARCH " + new string('(', 100) + "ALL" + new string(')', 100))).IsSuccess);
        // Parentheses elsewhere are flat by grammar: a flood is plain bad syntax.
        Assert.False(ImapCommandParser.ParseLine(Encoding.ASCII.GetBytes("a FETCH 1 " + new string('(', 5000))).IsSuccess);
        Assert.False(ImapCommandParser.ParseLine(Encoding.ASCII.GetBytes("a LIST " + new string('(', 5000))).IsSuccess);
    }

    [Fact]
    public void Nul_and_eight_bit_garbage_are_bad_not_fatal()
    {
        byte[] input = [.. "a "u8, 0xFF, 0xFE, 0x00, .. "\r\n"u8, .. "b SELECT \xC3\xA9\r\n"u8.ToArray().Select(x => x), .. "c LOGIN "u8, 0x80, .. " x\r\n"u8, .. "d NOOP\r\n"u8];
        foreach (var cut in ImapFeed.AllCuts)
            Assert.Equal("a BAD | b BAD | c BAD | d NOOP", Run(input, ImapFeed.Chunks(input, cut)));
    }

    [Fact]
    public void Append_streams_the_message_with_bare_cr_nul_and_8bit_untouched()
    {
        byte[] message = [.. "Subject: x\r\n\r\nline\rbare CR\nbare LF\0NUL "u8, 0xFF, 0xC3, .. "\r\n.\r\n"u8];
        byte[] input = [.. Encoding.ASCII.GetBytes($"a APPEND INBOX {{{message.Length}}}\r\n"), .. message, .. "\r\nb NOOP\r\n"u8];
        foreach (var cut in ImapFeed.AllCuts)
            Assert.Equal($"MSG {message.Length} | + | a APPEND INBOX flags=[] len={message.Length} data={ImapFeed.Escape(message)} | b NOOP",
                Run(input, ImapFeed.Chunks(input, cut)));
    }

    [Fact]
    public void Append_message_is_never_held_by_the_reader()
    {
        var reader = new ImapCommandReader();
        var r = reader.Read("a APPEND INBOX (\\Seen) {1048576}\r\n"u8);
        Assert.Equal(ImapReadStatus.MessageLiteral, r.Status);
        Assert.Equal(1048576, r.LiteralLength);
        Assert.True(r.IsSynchronizing);
        Assert.False(reader.Frame.IsComplete);
        var early = Assert.IsType<ImapAppendCommand>(ImapCommandParser.Parse(reader.Frame).Command);
        Assert.Equal(("INBOX", 1048576L), (early.Mailbox, early.MessageLength));
        Assert.Throws<InvalidOperationException>(() => reader.Read("x"u8));
        reader.AcceptMessage();

        byte[] chunk = new byte[65536];
        new Random(1).NextBytes(chunk);
        long total = 0;
        for (int i = 0; i < 16; i++)
        {
            var d = reader.Read(chunk);
            Assert.Equal(ImapReadStatus.MessageData, d.Status);
            total += d.Consumed;
            Assert.True(reader.Frame.Text.Length < 100);
        }
        Assert.Equal(1048576, total);
        var done = reader.Read("\r\n"u8);
        Assert.Equal(ImapReadStatus.Command, done.Status);
        Assert.True(ImapCommandParser.Parse(reader.Frame).IsSuccess);
    }

    [Fact]
    public void Rejected_message_literal_synchronizing_and_not()
    {
        var reader = new ImapCommandReader(Plus);
        Assert.Equal(ImapReadStatus.MessageLiteral, reader.Read("a APPEND Nope {10}\r\n"u8).Status);
        reader.RejectMessage(ImapStatusResponse.No("a", "No such mailbox", ImapResponseCode.TryCreate));
        var r = reader.Read("b NOOP\r\n"u8);
        Assert.Equal((ImapReadStatus.Error, 0L), (r.Status, r.Consumed));
        Assert.Equal("a NO [TRYCREATE] No such mailbox\r\n", r.Response!.ToString());
        Assert.Equal(ImapReadStatus.Command, reader.Read("b NOOP\r\n"u8).Status);

        // Non-synchronizing and larger than the discard limit: the connection cannot go on.
        Assert.Equal(ImapReadStatus.MessageLiteral, reader.Read("c APPEND Nope {5000000+}\r\n"u8).Status);
        reader.RejectMessage(ImapStatusResponse.No("c", "No such mailbox", ImapResponseCode.TryCreate));
        var close = reader.Read("xxxx"u8);
        Assert.True(close.CloseConnection);
        Assert.Equal("* BYE [TOOBIG] Literal too large\r\n", close.Response!.ToString());
    }

    [Fact]
    public void Idle_done_and_authenticate_lines_are_read_as_plain_lines()
    {
        var reader = new ImapCommandReader();
        Assert.Equal(ImapReadStatus.Command, reader.Read("a IDLE\r\n"u8).Status);
        Assert.Equal(ImapReadStatus.NeedMore, reader.ReadLine("DO"u8).Status);
        var line = reader.ReadLine("NE\r\nb NOOP\r\n"u8);
        Assert.Equal((ImapReadStatus.Line, 4L), (line.Status, line.Consumed));
        Assert.True(ImapCommandParser.IsIdleDone(reader.Line));
        Assert.Equal(ImapReadStatus.Command, reader.Read("b NOOP\r\n"u8).Status);

        // A line too long for ReadLine: one BAD after its end, then business as usual.
        byte[] big = Encoding.ASCII.GetBytes(new string('A', 20000) + "\r\n");
        var r = reader.ReadLine(big);
        Assert.Equal((ImapReadStatus.Error, (long)big.Length), (r.Status, r.Consumed));
        Assert.Equal(ImapReadStatus.NeedMore, reader.ReadLine(big.AsSpan(0, 10000)).Status);
        var r2 = reader.ReadLine(big.AsSpan(10000));
        Assert.Equal(ImapReadStatus.Error, r2.Status);
        Assert.Equal(ImapReadStatus.Line, reader.ReadLine("*\r\n"u8).Status);
        Assert.True(ImapCommandParser.TryParseSaslResponse(reader.Line, out bool cancelled, out _) && cancelled);
        Assert.Throws<InvalidOperationException>(() => { reader.Read("a LOGIN {3}\r\n"u8); reader.ReadLine("x"u8); });
    }

    [Fact]
    public void Reset_forgets_a_half_read_command()
    {
        var reader = new ImapCommandReader();
        Assert.Equal(ImapReadStatus.NeedMore, reader.Read("a NO"u8).Status);
        reader.Reset();
        Assert.True(reader.IsIdle);
        Assert.Equal(ImapReadStatus.Command, reader.Read("b NOOP\r\n"u8).Status);
        Assert.Equal("b", reader.Frame.Tag);
    }

    [Fact]
    public void New_limits_apply_from_the_next_command()
    {
        var reader = new ImapCommandReader();
        Assert.Equal(ImapReadStatus.NeedMore, reader.Read("a LOGIN "u8).Status);
        reader.Limits = new ImapReaderLimits { MaxLiteralSize = 2 };
        Assert.Equal(ImapReadStatus.Continuation, reader.Read("{5}\r\n"u8).Status); // this command: the old limits
        Assert.Equal(ImapReadStatus.Command, reader.Read("fred1 x\r\n"u8).Status);
        var r = reader.Read("b LOGIN {5}\r\n"u8);
        Assert.Equal("b BAD [TOOBIG] Literal too large\r\n", r.Response!.ToString());
    }

    [Fact]
    public void Limits_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImapCommandReader(new ImapReaderLimits { MaxLineLength = 10 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImapCommandReader(new ImapReaderLimits { MaxCommandSize = 2000 }));
    }
}
