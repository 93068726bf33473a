using System.Buffers.Binary;

namespace Letterbox.Net.Tls;

/// <summary>
/// What a ClientHello says about the certificates a client can verify: its cipher suites, its
/// signature_algorithms (RFC 8446 §4.2.3) and supported_versions (§4.2.1). Read from the first
/// TLS record before the handshake starts, because .NET's certificate selector is told only the
/// server name; Letterbox uses it to give the RSA certificate to clients that cannot do ECDSA.
/// </summary>
public sealed record ClientHello(IReadOnlyList<ushort> CipherSuites, IReadOnlyList<ushort>? SignatureSchemes, IReadOnlyList<ushort>? SupportedVersions)
{
    /// <summary>A TLS record's header (RFC 8446 §5.1): type, legacy version, length.</summary>
    public const int RecordHeaderSize = 5;

    /// <summary>Largest plaintext record (2^14, RFC 8446 §5.1); a longer one is not a ClientHello we read.</summary>
    public const int MaxRecordLength = 16384;

    public enum Status { NeedMore, Parsed, NotClientHello }

    /// <summary>
    /// Whether the client can verify an ECDSA certificate. TLS 1.3: an ecdsa_* signature scheme.
    /// TLS 1.2: an ECDHE_ECDSA cipher suite, and ECDSA among the signature algorithms when it
    /// lists them (without the extension, the suite's own algorithm is implied, RFC 5246 §7.4.1.4.1).
    /// </summary>
    public bool AcceptsEcdsa
    {
        get
        {
            bool ecdsaScheme = SignatureSchemes is null || SignatureSchemes.Any(IsEcdsaScheme);
            bool tls13 = SupportedVersions?.Contains((ushort)0x0304) == true;
            bool ecdsaSuite = CipherSuites.Any(s => s is 0xC02B or 0xC02C or 0xCCA9 or 0xC023 or 0xC024 or 0xC009 or 0xC00A);
            return ecdsaScheme && (tls13 && SignatureSchemes is not null || ecdsaSuite);
        }
    }

    /// <summary>ecdsa_secp256r1_sha256, _secp384r1_sha384, _secp521r1_sha512, and TLS 1.2's (sha1|sha224|sha256..., ecdsa) pairs.</summary>
    private static bool IsEcdsaScheme(ushort scheme) => scheme is 0x0403 or 0x0503 or 0x0603 || (scheme & 0xFF) == 0x03 && (scheme >> 8) is >= 1 and <= 6;

    /// <summary>
    /// Parses the first record of a connection. NeedMore until the whole record is there;
    /// NotClientHello for anything else (plaintext, SSLv2, a ClientHello split over records).
    /// Never throws: every length is checked against what remains.
    /// </summary>
    public static Status TryParse(ReadOnlySpan<byte> data, out ClientHello? hello)
    {
        hello = null;
        if (data.Length < RecordHeaderSize)
            return data.Length > 0 && data[0] != 22 ? Status.NotClientHello : Status.NeedMore;
        if (data[0] != 22 || data[1] != 3)
            return Status.NotClientHello; // not a handshake record of TLS/SSL 3.x
        int recordLength = BinaryPrimitives.ReadUInt16BigEndian(data[3..]);
        if (recordLength > MaxRecordLength)
            return Status.NotClientHello;
        if (data.Length < RecordHeaderSize + recordLength)
            return Status.NeedMore;
        var r = new Reader(data.Slice(RecordHeaderSize, recordLength));

        if (!r.U8(out var msgType) || msgType != 1 || !r.U24(out int bodyLength) || bodyLength > r.Remaining)
            return Status.NotClientHello; // §4: ClientHello is type 1; one split over records is not read
        if (!r.Skip(2 + 32) || !r.Vector8(out _) || !r.Vector16(out var suites) || !r.Vector8(out _))
            return Status.NotClientHello;
        var cipherSuites = List16(suites);
        IReadOnlyList<ushort>? schemes = null, versions = null;
        if (r.Remaining > 0)
        {
            if (!r.Vector16(out var extensions))
                return Status.NotClientHello;
            var e = new Reader(extensions);
            while (e.Remaining > 0)
            {
                if (!e.U16(out var type) || !e.Vector16(out var body))
                    return Status.NotClientHello;
                var b = new Reader(body);
                if (type == 13 && b.Vector16(out var list))
                    schemes = List16(list);
                else if (type == 43 && b.Vector8(out var vlist))
                    versions = List16(vlist);
            }
        }
        hello = new ClientHello(cipherSuites, schemes, versions);
        return Status.Parsed;
    }

    private static List<ushort> List16(ReadOnlySpan<byte> bytes)
    {
        var list = new List<ushort>(bytes.Length / 2);
        for (int i = 0; i + 1 < bytes.Length; i += 2)
            list.Add(BinaryPrimitives.ReadUInt16BigEndian(bytes[i..]));
        return list;
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public readonly int Remaining => _rest.Length;

        public bool Skip(int n)
        {
            if (_rest.Length < n)
                return false;
            _rest = _rest[n..];
            return true;
        }

        public bool U8(out byte value)
        {
            value = _rest.Length > 0 ? _rest[0] : (byte)0;
            return Skip(1);
        }

        public bool U16(out ushort value)
        {
            value = _rest.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(_rest) : (ushort)0;
            return Skip(2);
        }

        public bool U24(out int value)
        {
            value = _rest.Length >= 3 ? _rest[0] << 16 | _rest[1] << 8 | _rest[2] : 0;
            return Skip(3);
        }

        public bool Vector8(out ReadOnlySpan<byte> value)
        {
            value = default;
            if (!U8(out var n) || _rest.Length < n)
                return false;
            value = _rest[..n];
            return Skip(n);
        }

        public bool Vector16(out ReadOnlySpan<byte> value)
        {
            value = default;
            if (!U16(out var n) || _rest.Length < n)
                return false;
            value = _rest[..n];
            return Skip(n);
        }
    }
}

/// <summary>A stream that first gives back bytes already read from <c>inner</c> (the peeked ClientHello), then reads on.</summary>
internal sealed class ReplayStream(byte[] prefix, Stream inner) : Stream
{
    private int _offset;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_offset < prefix.Length)
        {
            int n = Math.Min(buffer.Length, prefix.Length - _offset);
            prefix.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }
        return inner.Read(buffer);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
        _offset < prefix.Length ? ValueTask.FromResult(Read(buffer.Span)) : inner.ReadAsync(buffer, ct);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => inner.WriteAsync(buffer, ct);
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => inner.WriteAsync(buffer, offset, count, ct);
    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken ct) => inner.FlushAsync(ct);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}
