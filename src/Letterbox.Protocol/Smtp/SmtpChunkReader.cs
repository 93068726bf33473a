using System.Buffers;

namespace Letterbox.Protocol.Smtp;

/// <summary>
/// Reads BDAT chunk data (RFC 3030 §2): exactly the declared number of octets, with no
/// dot-stuffing and no end marker, across any buffer split, into the caller's output under the
/// same size limit as DATA. One reader serves a whole transaction: the limit applies to the sum of
/// its chunks.
/// </summary>
/// <remarks>
/// Past the limit the reader writes nothing more and sets <see cref="IsTooLarge"/>, but still
/// consumes every declared octet: RFC 3030 §2 requires the server to read a chunk it refuses, or
/// the next chunk's data would be taken for commands. The server answers 552 5.3.4 after the chunk.
/// A BDAT whose size cannot be parsed leaves the stream out of step; the session should close.
/// </remarks>
public sealed class SmtpChunkReader
{
    private SmtpMessageOutput _output;

    /// <param name="maxMessageSize">The most octets written for the whole message (all chunks).</param>
    public SmtpChunkReader(long maxMessageSize) => _output = new SmtpMessageOutput(maxMessageSize);

    public long MaxMessageSize => _output.Limit;

    /// <summary>Octets of the current chunk still to come.</summary>
    public long Remaining { get; private set; }

    /// <summary>The current chunk is the one marked LAST.</summary>
    public bool IsLastChunk { get; private set; }

    /// <summary>Octets of all chunks so far, also past the limit.</summary>
    public long MessageSize => _output.Size;

    /// <summary>The message went, or was declared to go, past <see cref="MaxMessageSize"/>.</summary>
    public bool IsTooLarge => _output.IsTooLarge;

    /// <summary>Starts a chunk after a BDAT command. Calling it while a chunk is unfinished is a bug.</summary>
    public void BeginChunk(long size, bool last)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (Remaining != 0)
            throw new InvalidOperationException("The previous BDAT chunk has not been read to its end.");
        Remaining = size;
        IsLastChunk = last;
        // Declared past the limit: no point writing any of it.
        if (size > _output.Limit - _output.Size)
            _output.MarkTooLarge();
    }

    /// <summary>Starts a new transaction: sizes and flags cleared.</summary>
    public void Reset()
    {
        Remaining = 0;
        IsLastChunk = false;
        _output.Reset();
    }

    /// <summary>Consumes up to <see cref="Remaining"/> octets of <paramref name="input"/>.</summary>
    public SmtpReadResult Read(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        int n = (int)Math.Min(Remaining, input.Length);
        _output.Write(output, input[..n]);
        Remaining -= n;
        return new(n, Remaining == 0);
    }

    /// <summary>Consumes up to <see cref="Remaining"/> octets of a possibly multi-segment buffer.</summary>
    public SmtpReadResult Read(in ReadOnlySequence<byte> input, IBufferWriter<byte> output)
    {
        long consumed = 0;
        foreach (var segment in input)
        {
            if (Remaining == 0)
                break;
            consumed += Read(segment.Span, output).Consumed;
        }
        return new(consumed, Remaining == 0);
    }

    /// <summary>Consumes chunk data into a stream (one synchronous write per call).</summary>
    public SmtpReadResult Read(ReadOnlySpan<byte> input, Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var staging = _output.Staging();
        var r = Read(input, staging);
        output.Write(staging.WrittenSpan);
        return r;
    }

    /// <summary>Consumes chunk data from a possibly multi-segment buffer into a stream.</summary>
    public SmtpReadResult Read(in ReadOnlySequence<byte> input, Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var staging = _output.Staging();
        var r = Read(input, staging);
        output.Write(staging.WrittenSpan);
        return r;
    }
}
