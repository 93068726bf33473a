using System.Buffers;

namespace Letterbox.Protocol.Smtp;

/// <summary>What one call of a message reader did with its input.</summary>
/// <param name="Consumed">Bytes of the input used; the caller drops them from its buffer.</param>
/// <param name="IsComplete">The end of the data was reached (DATA: the terminating CRLF.CRLF; BDAT: the last octet of the chunk).</param>
public readonly record struct SmtpReadResult(long Consumed, bool IsComplete);

/// <summary>
/// The size-limited sink both message readers write through: it counts every octet of content,
/// writes the first <c>limit</c> octets, and from the first octet past it writes nothing more and
/// sets <see cref="IsTooLarge"/>. What was written is then a truncated message the caller must
/// throw away.
/// </summary>
internal struct SmtpMessageOutput
{
    private readonly long _limit;
    private ArrayBufferWriter<byte>? _staging;

    public SmtpMessageOutput(long limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        _limit = limit;
    }

    public readonly long Limit => _limit;
    public long Size { get; private set; }
    public bool IsTooLarge { get; private set; }

    public void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
            return;
        long room = _limit - Size;
        Size += data.Length;
        if (IsTooLarge)
            return;
        if (data.Length > room)
        {
            // Write up to the limit exactly, so the output does not depend on how input was split.
            output.Write(data[..(int)room]);
            IsTooLarge = true;
            return;
        }
        output.Write(data);
    }

    /// <summary>Marks the message too large ahead of time (a BDAT chunk declared past the limit).</summary>
    public void MarkTooLarge() => IsTooLarge = true;

    public void Reset()
    {
        Size = 0;
        IsTooLarge = false;
    }

    /// <summary>A reusable buffer for the Stream overloads: content is staged, then written in one call.</summary>
    public ArrayBufferWriter<byte> Staging()
    {
        _staging ??= new ArrayBufferWriter<byte>();
        _staging.ResetWrittenCount();
        return _staging;
    }
}
