using System.Buffers;

namespace Letterbox.Protocol.Smtp;

/// <summary>What <see cref="SmtpLineReader"/> found in the buffer.</summary>
public enum SmtpLineStatus
{
    /// <summary>No complete line yet. Drop <see cref="SmtpLineResult.Consumed"/> bytes (non-zero only while an over-long line is being skipped) and read more.</summary>
    NeedMore,
    /// <summary>A command line: the first <see cref="SmtpLineResult.LineLength"/> bytes, terminator excluded.</summary>
    Line,
    /// <summary>An over-long line has ended and been skipped: reply 500 5.5.2 (<see cref="SmtpReplies.LineTooLong"/>) and go on.</summary>
    LineTooLong,
}

/// <summary>
/// The outcome of one <see cref="SmtpLineReader.Read(ReadOnlySpan{byte})"/>. The caller always
/// advances its buffer by <see cref="Consumed"/> (with a pipe: consumed there, examined at the end).
/// </summary>
public readonly record struct SmtpLineResult(SmtpLineStatus Status, long Consumed, int LineLength, bool BareLineFeed);

/// <summary>
/// Finds the next command line in what the client has sent so far, enforcing the line length
/// limit while reading: it never looks further than the limit for a line end, and an over-long
/// line is skipped as it arrives instead of being buffered.
/// </summary>
/// <remarks>
/// <para>Limit: RFC 5321 §4.5.3.1.4 sets 512 octets including CRLF for a command line; ESMTP
/// parameters and SASL initial responses (RFC 4954 §4) need more, so the caller picks the limit
/// (4096 is a sensible choice for a server that offers AUTH and DSN).</para>
/// <para>Over-long line: once the limit has passed without a line end, the reader answers
/// <see cref="SmtpLineStatus.NeedMore"/> with everything in the buffer as
/// <see cref="SmtpLineResult.Consumed"/> (drop it), until the LF that ends the monster arrives;
/// then it answers <see cref="SmtpLineStatus.LineTooLong"/> once, consuming through that LF. So a
/// pipelining client gets exactly one 500 for it, in order, and the session keeps going.</para>
/// <para>Bare LF: accepted as the end of a COMMAND line, as Postfix, Exim and most servers do
/// (RFC 5321 §2.3.8 forbids sending it, and a strict server may refuse it): the result says so in
/// <see cref="SmtpLineResult.BareLineFeed"/>, and a session that wants Postfix's
/// smtpd_forbid_bare_newline = reject behaviour replies <see cref="SmtpReplies.BareLineFeed"/>.
/// This is safe for commands: the smuggling attacks live in DATA, whose reader
/// (<see cref="SmtpDataReader"/>) accepts only CRLF. A bare CR is never a terminator: it stays in
/// the line, where the command parser refuses it as a control character.</para>
/// <para>The only state is whether an over-long line is being skipped; <see cref="Reset"/> clears
/// it (after STARTTLS, say, where the buffered plaintext must be thrown away anyway).</para>
/// </remarks>
public sealed class SmtpLineReader
{
    /// <summary>RFC 5321 §4.5.3.1.4: 512 octets including CRLF.</summary>
    public const int RfcMaxLineLength = 512;

    private bool _discarding;

    /// <param name="maxLineLength">The longest line accepted, terminator included (at least 512).</param>
    public SmtpLineReader(int maxLineLength = RfcMaxLineLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineLength, RfcMaxLineLength);
        MaxLineLength = maxLineLength;
    }

    public int MaxLineLength { get; }

    /// <summary>True while the rest of an over-long line is being thrown away.</summary>
    public bool IsDiscarding => _discarding;

    public void Reset() => _discarding = false;

    /// <summary>Looks for the next line at the start of <paramref name="buffer"/>.</summary>
    public SmtpLineResult Read(ReadOnlySpan<byte> buffer)
    {
        if (_discarding)
        {
            int end = buffer.IndexOf((byte)'\n');
            if (end < 0)
                return new(SmtpLineStatus.NeedMore, buffer.Length, 0, false);
            _discarding = false;
            return new(SmtpLineStatus.LineTooLong, end + 1, 0, false);
        }

        var window = buffer[..Math.Min(buffer.Length, MaxLineLength)];
        int lf = window.IndexOf((byte)'\n');
        if (lf >= 0)
        {
            bool crlf = lf > 0 && buffer[lf - 1] == (byte)'\r';
            return new(SmtpLineStatus.Line, lf + 1, crlf ? lf - 1 : lf, !crlf);
        }
        if (buffer.Length < MaxLineLength)
            return new(SmtpLineStatus.NeedMore, 0, 0, false);

        // No line end within the limit: the line is too long, wherever it ends.
        int later = buffer[MaxLineLength..].IndexOf((byte)'\n');
        if (later >= 0)
            return new(SmtpLineStatus.LineTooLong, MaxLineLength + later + 1, 0, false);
        _discarding = true;
        return new(SmtpLineStatus.NeedMore, buffer.Length, 0, false);
    }

    /// <summary>Looks for the next line at the start of <paramref name="buffer"/>, which may span segments.</summary>
    public SmtpLineResult Read(in ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsSingleSegment)
            return Read(buffer.FirstSpan);

        if (_discarding)
        {
            var end = buffer.PositionOf((byte)'\n');
            if (end is null)
                return new(SmtpLineStatus.NeedMore, buffer.Length, 0, false);
            _discarding = false;
            return new(SmtpLineStatus.LineTooLong, buffer.Slice(0, end.Value).Length + 1, 0, false);
        }

        var window = buffer.Slice(0, Math.Min(buffer.Length, MaxLineLength));
        var lf = window.PositionOf((byte)'\n');
        if (lf is not null)
        {
            var line = buffer.Slice(0, lf.Value);
            int length = (int)line.Length;
            bool crlf = length > 0 && LastByte(line) == (byte)'\r';
            return new(SmtpLineStatus.Line, length + 1, crlf ? length - 1 : length, !crlf);
        }
        if (buffer.Length < MaxLineLength)
            return new(SmtpLineStatus.NeedMore, 0, 0, false);

        var rest = buffer.Slice(MaxLineLength);
        var later = rest.PositionOf((byte)'\n');
        if (later is not null)
            return new(SmtpLineStatus.LineTooLong, MaxLineLength + rest.Slice(0, later.Value).Length + 1, 0, false);
        _discarding = true;
        return new(SmtpLineStatus.NeedMore, buffer.Length, 0, false);
    }

    private static byte LastByte(in ReadOnlySequence<byte> sequence)
    {
        var last = sequence.Slice(sequence.Length - 1);
        return last.FirstSpan[0];
    }
}
