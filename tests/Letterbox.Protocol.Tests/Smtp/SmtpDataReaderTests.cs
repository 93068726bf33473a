using System.Text;
using Letterbox.Protocol.Smtp;

namespace Letterbox.Protocol.Tests.Smtp;

public sealed class SmtpDataReaderTests
{
    /// <summary>Everything one DATA read reports, so different feeds can be compared whole.</summary>
    private sealed record Outcome(bool Complete, long Consumed, string Content, long Size, long Lines, bool TooLarge, bool BareLf, bool BareCr, bool LongLine);

    private static Outcome Run(IEnumerable<byte[]> chunks, long max = 1 << 20, int mode = 0)
    {
        var reader = new SmtpDataReader(max);
        var writer = new RecordingWriter();
        var stream = new MemoryStream();
        long consumed = 0;
        foreach (var chunk in chunks)
        {
            var r = mode switch
            {
                0 => reader.Read(chunk, writer),
                1 => reader.Read(chunk, stream),
                2 => reader.Read(Feed.Sequence([chunk[..(chunk.Length / 2)], chunk[(chunk.Length / 2)..]]), writer),
                _ => reader.Read(Feed.Sequence([chunk[..(chunk.Length / 2)], chunk[(chunk.Length / 2)..]]), stream),
            };
            Assert.True(r.Consumed <= chunk.Length);
            consumed += r.Consumed;
            if (r.IsComplete)
            {
                Assert.True(reader.IsComplete);
                break;
            }
            Assert.Equal(chunk.Length, r.Consumed); // until the end, every byte is taken
        }
        string content = mode is 0 or 2 ? writer.Text : Encoding.Latin1.GetString(stream.ToArray());
        return new(reader.IsComplete, consumed, content, reader.MessageSize, reader.LineCount, reader.IsTooLarge,
            reader.HasBareLineFeed, reader.HasBareCarriageReturn, reader.HasLongLine);
    }

    private static Outcome RunAllWays(string input, long max = 1 << 20)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(input);
        Outcome? first = null;
        foreach (var split in Feed.AllSplits)
            for (int mode = 0; mode < 4; mode++)
            {
                var outcome = Run(Feed.Chunks(bytes, split), max, mode);
                first ??= outcome;
                Assert.Equal(first, outcome);
            }
        return first!;
    }

    public static TheoryData<string, string, long, long> Messages => new()
    {
        // input, content, lines, consumed
        { "Subject: x\r\n\r\nhello\r\n.\r\n", "Subject: x\r\n\r\nhello\r\n", 3, 24 },
        { ".\r\n", "", 0, 3 },
        { ".\r\nQUIT\r\n", "", 0, 3 },
        { "a\r\n.\r\nMAIL FROM:<x@y>\r\n", "a\r\n", 1, 6 },
        { "..x\r\n.\r\n", ".x\r\n", 1, 8 },        // RFC 5321 §4.5.2 dot-unstuffing
        { "..\r\n.\r\n", ".\r\n", 1, 7 },
        { "...\r\n.\r\n", "..\r\n", 1, 8 },
        { ".x\r\n.\r\n", "x\r\n", 1, 7 },            // a leading dot with more on the line is deleted
        { "a.\r\n.b\r\n.\r\n", "a.\r\nb\r\n", 2, 11 },
        { "\r\n.\r\n", "\r\n", 1, 5 },
        { "\r\n\r\n.\r\n", "\r\n\r\n", 2, 7 },
        { "x\0y\u00ff\r\n.\r\n", "x\0y\u00ff\r\n", 1, 9 },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Reads_and_unstuffs(string input, string content, long lines, long consumed)
    {
        var o = RunAllWays(input);
        Assert.True(o.Complete);
        Assert.Equal(content, o.Content);
        Assert.Equal(content.Length, o.Size);
        Assert.Equal(lines, o.Lines);
        Assert.Equal(consumed, o.Consumed);
        Assert.False(o.BareLf || o.BareCr || o.TooLarge || o.LongLine);
    }

    public static TheoryData<string, string, bool, bool> Smuggling => new()
    {
        // input, content, bare LF, bare CR: none of the lookalikes ends the data.
        { "a\n.\nMAIL FROM:<evil@x>\r\n.\r\n", "a\n.\nMAIL FROM:<evil@x>\r\n", true, false },
        { "a\r\n.\nMAIL FROM:<evil@x>\r\n.\r\n", "a\r\n\nMAIL FROM:<evil@x>\r\n", true, false },
        { "a\n.\r\nMAIL FROM:<evil@x>\r\n.\r\n", "a\n.\r\nMAIL FROM:<evil@x>\r\n", true, false },
        { "a\r.\r\nMAIL FROM:<evil@x>\r\n.\r\n", "a\r.\r\nMAIL FROM:<evil@x>\r\n", false, true },
        { "a\r.\rMAIL FROM:<evil@x>\r\n.\r\n", "a\r.\rMAIL FROM:<evil@x>\r\n", false, true },
        { "a\r\n.\rMAIL FROM:<evil@x>\r\n.\r\n", "a\r\n\rMAIL FROM:<evil@x>\r\n", false, true },
        { "a\r\n.\r\r\n.\r\n", "a\r\n\r\r\n", false, true },
        { "a\r\r\n.\r\n", "a\r\r\n", false, true },
        { "a\n\r\n.\r\n", "a\n\r\n", true, false },
        { "\n.\n\r\n.\r\n", "\n.\n\r\n", true, false },
        { "\r.\r\n\r\n.\r\n", "\r.\r\n\r\n", false, true },
        { "a\r\n.\n.\r\n.\r\n", "a\r\n\n.\r\n", true, false },
    };

    [Theory]
    [MemberData(nameof(Smuggling))]
    public void Only_crlf_dot_crlf_ends_the_data(string input, string content, bool bareLf, bool bareCr)
    {
        var o = RunAllWays(input);
        Assert.True(o.Complete);
        Assert.Equal(content, o.Content);
        Assert.Equal(input.Length, o.Consumed);
        Assert.Equal(bareLf, o.BareLf);
        Assert.Equal(bareCr, o.BareCr);
    }

    [Theory]
    [InlineData("a\n.\n")]
    [InlineData("a\r\n.\n")]
    [InlineData("a\n.\r\n")]
    [InlineData("a\r.\r\n")]
    [InlineData("a\r.\r")]
    [InlineData("a\r\n.\r")]
    [InlineData("a\r\n.")]
    [InlineData("a\r\n")]
    [InlineData("")]
    public void Lookalike_end_markers_leave_the_data_open(string input)
    {
        var o = RunAllWays(input);
        Assert.False(o.Complete);
        Assert.Equal(input.Length, o.Consumed);
    }

    [Fact]
    public void The_end_marker_is_found_across_every_split()
    {
        byte[] input = Encoding.ASCII.GetBytes("hi\r\n..dot\r\n.\r\nQUIT\r\n");
        const int end = 14;
        var whole = Run([input]);
        Assert.Equal(end, whole.Consumed);
        Assert.Equal("hi\r\n.dot\r\n", whole.Content);
        for (int i = 0; i <= input.Length; i++)
            for (int j = i; j <= input.Length; j++)
            {
                var o = Run([input[..i], input[i..j], input[j..]]);
                Assert.Equal(whole, o);
            }
    }

    [Fact]
    public void Random_splits_give_the_same_result()
    {
        var random = new Random(3030);
        string body = string.Concat(Enumerable.Range(0, 200).Select(i => (i % 7) switch
        {
            0 => ".leading dot\r\n",
            1 => "..two dots\r\n",
            2 => "\r\n",
            3 => "bare\nlf\r\n",
            4 => "bare\rcr\r\n",
            5 => "." + new string('x', i) + "\r\n",
            _ => "plain line " + i + "\r\n",
        })) + ".\r\nRSET\r\n";
        byte[] input = Encoding.ASCII.GetBytes(body);
        var whole = Run([input]);
        Assert.True(whole.Complete);
        Assert.True(whole.BareLf && whole.BareCr);
        for (int n = 0; n < 200; n++)
            Assert.Equal(whole, Run(Feed.RandomChunks(input, random, 1 + n % 40), mode: n % 4));
    }

    [Fact]
    public void Past_the_limit_it_stops_writing_but_reads_to_the_end()
    {
        string line = new string('x', 98) + "\r\n"; // 100 octets
        string input = string.Concat(Enumerable.Repeat(line, 50)) + ".\r\nQUIT\r\n";
        var o = RunAllWays(input, max: 1000);
        Assert.True(o.Complete);
        Assert.True(o.TooLarge);
        Assert.Equal(5000, o.Size);
        Assert.Equal(50, o.Lines);
        Assert.Equal(input.Length - 6, o.Consumed);
        Assert.True(o.Content.Length <= 1000);

        // Exactly at the limit is fine.
        var exact = RunAllWays(string.Concat(Enumerable.Repeat(line, 10)) + ".\r\n", max: 1000);
        Assert.False(exact.TooLarge);
        Assert.Equal(1000, exact.Content.Length);

        var zero = RunAllWays("a\r\n.\r\n", max: 0);
        Assert.True(zero.TooLarge);
        Assert.Equal("", zero.Content);
    }

    [Fact]
    public void Lines_over_1000_octets_are_flagged()
    {
        // RFC 5321 §4.5.3.1.6: 1000 octets including CRLF; the stuffed dot does not count.
        Assert.False(RunAllWays(new string('x', 998) + "\r\n.\r\n").LongLine);
        Assert.True(RunAllWays(new string('x', 999) + "\r\n.\r\n").LongLine);
        Assert.False(RunAllWays("." + new string('.', 998) + "\r\n.\r\n").LongLine);
        Assert.True(RunAllWays("short\r\n" + new string('x', 5000) + "\r\nshort\r\n.\r\n").LongLine);
    }

    [Fact]
    public void A_one_megabyte_line_streams_through()
    {
        byte[] line = new byte[1 << 20];
        Array.Fill(line, (byte)'m');
        byte[] input = [.. line, .. "\r\n.\r\n"u8];
        var reader = new SmtpDataReader(2 << 20);
        var writer = new RecordingWriter();
        var r = reader.Read(input, writer);
        Assert.True(r.IsComplete);
        Assert.Equal(input.Length, r.Consumed);
        Assert.Equal((1 << 20) + 2, writer.Written.Length);
        Assert.True(reader.HasLongLine);
        Assert.False(reader.IsTooLarge);

        // Byte by byte too, with a limit it passes.
        var small = new SmtpDataReader(1000);
        var sink = new RecordingWriter();
        foreach (byte b in input)
            small.Read([b], sink);
        Assert.True(small.IsComplete && small.IsTooLarge);
        Assert.True(sink.Written.Length <= 1000);
        Assert.Equal((1 << 20) + 2, small.MessageSize);
    }

    [Fact]
    public void Reset_reads_a_second_message_and_reads_after_the_end_consume_nothing()
    {
        var reader = new SmtpDataReader(100);
        var writer = new RecordingWriter();
        Assert.True(reader.Read("a\nb\r\n.\r\n"u8, writer).IsComplete);
        Assert.Equal(new SmtpReadResult(0, true), reader.Read("more"u8, writer));
        Assert.True(reader.HasBareLineFeed);
        reader.Reset();
        Assert.False(reader.IsComplete || reader.HasBareLineFeed);
        Assert.Equal(0, reader.MessageSize);
        var second = new RecordingWriter();
        Assert.Equal(new SmtpReadResult(6, true), reader.Read("b\r\n.\r\n"u8, second));
        Assert.Equal("b\r\n", second.Text);
    }

    [Fact]
    public void Binary_garbage_never_throws_and_the_splits_agree()
    {
        var random = new Random(6152);
        for (int n = 0; n < 50; n++)
        {
            byte[] garbage = new byte[random.Next(0, 3000)];
            random.NextBytes(garbage);
            var whole = Run([garbage], max: 1500);
            Assert.Equal(whole, Run(Feed.Chunks(garbage, Split.ByteByByte), max: 1500));
            Assert.Equal(whole, Run(Feed.RandomChunks(garbage, random), max: 1500, mode: n % 4));
        }
    }
}
