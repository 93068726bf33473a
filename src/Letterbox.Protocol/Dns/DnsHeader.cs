using System.Buffers.Binary;

namespace Letterbox.Protocol.Dns;

/// <summary>The fixed 12-byte message header (RFC 1035 §4.1.1).</summary>
public struct DnsHeader
{
    public const int Size = 12;

    private const ushort QrBit = 0x8000;
    private const ushort AaBit = 0x0400;
    private const ushort TcBit = 0x0200;
    private const ushort RdBit = 0x0100;
    private const ushort RaBit = 0x0080;
    private const ushort AdBit = 0x0020;
    private const ushort CdBit = 0x0010;

    public ushort Id;
    public ushort Flags;
    public ushort QdCount;
    public ushort AnCount;
    public ushort NsCount;
    public ushort ArCount;

    public bool IsResponse { readonly get => (Flags & QrBit) != 0; set => Set(QrBit, value); }
    public bool Authoritative { readonly get => (Flags & AaBit) != 0; set => Set(AaBit, value); }
    public bool Truncated { readonly get => (Flags & TcBit) != 0; set => Set(TcBit, value); }
    public bool RecursionDesired { readonly get => (Flags & RdBit) != 0; set => Set(RdBit, value); }
    public bool RecursionAvailable { readonly get => (Flags & RaBit) != 0; set => Set(RaBit, value); }
    public bool AuthenticData { readonly get => (Flags & AdBit) != 0; set => Set(AdBit, value); }
    public bool CheckingDisabled { readonly get => (Flags & CdBit) != 0; set => Set(CdBit, value); }

    public DnsOpcode Opcode
    {
        readonly get => (DnsOpcode)((Flags >> 11) & 0xF);
        set => Flags = (ushort)((Flags & ~0x7800) | (((int)value & 0xF) << 11));
    }

    /// <summary>The 4-bit header RCODE; an extended one's upper bits travel in OPT.</summary>
    public DnsRcode Rcode
    {
        readonly get => (DnsRcode)(Flags & 0xF);
        set => Flags = (ushort)((Flags & ~0xF) | ((int)value & 0xF));
    }

    private void Set(ushort bit, bool on) => Flags = on ? (ushort)(Flags | bit) : (ushort)(Flags & ~bit);

    /// <summary>False when fewer than 12 bytes arrived: such a packet is dropped, there is no ID to answer.</summary>
    public static bool TryRead(ReadOnlySpan<byte> message, out DnsHeader header)
    {
        header = default;
        if (message.Length < Size)
            return false;
        header.Id = BinaryPrimitives.ReadUInt16BigEndian(message);
        header.Flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        header.QdCount = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        header.AnCount = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        header.NsCount = BinaryPrimitives.ReadUInt16BigEndian(message[8..]);
        header.ArCount = BinaryPrimitives.ReadUInt16BigEndian(message[10..]);
        return true;
    }

    public readonly void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, Id);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Flags);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], QdCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], AnCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], NsCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], ArCount);
    }
}
