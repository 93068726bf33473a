using System.Buffers;

namespace Letterbox.Protocol.Smtp;

/// <summary>
/// Reads the message after DATA's 354 (RFC 5321 §4.1.4, §4.5.2): removes dot-stuffing, finds the
/// end marker CRLF "." CRLF across any buffer split, and streams the content to the caller's
/// output while enforcing the size limit. Feed it chunks as they arrive; each call consumes the
/// whole chunk, or the part through the end marker, and says whether the end was seen.
/// </summary>
/// <remarks>
/// <para>SMTP smuggling (CVE-2023-51764 and friends): only CR LF "." CR LF ends the data. A bare LF
/// or a bare CR anywhere ("\n.\n", "\r.\r", "\n.\r\n", "\r\n.\n"...) is content, never an end, and
/// is reported in <see cref="HasBareLineFeed"/> / <see cref="HasBareCarriageReturn"/>, so the
/// server can refuse the message as Postfix's smtpd_forbid_bare_newline = reject does
/// (<see cref="SmtpReplies.BareLineFeed"/>: 550 5.5.2 "Error: bare &lt;LF&gt; received"). Lines only
/// end in CRLF here, so dot-unstuffing and line counting only happen after a CRLF.</para>
/// <para>Size: past <see cref="MaxMessageSize"/> the reader stops writing, sets
/// <see cref="IsTooLarge"/>, and keeps consuming up to the end marker, so the server can answer
/// 552 5.3.4 (<see cref="SmtpReplies.MessageTooBig"/>) in step with the client without holding the
/// data. <see cref="MessageSize"/> keeps counting.</para>
/// <para>Line length: a line over 1000 octets including CRLF (RFC 5321 §4.5.3.1.6, the stuffed
/// dot not counted) sets <see cref="HasLongLine"/>; the server decides what to do.</para>
/// <para>Output: an <see cref="IBufferWriter{T}"/> (a PipeWriter over a temp file, say: flush it
/// after each call) or a <see cref="Stream"/>, written synchronously once per call.</para>
/// </remarks>
public sealed class SmtpDataReader
{
    /// <summary>RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets including CRLF.</summary>
    public const int MaxLineLength = 1000;

    private enum State : byte
    {
        LineStart, // after CRLF (or at the start): a "." here is special
        Dot,       // "." at line start, not yet known to be stuffing or the end marker
        DotCr,     // "." CR at line start
        Middle,    // inside a line
        Cr,        // CR inside a line, waiting to see whether LF follows
    }

    private State _state;
    private SmtpMessageOutput _output;
    private long _lineLength;

    /// <param name="maxMessageSize">The most octets of content (after unstuffing) written to the output.</param>
    public SmtpDataReader(long maxMessageSize) => _output = new SmtpMessageOutput(maxMessageSize);

    public long MaxMessageSize => _output.Limit;

    /// <summary>The end marker has been read; further reads consume nothing.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Octets of content so far (CRLFs included, stuffed dots and the end marker not), also past the limit.</summary>
    public long MessageSize => _output.Size;

    /// <summary>CRLF-terminated lines of content so far.</summary>
    public long LineCount { get; private set; }

    /// <summary>The content went past <see cref="MaxMessageSize"/>: output is truncated, reply 552 5.3.4 after the end.</summary>
    public bool IsTooLarge => _output.IsTooLarge;

    /// <summary>An LF not preceded by CR was seen.</summary>
    public bool HasBareLineFeed { get; private set; }

    /// <summary>A CR not followed by LF was seen.</summary>
    public bool HasBareCarriageReturn { get; private set; }

    /// <summary>Either of the two: the message breaks RFC 5321 §2.3.8 and is a smuggling risk.</summary>
    public bool HasBareNewline => HasBareLineFeed || HasBareCarriageReturn;

    /// <summary>A line was longer than <see cref="MaxLineLength"/> octets including CRLF.</summary>
    public bool HasLongLine { get; private set; }

    /// <summary>Ready for another message (same limit).</summary>
    public void Reset()
    {
        _state = State.LineStart;
        _output.Reset();
        _lineLength = 0;
        IsComplete = false;
        LineCount = 0;
        HasBareLineFeed = HasBareCarriageReturn = HasLongLine = false;
    }

    /// <summary>Reads content from <paramref name="input"/> into <paramref name="output"/>.</summary>
    public SmtpReadResult Read(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (IsComplete)
            return new(0, true);
        int i = 0;
        while (i < input.Length)
        {
            switch (_state)
            {
                case State.Middle:
                {
                    var rest = input[i..];
                    int special = rest.IndexOfAny((byte)'\r', (byte)'\n');
                    if (special < 0)
                    {
                        Content(output, rest);
                        return new(input.Length, false);
                    }
                    Content(output, rest[..special]);
                    i += special;
                    if (input[i++] == (byte)'\r')
                        _state = State.Cr;
                    else
                    {
                        HasBareLineFeed = true;
                        Content(output, "\n"u8);
                    }
                    break;
                }
                case State.LineStart:
                    if (input[i] == (byte)'.')
                    {
                        i++;
                        _state = State.Dot;
                    }
                    else
                        _state = State.Middle; // the byte is read again as ordinary content
                    break;
                case State.Dot:
                    if (input[i] == (byte)'\r')
                    {
                        i++;
                        _state = State.DotCr;
                    }
                    else
                        _state = State.Middle; // RFC 5321 §4.5.2: a leading dot with more on the line is deleted
                    break;
                case State.DotCr:
                    if (input[i] == (byte)'\n')
                    {
                        IsComplete = true;
                        return new(i + 1, true);
                    }
                    // "." CR <not LF>: the dot was stuffing, the CR is bare content.
                    HasBareCarriageReturn = true;
                    Content(output, "\r"u8);
                    _state = State.Middle;
                    break;
                case State.Cr:
                    if (input[i] == (byte)'\n')
                    {
                        i++;
                        _output.Write(output, "\r\n"u8);
                        if (_lineLength + 2 > MaxLineLength)
                            HasLongLine = true;
                        _lineLength = 0;
                        LineCount++;
                        _state = State.LineStart;
                    }
                    else
                    {
                        HasBareCarriageReturn = true;
                        Content(output, "\r"u8);
                        _state = State.Middle;
                    }
                    break;
            }
        }
        return new(input.Length, false);
    }

    /// <summary>Reads content from a possibly multi-segment buffer.</summary>
    public SmtpReadResult Read(in ReadOnlySequence<byte> input, IBufferWriter<byte> output)
    {
        long consumed = 0;
        foreach (var segment in input)
        {
            var r = Read(segment.Span, output);
            consumed += r.Consumed;
            if (r.IsComplete)
                return new(consumed, true);
        }
        return new(consumed, IsComplete);
    }

    /// <summary>Reads content into a stream (one synchronous write per call).</summary>
    public SmtpReadResult Read(ReadOnlySpan<byte> input, Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var staging = _output.Staging();
        var r = Read(input, staging);
        output.Write(staging.WrittenSpan);
        return r;
    }

    /// <summary>Reads content from a possibly multi-segment buffer into a stream.</summary>
    public SmtpReadResult Read(in ReadOnlySequence<byte> input, Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var staging = _output.Staging();
        var r = Read(input, staging);
        output.Write(staging.WrittenSpan);
        return r;
    }

    private void Content(IBufferWriter<byte> output, ReadOnlySpan<byte> data)
    {
        _lineLength += data.Length;
        _output.Write(output, data);
    }
}
