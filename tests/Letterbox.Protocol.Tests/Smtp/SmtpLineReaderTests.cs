using System.Text;
using Letterbox.Protocol.Smtp;

namespace Letterbox.Protocol.Tests.Smtp;

public sealed class SmtpLineReaderTests
{
    private static readonly SmtpParseContext Context = new(SmtpExtensions.None);

    [Theory]
    [InlineData("NOOP\r\n", SmtpLineStatus.Line, 6, 4, false)]
    [InlineData("NOOP\n", SmtpLineStatus.Line, 5, 4, true)]
    [InlineData("\r\n", SmtpLineStatus.Line, 2, 0, false)]
    [InlineData("\n", SmtpLineStatus.Line, 1, 0, true)]
    [InlineData("NOOP", SmtpLineStatus.NeedMore, 0, 0, false)]
    [InlineData("NOOP\r", SmtpLineStatus.NeedMore, 0, 0, false)]
    [InlineData("NOOP\rQUIT\r\n", SmtpLineStatus.Line, 11, 9, false)] // a bare CR is not a terminator
    [InlineData("NOOP\r\rQUIT\n", SmtpLineStatus.Line, 11, 10, true)]
    [InlineData("", SmtpLineStatus.NeedMore, 0, 0, false)]
    public void Finds_the_first_line(string input, SmtpLineStatus status, long consumed, int length, bool bareLf)
    {
        var expected = new SmtpLineResult(status, consumed, length, bareLf);
        byte[] bytes = Encoding.ASCII.GetBytes(input + "EXTRA");
        if (status == SmtpLineStatus.NeedMore)
            bytes = Encoding.ASCII.GetBytes(input);
        Assert.Equal(expected, new SmtpLineReader().Read(bytes));
        for (int cut = 1; cut < bytes.Length; cut++)
            Assert.Equal(expected, new SmtpLineReader().Read(Feed.Sequence([bytes[..cut], bytes[cut..]])));
    }

    [Fact]
    public void The_limit_counts_the_crlf()
    {
        // RFC 5321 §4.5.3.1.4: 512 octets including CRLF.
        string fits = "NOOP " + new string('x', 505);
        Assert.Equal(512, fits.Length + 2);
        var ok = new SmtpLineReader().Read(Encoding.ASCII.GetBytes(fits + "\r\n"));
        Assert.Equal(SmtpLineStatus.Line, ok.Status);
        Assert.Equal(510, ok.LineLength);

        var tooLong = new SmtpLineReader().Read(Encoding.ASCII.GetBytes(fits + "x\r\nQUIT\r\n"));
        Assert.Equal(new SmtpLineResult(SmtpLineStatus.LineTooLong, 513, 0, false), tooLong);

        // 512 bytes without an LF can no longer become a legal line.
        var reader = new SmtpLineReader();
        var partial = reader.Read(new byte[512]);
        Assert.Equal(new SmtpLineResult(SmtpLineStatus.NeedMore, 512, 0, false), partial);
        Assert.True(reader.IsDiscarding);
        // ...and 511 bytes could.
        Assert.Equal(new SmtpLineResult(SmtpLineStatus.NeedMore, 0, 0, false), new SmtpLineReader().Read(new byte[511]));
    }

    [Fact]
    public void A_larger_limit_can_be_chosen()
    {
        string line = "AUTH PLAIN " + new string('A', 3000);
        var outcomes = Feed.RunCommands([Encoding.ASCII.GetBytes(line + "\r\n")], new SmtpParseContext(SmtpExtensions.Auth), 4096, out _);
        Assert.Equal(["AUTH PLAIN " + new string('A', 3000)], outcomes);
        Assert.Equal(["TOO LONG"], Feed.RunCommands([Encoding.ASCII.GetBytes(line + "\r\n")], Context, 512, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmtpLineReader(100));
    }

    [Fact]
    public void A_one_megabyte_line_is_skipped_without_being_buffered()
    {
        byte[] monster = new byte[1 << 20];
        new Random(5321).NextBytes(monster);
        for (int i = 0; i < monster.Length; i++)
            if (monster[i] == (byte)'\n')
                monster[i] = (byte)'x';
        byte[] input = [.. "NOOP\r\n"u8, .. monster, .. "\r\nQUIT\r\n"u8];

        foreach (var split in Feed.AllSplits)
        {
            var outcomes = Feed.RunCommands(Feed.Chunks(input, split), Context, 512, out int maxBuffered);
            Assert.Equal(["NOOP", "TOO LONG", "QUIT"], outcomes);
            // Whole: the one chunk is all there is. Otherwise the reader drops the monster as it comes.
            if (split == Split.ByteByByte)
                Assert.True(maxBuffered <= 512, $"buffered {maxBuffered}");
        }

        // 64 KiB reads, as from a socket: never more than a limit plus one read held.
        var chunks = new List<byte[]>();
        for (int i = 0; i < input.Length; i += 65536)
            chunks.Add(input[i..Math.Min(input.Length, i + 65536)]);
        Assert.Equal(["NOOP", "TOO LONG", "QUIT"], Feed.RunCommands(chunks, Context, 512, out int held));
        Assert.True(held <= 512 + 65536, $"buffered {held}");
    }

    [Fact]
    public void Over_long_lines_are_reported_once_each_in_order()
    {
        string big = new('a', 600);
        byte[] input = Encoding.ASCII.GetBytes($"NOOP\r\n{big}\r\n{big}\nRSET\r\n{big}");
        foreach (var split in Feed.AllSplits)
            foreach (bool sequence in new[] { false, true })
                Assert.Equal(["NOOP", "TOO LONG", "TOO LONG", "RSET"], Feed.RunCommands(Feed.Chunks(input, split), Context, 512, out _, sequence));
    }

    [Fact]
    public void Bare_lf_commands_are_accepted_and_flagged()
    {
        byte[] input = Encoding.ASCII.GetBytes("EHLO a.example\nQUIT\r\n");
        foreach (var split in Feed.AllSplits)
            Assert.Equal(["[LF] EHLO a.example valid", "QUIT"], Feed.RunCommands(Feed.Chunks(input, split), Context, 512, out _));
    }

    [Fact]
    public void Reset_stops_discarding()
    {
        var reader = new SmtpLineReader();
        reader.Read(new byte[1000]);
        Assert.True(reader.IsDiscarding);
        reader.Reset();
        Assert.False(reader.IsDiscarding);
        Assert.Equal(SmtpLineStatus.Line, reader.Read("QUIT\r\n"u8).Status);
    }

    [Fact]
    public void Binary_garbage_with_nul_bytes_gives_errors_not_exceptions()
    {
        var random = new Random(2821);
        byte[] garbage = new byte[20_000];
        random.NextBytes(garbage);
        foreach (var split in Feed.AllSplits)
        {
            var outcomes = Feed.RunCommands(Feed.Chunks(garbage, split), Context, 512, out _);
            Assert.NotEmpty(outcomes);
            Assert.All(outcomes, o => Assert.Matches(@"^(TOO LONG|(\[LF\] )?5\d\d 5\.\d\.\d+)$", o));
        }
    }
}
