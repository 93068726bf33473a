namespace Letterbox.Daemons.Smtp;

/// <summary>
/// Sits between the DATA/BDAT reader and the spool file and looks at the content as it passes,
/// without holding it: the size of the header block (up to the first empty line), NUL bytes
/// (which IMAP clients cannot be given, RFC 9051 §4.3.1), and 8-bit bytes (fine with 8BITMIME).
/// </summary>
public sealed class MessageInspector(Stream inner, long maxHeaderSize) : Stream
{
    private long _headerBytes;
    // Where we are in finding the empty line: 0 inside a line, 1 after CR, 2 at a line start
    // (the message starts at one), 3 after CR at a line start, 4 found.
    private int _blankLineState = 2;
    private bool _inHeader = true;

    private static readonly byte[] Received = "received:"u8.ToArray();
    // How much of "Received:" the current header line has matched from its start; -1: not this line.
    private int _receivedMatch;

    public bool HeaderTooLarge { get; private set; }

    /// <summary>Received header fields seen: the hop count that stops mail loops (RFC 5321 §6.3).</summary>
    public int ReceivedCount { get; private set; }
    public bool HasNul { get; private set; }
    public bool HasEightBit { get; private set; }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.IndexOf((byte)0) >= 0)
            HasNul = true;
        if (!HasEightBit && buffer.IndexOfAnyInRange((byte)0x80, (byte)0xff) >= 0)
            HasEightBit = true;
        if (_inHeader)
            ScanHeader(buffer);
        inner.Write(buffer);
    }

    private void ScanHeader(ReadOnlySpan<byte> buffer)
    {
        foreach (byte b in buffer)
        {
            _headerBytes++;
            bool atLineStart = _blankLineState == 2;
            if (atLineStart)
                _receivedMatch = 0;
            if (_receivedMatch >= 0 && _receivedMatch < Received.Length)
            {
                if ((b | 0x20) == Received[_receivedMatch] || (b == (byte)':' && Received[_receivedMatch] == (byte)':'))
                {
                    if (++_receivedMatch == Received.Length)
                        ReceivedCount++;
                }
                else
                {
                    _receivedMatch = -1;
                }
            }
            _blankLineState = (_blankLineState, b) switch
            {
                (0, (byte)'\r') or (2, (byte)'\r') => _blankLineState + 1,
                (1, (byte)'\n') => 2,
                (3, (byte)'\n') => 4,
                (_, (byte)'\r') => 1,
                _ => 0,
            };
            if (_blankLineState == 4)
            {
                _inHeader = false;
                return;
            }
            if (_headerBytes > maxHeaderSize)
            {
                HeaderTooLarge = true;
                _inHeader = false;
                return;
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void Flush() => inner.Flush();
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
