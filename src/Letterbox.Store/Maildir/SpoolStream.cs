namespace Letterbox.Store;

/// <summary>
/// The write side of a spooled message: passes bytes to the spool file until the limit, then
/// stops writing, empties the file and only counts, so a too-large message never fills the disk
/// and the SMTP server can read on to the end of DATA before answering 552.
/// </summary>
internal sealed class SpoolStream(FileStream file, long limit) : Stream
{
    /// <summary>Bytes received, including any past the limit.</summary>
    public long Received { get; private set; }

    public bool TooLarge { get; private set; }

    public bool Closed { get; set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !Closed;

    public override long Length => Received;

    public override long Position
    {
        get => Received;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Accept(buffer.Length))
        {
            file.Write(buffer);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        Accept(buffer.Length) ? file.WriteAsync(buffer, cancellationToken) : ValueTask.CompletedTask;

    public override void WriteByte(byte value) => Write([value]);

    private bool Accept(int count)
    {
        ObjectDisposedException.ThrowIf(Closed, this);
        Received += count;
        if (TooLarge)
        {
            return false;
        }
        if (Received > limit)
        {
            TooLarge = true;
            file.SetLength(0);
            return false;
        }
        return true;
    }

    public override void Flush()
    {
        if (!Closed)
        {
            file.Flush();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        Closed ? Task.CompletedTask : file.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    // The IncomingMessage owns the file; disposing the body stream only stops further writes.
    protected override void Dispose(bool disposing) => Closed = true;
}
