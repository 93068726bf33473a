using System.Text;

namespace Letterbox.Protocol.Imap;

/// <summary>
/// Where a literal sits in an <see cref="ImapCommandFrame"/>: its marker ("{5}", "{5+}", "~{5}")
/// starts at <see cref="MarkerOffset"/> of <see cref="ImapCommandFrame.Text"/>, its octets follow
/// at <see cref="DataOffset"/> — unless it was streamed to the caller (APPEND's message), in which
/// case nothing of it is in the frame.
/// </summary>
public readonly record struct ImapLiteral(int MarkerOffset, int DataOffset, long Length, bool IsSynchronizing, bool IsBinary, bool IsStreamed)
{
    /// <summary>Octets of the literal held in the frame: <see cref="Length"/>, or 0 when streamed.</summary>
    public int DataLength => IsStreamed ? 0 : (int)Length;
}

/// <summary>
/// One command as the reader assembled it: its lines, without their CRLFs, with each literal's
/// octets right after the marker that announced it. The parser walks it; the literal table tells it
/// where a marker is a literal and where the literal's octets end, so nothing inside a literal is
/// ever read as syntax.
/// </summary>
/// <remarks>
/// Example: the client sends "a LOGIN {4}" CRLF, then "fred {6+}" CRLF "secret" CRLF. The frame text
/// is "a LOGIN {4}fred {6+}secret" with two literals: marker at 8, data at 11, length 4; marker at
/// 16, data at 20, length 6. The reader owns and reuses the frame: it is valid until the next Read.
/// </remarks>
public sealed class ImapCommandFrame
{
    private const int InitialCapacity = 256;
    private const int RetainedCapacity = 64 * 1024;

    private byte[] _buffer = new byte[InitialCapacity];
    private int _length;
    private readonly List<ImapLiteral> _literals = [];

    /// <summary>The command's text and buffered literal octets.</summary>
    public ReadOnlySpan<byte> Text => _buffer.AsSpan(0, _length);

    /// <summary>The literals, in order.</summary>
    public IReadOnlyList<ImapLiteral> Literals => _literals;

    /// <summary>The tag from the first line, when it is a valid tag.</summary>
    public string? Tag { get; internal set; }

    /// <summary>
    /// The whole command has been read. False when the reader hands the frame out at
    /// <see cref="ImapReadStatus.MessageLiteral"/>: the frame then ends with the announced message.
    /// </summary>
    public bool IsComplete { get; internal set; }

    internal int Length => _length;

    /// <summary>A frame holding one line without literals (for tools and tests; the reader builds its own).</summary>
    public static ImapCommandFrame FromLine(ReadOnlySpan<byte> line)
    {
        var frame = new ImapCommandFrame();
        frame.Append(line);
        frame.Tag = TagOf(line);
        frame.IsComplete = true;
        return frame;
    }

    /// <summary>A frame holding one line without literals.</summary>
    public static ImapCommandFrame FromLine(string line) => FromLine(Encoding.UTF8.GetBytes(line));

    /// <summary>The first word of a command line, if it is a valid tag (RFC 9051 §9: 1*&lt;ASTRING-CHAR except "+"&gt;).</summary>
    internal static string? TagOf(ReadOnlySpan<byte> line)
    {
        int space = line.IndexOf((byte)' ');
        var tag = space < 0 ? line : line[..space];
        return ImapChars.IsTag(tag) ? Encoding.ASCII.GetString(tag) : null;
    }

    internal byte this[int index] => _buffer[index];

    internal ReadOnlySpan<byte> Slice(int start, int length) => _buffer.AsSpan(start, length);

    internal void Append(ReadOnlySpan<byte> data)
    {
        if (_length + data.Length > _buffer.Length)
        {
            int size = Math.Max(_buffer.Length * 2, _length + data.Length);
            Array.Resize(ref _buffer, size);
        }
        data.CopyTo(_buffer.AsSpan(_length));
        _length += data.Length;
    }

    internal void Truncate(int length) => _length = length;

    internal void AddLiteral(ImapLiteral literal) => _literals.Add(literal);

    internal void Clear()
    {
        _length = 0;
        _literals.Clear();
        Tag = null;
        IsComplete = false;
        if (_buffer.Length > RetainedCapacity)
            _buffer = new byte[InitialCapacity]; // do not keep a big command's buffer for the connection's life
    }
}
