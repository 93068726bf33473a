using System.Buffers;
using System.Text;

namespace Letterbox.Protocol.Imap;

/// <summary>
/// Cuts a client's byte stream into commands: lines, literals ("{n}", "{n+}", "~{n}") and APPEND's
/// streamed message, with every limit enforced as bytes arrive. Pure: no I/O; feed it what the
/// socket gave, act on the status, drop <see cref="ImapReadResult.Consumed"/> bytes, repeat.
/// </summary>
/// <remarks>
/// <para>Literals: RFC 9051 §4.3, §7.6 and RFC 7888 §3 — the server checks the end of every line for a
/// literal marker; a synchronizing literal waits for "+" (<see cref="ImapReadStatus.Continuation"/>),
/// a non-synchronizing one does not. The announced size is checked against the limits BEFORE any of
/// its octets are read, so "{4294967296}" costs nothing.</para>
/// <para>Refusing a command (line too long, literal too large, "{n+}" not allowed): with a
/// synchronizing literal the client is waiting, so the refusal ends the command at once and the
/// connection goes on (RFC 9051 §2.2.1 note). A non-synchronizing literal's octets come anyway
/// (RFC 7888 §4): the reader reads and drops them, and the rest of the command, then reports the
/// refusal (choice 1); when that would exceed <see cref="ImapReaderLimits.MaxDiscardSize"/>, it gives
/// up with "* BYE [TOOBIG]" and <see cref="ImapReadResult.CloseConnection"/> (choice 2). It never
/// treats a refused literal's octets as commands: that would let them be injected.</para>
/// <para>APPEND: the first literal after APPEND's mailbox argument is the message. It is never held:
/// the reader reports <see cref="ImapReadStatus.MessageLiteral"/> (the frame then parses as the APPEND
/// command, so the server can check the mailbox and its quota first), then hands out the octets as
/// slices of the input (<see cref="ImapReadStatus.MessageData"/>) for the server to write to a file.</para>
/// <para>Line ends: CRLF, or a bare LF (lenient, as most servers). A bare CR is kept and the parser
/// refuses it. Inside literals every octet is data.</para>
/// <para>IDLE's "DONE" and AUTHENTICATE's responses are plain lines: read them with
/// <see cref="ReadLine(ReadOnlySpan{byte})"/>.</para>
/// </remarks>
public sealed class ImapCommandReader
{
    // Bytes of an over-long line kept to look for a literal marker at its end; a marker whose digits
    // fill it all is taken as hostile.
    private const int TailSize = 64;

    private enum State : byte
    {
        Idle,             // between commands
        Line,             // reading a line of a command into the frame
        Literal,          // reading a buffered literal into the frame
        AwaitingDecision, // MessageLiteral reported; the server must accept or reject
        Message,          // handing out APPEND message octets
        SkipLiteral,      // dropping a refused non-synchronizing literal
        SkipLine,         // dropping the rest of a refused command's line
        PendingError,     // a refusal to report on the next read
        Closed,           // gave up: every read reports the BYE
        LineOnly,         // ReadLine
        LineOnlySkip,     // ReadLine, over-long line
    }

    private readonly ImapCommandFrame _frame = new();
    private readonly byte[] _tail = new byte[TailSize];
    private ImapReaderLimits _configured; // what Limits was last set to
    private ImapReaderLimits _limits;     // what the current command is read with
    private State _state;
    private int _lineStart;       // frame offset of the current line
    private int _lineLength;      // raw octets of the current line so far (a trailing CR included)
    private bool _firstLine;
    private string? _tag;
    private bool _isAppend;
    private bool _commandKnown;
    private int _appendArguments; // frame offset after "tag APPEND "
    private bool _messageSeen;
    private long _remaining;      // of the literal being read, streamed or skipped
    private long _discarded;
    private int _tailLength;
    private bool _tailTruncated;
    private ImapStatusResponse? _pending;
    private ImapStatusResponse? _bye;

    public ImapCommandReader(ImapReaderLimits? limits = null)
    {
        _configured = _limits = Validate(limits ?? ImapReaderLimits.Default);
    }

    /// <summary>The limits; a new value applies from the next command (or line).</summary>
    public ImapReaderLimits Limits
    {
        get => _configured;
        set => _configured = Validate(value);
    }

    /// <summary>The command read so far; valid after <see cref="ImapReadStatus.Command"/> or <see cref="ImapReadStatus.MessageLiteral"/>, until the next read.</summary>
    public ImapCommandFrame Frame => _frame;

    /// <summary>The line after <see cref="ImapReadStatus.Line"/>, without its line end; valid until the next read.</summary>
    public ReadOnlySpan<byte> Line => _frame.Text;

    /// <summary>The current command's tag, once its first line is in (null when it is not a valid tag).</summary>
    public string? Tag => _tag;

    /// <summary>Between commands: nothing of a command has been read.</summary>
    public bool IsIdle => _state == State.Idle;

    /// <summary>Forgets everything (after STARTTLS, where buffered plaintext must be thrown away anyway).</summary>
    public void Reset()
    {
        _state = State.Idle;
        _frame.Clear();
        _tag = null;
        _pending = _bye = null;
    }

    private static ImapReaderLimits Validate(ImapReaderLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxLineLength, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxCommandSize, limits.MaxLineLength);
        ArgumentOutOfRangeException.ThrowIfNegative(limits.MaxLiteralSize);
        ArgumentOutOfRangeException.ThrowIfNegative(limits.MaxMessageSize);
        ArgumentOutOfRangeException.ThrowIfNegative(limits.MaxDiscardSize);
        return limits;
    }

    /// <summary>Accepts the announced APPEND message: its octets come as <see cref="ImapReadStatus.MessageData"/>. Send "+" first if it is synchronizing.</summary>
    public void AcceptMessage()
    {
        if (_state != State.AwaitingDecision)
            throw new InvalidOperationException("No APPEND message literal is waiting for a decision.");
        if (_remaining == 0)
            BeginLine();
        else
            _state = State.Message;
    }

    /// <summary>
    /// Refuses the announced APPEND message (no such mailbox, over quota...). The next read reports
    /// <paramref name="response"/> as <see cref="ImapReadStatus.Error"/>: at once for a synchronizing
    /// literal (the client never sends it), after dropping the octets for a non-synchronizing one.
    /// </summary>
    public void RejectMessage(ImapStatusResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (_state != State.AwaitingDecision)
            throw new InvalidOperationException("No APPEND message literal is waiting for a decision.");
        var literal = _frame.Literals[^1];
        _frame.Clear();
        if (literal.IsSynchronizing)
        {
            _pending = response;
            _state = State.PendingError;
        }
        else if (!StartDiscard(literal.Length, response))
            _state = State.Closed;
    }

    /// <summary>Reads from a buffer that may span segments. For <see cref="ImapReadStatus.MessageData"/>, the data is the first <see cref="ImapReadResult.Consumed"/> bytes of it.</summary>
    public ImapReadResult Read(in ReadOnlySequence<byte> input)
    {
        if (input.IsSingleSegment)
            return Read(input.FirstSpan);
        if (_state == State.Message)
        {
            long take = Math.Min(_remaining, input.Length);
            return TakeMessage(take);
        }
        long consumed = 0;
        foreach (var segment in input)
        {
            var r = Read(segment.Span);
            consumed += r.Consumed;
            if (r.Status != ImapReadStatus.NeedMore)
                return r with { Consumed = consumed };
        }
        return new(ImapReadStatus.NeedMore, consumed);
    }

    /// <summary>Reads command bytes as they arrived.</summary>
    public ImapReadResult Read(ReadOnlySpan<byte> input)
    {
        switch (_state)
        {
            case State.AwaitingDecision:
                throw new InvalidOperationException("Call AcceptMessage or RejectMessage first.");
            case State.LineOnly or State.LineOnlySkip:
                throw new InvalidOperationException("A line is being read with ReadLine.");
            case State.Idle:
                BeginCommand();
                break;
            case State.PendingError:
                _state = State.Idle;
                return Error(0, _pending!);
            case State.Closed:
                return new(ImapReadStatus.Error, input.Length) { Response = _bye, CloseConnection = true };
        }

        int i = 0;
        while (true)
        {
            switch (_state)
            {
                case State.Line:
                {
                    if (i == input.Length)
                        return NeedMore(i);
                    var rest = input[i..];
                    int room = _limits.MaxLineLength + 2 - _lineLength; // content, CR and LF
                    var window = rest.Length > room ? rest[..room] : rest;
                    int lf = window.IndexOf((byte)'\n');
                    if (lf < 0 && window.Length == room)
                    {
                        StartSkippingLine(window, LineTooLong());
                        i += window.Length;
                        continue;
                    }
                    var piece = lf < 0 ? window : window[..lf];
                    if (_frame.Length + piece.Length > _limits.MaxCommandSize)
                    {
                        StartSkippingLine(piece, CommandTooLong());
                        i += piece.Length; // the LF, if any, ends the skipped line
                        continue;
                    }
                    _frame.Append(piece);
                    _lineLength += piece.Length;
                    i += piece.Length;
                    if (lf < 0)
                        return NeedMore(i);
                    i++;
                    if (EndOfLine(i) is { } result)
                        return result;
                    continue;
                }
                case State.Literal:
                {
                    if (i == input.Length)
                        return NeedMore(i);
                    int take = (int)Math.Min(_remaining, input.Length - i);
                    _frame.Append(input.Slice(i, take));
                    i += take;
                    _remaining -= take;
                    if (_remaining == 0)
                        BeginLine();
                    continue;
                }
                case State.Message:
                    if (i > 0 || input.IsEmpty)
                        return NeedMore(i); // message octets always start a read
                    return TakeMessage(Math.Min(_remaining, input.Length));
                case State.SkipLiteral:
                {
                    if (i == input.Length)
                        return NeedMore(i);
                    int take = (int)Math.Min(_remaining, input.Length - i);
                    i += take;
                    _remaining -= take;
                    if (_remaining == 0)
                        ClearTail(State.SkipLine);
                    continue;
                }
                case State.SkipLine:
                {
                    if (i == input.Length)
                        return NeedMore(i);
                    var rest = input[i..];
                    int lf = rest.IndexOf((byte)'\n');
                    if (lf < 0)
                    {
                        AddTail(rest);
                        return NeedMore(input.Length);
                    }
                    AddTail(rest[..lf]);
                    i += lf + 1;
                    if (EndOfSkippedLine(i) is { } result)
                        return result;
                    continue;
                }
                default:
                    return NeedMore(i);
            }
        }
    }

    /// <summary>
    /// Reads one plain line, for IDLE's "DONE" (RFC 2177) and AUTHENTICATE's client responses
    /// (RFC 9051 §6.2.2): no literals, the same line limit. Call it only between commands.
    /// </summary>
    public ImapReadResult ReadLine(ReadOnlySpan<byte> input)
    {
        switch (_state)
        {
            case State.Idle:
                _limits = _configured;
                _frame.Clear();
                _lineLength = 0;
                _state = State.LineOnly;
                break;
            case State.LineOnly or State.LineOnlySkip:
                break;
            case State.Closed:
                return new(ImapReadStatus.Error, input.Length) { Response = _bye, CloseConnection = true };
            default:
                throw new InvalidOperationException("A command is being read.");
        }

        if (_state == State.LineOnlySkip)
        {
            int end = input.IndexOf((byte)'\n');
            if (end < 0)
                return NeedMore(input.Length);
            _state = State.Idle;
            return Error(end + 1, ImapStatusResponse.Bad(null, "Line too long"));
        }

        int room = _limits.MaxLineLength + 2 - _lineLength;
        var window = input.Length > room ? input[..room] : input;
        int lf = window.IndexOf((byte)'\n');
        if (lf < 0)
        {
            if (window.Length < room)
            {
                _frame.Append(window);
                _lineLength += window.Length;
                return NeedMore(input.Length);
            }
            _frame.Clear();
            _state = State.LineOnlySkip;
            int later = input[window.Length..].IndexOf((byte)'\n');
            if (later < 0)
                return NeedMore(input.Length);
            _state = State.Idle;
            return Error(window.Length + later + 1, ImapStatusResponse.Bad(null, "Line too long"));
        }
        _frame.Append(window[..lf]);
        if (_frame.Length > 0 && _frame[_frame.Length - 1] == (byte)'\r')
            _frame.Truncate(_frame.Length - 1);
        _state = State.Idle;
        if (_frame.Length > _limits.MaxLineLength)
            return Error(lf + 1, ImapStatusResponse.Bad(null, "Line too long"));
        return new(ImapReadStatus.Line, lf + 1);
    }

    /// <summary>Reads one plain line from a buffer that may span segments.</summary>
    public ImapReadResult ReadLine(in ReadOnlySequence<byte> input)
    {
        if (input.IsSingleSegment)
            return ReadLine(input.FirstSpan);
        long consumed = 0;
        foreach (var segment in input)
        {
            var r = ReadLine(segment.Span);
            consumed += r.Consumed;
            if (r.Status != ImapReadStatus.NeedMore)
                return r with { Consumed = consumed };
        }
        return new(ImapReadStatus.NeedMore, consumed);
    }

    // ---- command framing ----

    private void BeginCommand()
    {
        _limits = _configured;
        _frame.Clear();
        _tag = null;
        _firstLine = true;
        _isAppend = false;
        _messageSeen = false;
        _discarded = 0;
        _pending = null;
        BeginLine();
    }

    private void BeginLine()
    {
        _lineStart = _frame.Length;
        _lineLength = 0;
        _state = State.Line;
    }

    private ImapReadResult TakeMessage(long take)
    {
        if (take == 0)
            return NeedMore(0);
        _remaining -= take;
        if (_remaining == 0)
            BeginLine();
        return new(ImapReadStatus.MessageData, take);
    }

    // A line of the command ended (its LF consumed; the frame holds it, CR included).
    private ImapReadResult? EndOfLine(int consumed)
    {
        if (_frame.Length > _lineStart && _frame[_frame.Length - 1] == (byte)'\r')
            _frame.Truncate(_frame.Length - 1);
        var line = _frame.Slice(_lineStart, _frame.Length - _lineStart);
        if (_firstLine)
            InspectFirstLine(line);
        if (line.Length > _limits.MaxLineLength)
        {
            // Only a bare-LF line can get here: its content reached the limit's extra octet.
            _pending = LineTooLong();
            ClearTail(State.SkipLine);
            AddTail(line);
            _frame.Truncate(_lineStart);
            return EndOfSkippedLine(consumed);
        }

        var marker = LiteralMarker.Find(line, truncated: false);
        if (marker.Kind == MarkerKind.None)
        {
            _frame.Tag = _tag;
            _frame.IsComplete = true;
            _state = State.Idle;
            return new(ImapReadStatus.Command, consumed);
        }

        long n = marker.Length;
        bool sync = !marker.NonSynchronizing;
        // RFC 9051 §7.6 example: "A044 BLURDYBLOOP {102856}" gets BAD, not "+": never invite the
        // octets of a command that cannot succeed.
        if (_tag is null)
            return Refuse(consumed, ImapStatusResponse.Bad(null, "Invalid tag"), sync, n);
        if (!_commandKnown)
            return Refuse(consumed, ImapStatusResponse.Bad(_tag, "Unknown command"), sync, n);
        if (!sync && _limits.NonSynchronizingLiterals == ImapLiteralMode.SynchronizingOnly)
            return Refuse(consumed, ImapStatusResponse.Bad(_tag, "Non-synchronizing literals are not supported"), sync, n);
        if (!sync && _limits.NonSynchronizingLiterals == ImapLiteralMode.LiteralMinus && n > ImapReaderLimits.LiteralMinusLimit)
            return Refuse(consumed, ImapStatusResponse.Bad(_tag, "Non-synchronizing literal over 4096 octets", ImapResponseCode.TooBig), sync, n); // RFC 7888 §5

        int markerOffset = _lineStart + marker.Start;
        if (IsMessageLiteral(markerOffset))
        {
            if (n > _limits.MaxMessageSize)
                return Refuse(consumed, ImapStatusResponse.No(_tag, "Message too large", ImapResponseCode.TooBig), sync, n); // RFC 7889 §4
            _messageSeen = true;
            _frame.AddLiteral(new(markerOffset, _frame.Length, n, sync, marker.Binary, IsStreamed: true));
            _frame.Tag = _tag;
            _remaining = n;
            _state = State.AwaitingDecision;
            return new(ImapReadStatus.MessageLiteral, consumed) { LiteralLength = n, IsSynchronizing = sync, IsBinary = marker.Binary };
        }

        if (n > _limits.MaxLiteralSize || _frame.Length + n > _limits.MaxCommandSize)
            return Refuse(consumed, ImapStatusResponse.Bad(_tag, "Literal too large", ImapResponseCode.TooBig), sync, n);
        _frame.AddLiteral(new(markerOffset, _frame.Length, n, sync, marker.Binary, IsStreamed: false));
        _remaining = n;
        if (n == 0)
            BeginLine();
        else
            _state = State.Literal;
        return sync ? new(ImapReadStatus.Continuation, consumed) : null;
    }

    private void InspectFirstLine(ReadOnlySpan<byte> line)
    {
        _firstLine = false;
        _tag = ImapCommandFrame.TagOf(line);
        _commandKnown = false;
        int space = line.IndexOf((byte)' ');
        if (space < 0)
            return;
        var rest = line[(space + 1)..];
        int next = rest.IndexOf((byte)' ');
        var name = next < 0 ? rest : rest[..next];
        _commandKnown = ImapCommandParser.IsCommandName(name);
        if (Ascii.EqualsIgnoreCase(name, "APPEND"u8))
        {
            _isAppend = true;
            _appendArguments = _lineStart + Math.Min(line.Length, space + 1 + name.Length + 1);
        }
    }

    // APPEND mailbox [flags] [date-time] literal: the message is the first literal after the mailbox
    // argument, i.e. after an earlier literal (the mailbox) or after non-blank text following "APPEND ".
    // Flags and date-time cannot be literals (RFC 9051 §9: flag-list, date-time is quoted).
    private bool IsMessageLiteral(int markerOffset)
    {
        if (!_isAppend || _messageSeen)
            return false;
        if (_frame.Literals.Count > 0)
            return true;
        for (int k = _appendArguments; k < markerOffset; k++)
            if (_frame[k] != (byte)' ')
                return true;
        return false;
    }

    private ImapReadResult? Refuse(int consumed, ImapStatusResponse response, bool synchronizing, long length)
    {
        _frame.Clear();
        if (synchronizing)
        {
            // The client waits for "+": the refusal ends the command (RFC 9051 §2.2.1 note).
            _state = State.Idle;
            return Error(consumed, response);
        }
        // RFC 7888 §4: the octets come anyway; drop them and the rest of the command.
        if (!StartDiscard(length, response))
            return Close(consumed);
        return null;
    }

    // Arranges to drop a non-synchronizing literal and the rest of its command; false when that is
    // more than the discard limit allows.
    private bool StartDiscard(long length, ImapStatusResponse response)
    {
        if (length > _limits.MaxDiscardSize - _discarded)
        {
            _bye = ImapStatusResponse.Bye("Literal too large", ImapResponseCode.TooBig);
            return false;
        }
        _discarded += length;
        _pending = response;
        _remaining = length;
        ClearTail(length > 0 ? State.SkipLiteral : State.SkipLine);
        return true;
    }

    private void StartSkippingLine(ReadOnlySpan<byte> more, ImapStatusResponse response)
    {
        var line = _frame.Slice(_lineStart, _frame.Length - _lineStart);
        if (_firstLine)
        {
            _firstLine = false;
            int space = line.IndexOf((byte)' ');
            if (space >= 0)
                _tag = ImapCommandFrame.TagOf(line);
            else if (more.IndexOf((byte)' ') is var sp and >= 0)
                _tag = ImapCommandFrame.TagOf([.. line, .. more[..sp]]);
            response = response.WithTag(_tag);
        }
        ClearTail(State.SkipLine);
        AddTail(line);
        AddTail(more);
        _frame.Clear();
        _pending = response;
    }

    // The LF of a line being skipped has been consumed; the tail holds the line's last octets.
    private ImapReadResult? EndOfSkippedLine(int consumed)
    {
        if (_tailLength > 0 && _tail[_tailLength - 1] == (byte)'\r')
            _tailLength--;
        var marker = LiteralMarker.Find(_tail.AsSpan(0, _tailLength), _tailTruncated);
        switch (marker.Kind)
        {
            case MarkerKind.Ambiguous:
                _bye = ImapStatusResponse.Bye("Protocol error: unreadable literal", ImapResponseCode.TooBig);
                return Close(consumed);
            case MarkerKind.Literal when marker.NonSynchronizing:
                if (!StartDiscard(marker.Length, _pending!))
                    return Close(consumed);
                return null;
            default:
                // No literal: the command ends here. A synchronizing one: the client waits for a
                // "+" that never comes, and takes the refusal as the end of the command.
                _state = State.Idle;
                return Error(consumed, _pending!);
        }
    }

    private ImapReadResult Close(int consumed)
    {
        _state = State.Closed;
        _frame.Clear();
        return new(ImapReadStatus.Error, consumed) { Response = _bye, CloseConnection = true };
    }

    private ImapStatusResponse LineTooLong() => ImapStatusResponse.Bad(_tag, "Command line too long");

    private ImapStatusResponse CommandTooLong() => ImapStatusResponse.Bad(_tag, "Command too long", ImapResponseCode.TooBig);

    private void ClearTail(State next)
    {
        _tailLength = 0;
        _tailTruncated = false;
        _state = next;
    }

    private void AddTail(ReadOnlySpan<byte> data)
    {
        if (data.Length >= TailSize)
        {
            _tailTruncated |= data.Length > TailSize || _tailLength > 0;
            data[^TailSize..].CopyTo(_tail);
            _tailLength = TailSize;
            return;
        }
        int keep = Math.Min(_tailLength, TailSize - data.Length);
        if (keep < _tailLength)
        {
            _tailTruncated = true;
            _tail.AsSpan(_tailLength - keep, keep).CopyTo(_tail);
        }
        data.CopyTo(_tail.AsSpan(keep));
        _tailLength = keep + data.Length;
    }

    private static ImapReadResult NeedMore(int consumed) => new(ImapReadStatus.NeedMore, consumed);

    private static ImapReadResult Error(int consumed, ImapStatusResponse response) => new(ImapReadStatus.Error, consumed) { Response = response };

    private enum MarkerKind : byte { None, Literal, Ambiguous }

    private readonly record struct LiteralMarker(MarkerKind Kind, int Start, long Length, bool NonSynchronizing, bool Binary)
    {
        // literal = "{" number64 ["+"] "}" CRLF; literal8 = "~{" number64 ["+"] "}" CRLF (RFC 9051 §9,
        // RFC 7888 §8, RFC 4466). Looks at the end of a line (CR already removed). When the line was cut
        // (truncated) and the digits run to its start, the marker cannot be read: Ambiguous.
        public static LiteralMarker Find(ReadOnlySpan<byte> line, bool truncated)
        {
            if (line.Length < 3 || line[^1] != (byte)'}')
                return default;
            int p = line.Length - 2;
            bool nonSync = line[p] == (byte)'+';
            if (nonSync)
                p--;
            int digitsEnd = p + 1;
            while (p >= 0 && ImapChars.IsDigit(line[p]))
                p--;
            if (p + 1 == digitsEnd)
                return default;
            if (p < 0)
                return truncated ? new(MarkerKind.Ambiguous, 0, 0, nonSync, false) : default;
            if (line[p] != (byte)'{')
                return default;
            long n = 0;
            foreach (byte b in line[(p + 1)..digitsEnd])
                n = n > (long.MaxValue - 9) / 10 ? long.MaxValue : n * 10 + (b - '0'); // saturate: simply too big
            bool binary = p > 0 && line[p - 1] == (byte)'~';
            return new(MarkerKind.Literal, binary ? p - 1 : p, n, nonSync, binary);
        }
    }
}
