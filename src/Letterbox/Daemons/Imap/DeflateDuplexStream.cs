using System.IO.Compression;

namespace Letterbox.Daemons.Imap;

/// <summary>
/// COMPRESS=DEFLATE (RFC 4978): raw DEFLATE (RFC 1951, no zlib header) in both directions over
/// the connection's stream. Each flush is a sync flush, so every response the session flushes
/// reaches the client whole (RFC 4978 §4: a flush after each response). The compressor's state
/// costs a few hundred KiB, so it exists only on connections that asked for it.
/// </summary>
public sealed class DeflateDuplexStream(Stream inner) : Stream
{
    private readonly DeflateStream _in = new(inner, CompressionMode.Decompress, leaveOpen: true);
    private readonly DeflateStream _out = new(inner, CompressionLevel.Fastest, leaveOpen: true);

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => _in.Read(buffer, offset, count);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => _in.ReadAsync(buffer, ct);
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => _in.ReadAsync(buffer, offset, count, ct);

    public override void Write(byte[] buffer, int offset, int count) => _out.Write(buffer, offset, count);
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => _out.WriteAsync(buffer, ct);
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => _out.WriteAsync(buffer, offset, count, ct);

    public override void Flush()
    {
        _out.Flush();
        inner.Flush();
    }

    public override async Task FlushAsync(CancellationToken ct)
    {
        await _out.FlushAsync(ct);
        await inner.FlushAsync(ct);
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _in.Dispose();
            try
            {
                _out.Dispose(); // ends the DEFLATE stream; the peer may be gone already
            }
            catch (IOException)
            {
            }
        }
        base.Dispose(disposing);
    }
}
