using System.Text;
using Letterbox.Protocol.Smtp;

namespace Letterbox.Protocol.Tests.Smtp;

public sealed class SmtpChunkReaderTests
{
    /// <summary>Reads one chunk of <paramref name="size"/> from <paramref name="chunks"/>; returns the bytes consumed.</summary>
    private static long ReadChunk(SmtpChunkReader reader, IEnumerable<byte[]> chunks, long size, bool last, object output, bool sequence = false)
    {
        reader.BeginChunk(size, last);
        long consumed = 0;
        if (size == 0)
        {
            Assert.Equal(new SmtpReadResult(0, true), reader.Read(ReadOnlySpan<byte>.Empty, (RecordingWriter)output));
            return 0;
        }
        foreach (var chunk in chunks)
        {
            SmtpReadResult r = (output, sequence) switch
            {
                (RecordingWriter w, false) => reader.Read(chunk, w),
                (RecordingWriter w, true) => reader.Read(Feed.Sequence([chunk[..(chunk.Length / 2)], chunk[(chunk.Length / 2)..]]), w),
                (Stream s, false) => reader.Read(chunk, s),
                (Stream s, true) => reader.Read(Feed.Sequence([chunk[..(chunk.Length / 2)], chunk[(chunk.Length / 2)..]]), s),
                _ => throw new InvalidOperationException(),
            };
            consumed += r.Consumed;
            if (r.IsComplete)
                return consumed;
            Assert.Equal(chunk.Length, r.Consumed);
        }
        return consumed;
    }

    [Fact]
    public void Consumes_exactly_the_declared_octets_whatever_the_split()
    {
        // Binary data with things that would matter to DATA: they mean nothing here.
        byte[] data = [.. "line\r\n.\r\n..\n\r\0"u8, 0xFF, 0x00, .. "end"u8];
        byte[] input = [.. data, .. "BDAT 3 LAST\r\n"u8];
        var random = new Random(3030);
        var feeds = new List<List<byte[]>>();
        foreach (var split in Feed.AllSplits)
            feeds.Add(Feed.Chunks(input, split));
        for (int cut = 0; cut <= input.Length; cut++)
            feeds.Add([input[..cut], input[cut..]]);
        for (int n = 0; n < 50; n++)
            feeds.Add(Feed.RandomChunks(input, random));

        int variant = 0;
        foreach (var feed in feeds)
        {
            var reader = new SmtpChunkReader(1000);
            bool useStream = variant % 2 == 1, sequence = variant % 3 == 0;
            variant++;
            var writer = new RecordingWriter();
            var stream = new MemoryStream();
            long consumed = ReadChunk(reader, feed, data.Length, last: false, useStream ? (object)stream : writer, sequence);
            Assert.Equal(data.Length, consumed);
            Assert.Equal(data, useStream ? stream.ToArray() : writer.Written);
            Assert.Equal(0, reader.Remaining);
            Assert.Equal(data.Length, reader.MessageSize);
            Assert.False(reader.IsTooLarge);
        }
    }

    [Fact]
    public void The_limit_covers_all_chunks_and_refused_chunks_are_still_read()
    {
        var reader = new SmtpChunkReader(10);
        var writer = new RecordingWriter();
        Assert.Equal(6, ReadChunk(reader, [Encoding.ASCII.GetBytes("abcdef")], 6, false, writer));
        Assert.False(reader.IsTooLarge);
        // The second chunk takes the message past 10 octets: nothing more is written, all is read.
        byte[] second = Encoding.ASCII.GetBytes("ghijklmnop");
        Assert.Equal(10, ReadChunk(reader, Feed.Chunks(second, Split.ByteByByte), 10, true, writer));
        Assert.True(reader.IsTooLarge);
        Assert.True(reader.IsLastChunk);
        Assert.Equal(16, reader.MessageSize);
        Assert.Equal("abcdef", writer.Text);

        reader.Reset();
        Assert.False(reader.IsTooLarge);
        Assert.Equal(0, reader.MessageSize);
    }

    [Fact]
    public void A_chunk_exceeding_the_limit_mid_stream_is_flagged_as_it_goes()
    {
        var reader = new SmtpChunkReader(100);
        reader.BeginChunk(50, false);
        var writer = new RecordingWriter();
        reader.Read(new byte[50], writer);
        Assert.False(reader.IsTooLarge);
        // Declared past the limit: flagged before a byte arrives.
        reader.BeginChunk(51, true);
        Assert.True(reader.IsTooLarge);
        var r = reader.Read(new byte[100], writer);
        Assert.Equal(new SmtpReadResult(51, true), r);
        Assert.Equal(50, writer.Written.Length);
    }

    [Fact]
    public void Bdat_zero_last_completes_at_once()
    {
        var reader = new SmtpChunkReader(10);
        Assert.Equal(0, ReadChunk(reader, [], 0, true, new RecordingWriter()));
        Assert.True(reader.IsLastChunk);
    }

    [Fact]
    public void Starting_a_chunk_before_the_last_one_ended_is_a_bug()
    {
        var reader = new SmtpChunkReader(10);
        reader.BeginChunk(5, false);
        Assert.Throws<InvalidOperationException>(() => reader.BeginChunk(5, true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmtpChunkReader(1).BeginChunk(-1, false));
    }

    [Fact]
    public void A_large_chunk_streams_in_pieces()
    {
        var reader = new SmtpChunkReader(long.MaxValue);
        reader.BeginChunk(3L << 20, true);
        var writer = new RecordingWriter();
        byte[] piece = new byte[65536];
        long total = 0;
        while (reader.Remaining > 0)
            total += reader.Read(piece, writer).Consumed;
        Assert.Equal(3L << 20, total);
        Assert.Equal(3 << 20, writer.Written.Length);
    }
}
