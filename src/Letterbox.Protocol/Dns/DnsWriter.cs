using System.Buffers.Binary;

namespace Letterbox.Protocol.Dns;

/// <summary>The message would exceed 65,535 octets, the most a DNS message can hold.</summary>
public sealed class DnsMessageFullException() : Exception("DNS message larger than 65535 octets");

/// <summary>
/// Builds a message. Names are compressed (RFC 1035 §4.1.4) against every name written before,
/// compared without case; the case written is the case given, so an owner name that points back
/// at the question shows the client's own spelling (RFC 4343 §4.1).
/// </summary>
public sealed class DnsWriter
{
    public const int MaxMessageSize = ushort.MaxValue;

    private byte[] _buffer;
    private readonly Dictionary<string, int> _names = new(StringComparer.Ordinal);

    public DnsWriter(int capacity = 512) => _buffer = new byte[capacity];

    public int Position { get; private set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Position);

    public byte[] ToArray() => _buffer.AsSpan(0, Position).ToArray();

    /// <summary>Forgets everything after <paramref name="position"/> (and the names written there), e.g. to drop an RRset that did not fit.</summary>
    public void Truncate(int position)
    {
        Position = position;
        List<string>? stale = null;
        foreach (var (key, at) in _names)
            if (at >= position)
                (stale ??= []).Add(key);
        if (stale is not null)
            foreach (var key in stale)
                _names.Remove(key);
    }

    private Span<byte> Take(int count)
    {
        if (Position + count > MaxMessageSize)
            throw new DnsMessageFullException();
        if (Position + count > _buffer.Length)
            Array.Resize(ref _buffer, Math.Min(MaxMessageSize, Math.Max(_buffer.Length * 2, Position + count)));
        var span = _buffer.AsSpan(Position, count);
        Position += count;
        return span;
    }

    public void WriteByte(byte value) => Take(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Take(2), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Take(4), value);

    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Take(bytes.Length));

    public void PatchUInt16(int at, ushort value) => BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(at, 2), value);

    public void WriteHeader(DnsHeader header) => header.Write(Take(DnsHeader.Size));

    public void PatchHeader(DnsHeader header) => header.Write(_buffer.AsSpan(0, DnsHeader.Size));

    /// <summary>A character-string (RFC 1035 §3.3): a length octet and up to 255 octets.</summary>
    public void WriteCharacterString(ReadOnlySpan<byte> value)
    {
        if (value.Length > 255)
            throw new ArgumentException("a character-string holds at most 255 octets", nameof(value));
        WriteByte((byte)value.Length);
        WriteBytes(value);
    }

    /// <summary>
    /// Writes a name. <paramref name="compress"/> is false in the RDATA of types other than the
    /// RFC 1035 ones (RFC 3597 §4: SRV, for one, must not be compressed, RFC 2782).
    /// </summary>
    public void WriteName(DnsName name, bool compress = true)
    {
        var labels = name.Labels;
        if (Canonical)
        {
            WriteCanonicalName(labels);
            return;
        }
        for (int i = 0; i < labels.Count; i++)
        {
            string key = name.SuffixKey(i);
            if (compress && _names.TryGetValue(key, out int at))
            {
                WriteUInt16((ushort)(0xC000 | at));
                return;
            }
            if (Position < 0x3FFF && !_names.ContainsKey(key))
                _names[key] = Position;
            var label = labels[i];
            var span = Take(1 + label.Length);
            span[0] = (byte)label.Length;
            for (int j = 0; j < label.Length; j++)
                span[1 + j] = (byte)label[j];
        }
        WriteByte(0);
    }

    /// <summary>
    /// RFC 4034 §6.2 canonical form, for DNSSEC signing data: every name uncompressed and in lower
    /// case (only A-Z is folded, RFC 4034 §6.1). Every type whose RDATA we write with
    /// <see cref="WriteName"/> is on the §6.2 list, so folding them all is right.
    /// </summary>
    public bool Canonical { get; init; }

    private void WriteCanonicalName(IReadOnlyList<string> labels)
    {
        foreach (var label in labels)
        {
            var span = Take(1 + label.Length);
            span[0] = (byte)label.Length;
            for (int j = 0; j < label.Length; j++)
                span[1 + j] = label[j] is >= 'A' and <= 'Z' ? (byte)(label[j] + 32) : (byte)label[j];
        }
        WriteByte(0);
    }

    /// <summary>A whole resource record (RFC 1035 §4.1.3), RDLENGTH filled in after the RDATA.</summary>
    public void WriteRecord(ResourceRecord record) => WriteRecord(record.Name, record.Ttl, record.Data);

    public void WriteRecord(DnsName owner, uint ttl, RData data)
    {
        WriteName(owner);
        WriteUInt16((ushort)data.Type);
        WriteUInt16((ushort)DnsClass.IN);
        WriteUInt32(ttl);
        int lengthAt = Position;
        WriteUInt16(0);
        data.Write(this);
        PatchUInt16(lengthAt, (ushort)(Position - lengthAt - 2));
    }
}
