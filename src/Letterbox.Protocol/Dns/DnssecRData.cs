using System.Buffers.Binary;
using System.Globalization;

namespace Letterbox.Protocol.Dns;

/// <summary>Reads the DNSSEC record types (RFC 4034 §2-5) from the wire; <see cref="RData.Read"/> hands them here.</summary>
public static class DnssecRData
{
    internal static RData Read(DnsType type, ReadOnlySpan<byte> message, int offset, int length)
    {
        var data = message.Slice(offset, length);
        int end = offset + length;
        switch (type)
        {
            case DnsType.DNSKEY:
                // RFC 4034 §2.1: flags (2), protocol (1), algorithm (1), public key.
                Need(length, 4, type);
                return new DnskeyRData(BinaryPrimitives.ReadUInt16BigEndian(data), data[2], data[3], data[4..].ToArray());
            case DnsType.DS:
                // RFC 4034 §5.1: key tag (2), algorithm (1), digest type (1), digest.
                Need(length, 4, type);
                return new DsRData(BinaryPrimitives.ReadUInt16BigEndian(data), data[2], data[3], data[4..].ToArray());
            case DnsType.RRSIG:
            {
                // RFC 4034 §3.1: 18 fixed octets, the signer's name, the signature.
                Need(length, 19, type);
                int at = offset + 18;
                var signer = ReadName(message, ref at, end);
                return new RrsigRData((DnsType)BinaryPrimitives.ReadUInt16BigEndian(data), data[2], data[3],
                    BinaryPrimitives.ReadUInt32BigEndian(data[4..]), BinaryPrimitives.ReadUInt32BigEndian(data[8..]),
                    BinaryPrimitives.ReadUInt32BigEndian(data[12..]), BinaryPrimitives.ReadUInt16BigEndian(data[16..]),
                    signer, message[at..end].ToArray());
            }
            case DnsType.NSEC:
            {
                // RFC 4034 §4.1: the next owner name, then the type bitmap.
                int at = offset;
                var next = ReadName(message, ref at, end);
                return new NsecRData(next, TypeBitmap.Read(message[at..end]));
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    private static void Need(int length, int least, DnsType type)
    {
        if (length < least)
            throw new DnsFormatException($"{type} RDATA too short");
    }

    private static DnsName ReadName(ReadOnlySpan<byte> message, ref int at, int end)
    {
        var error = DnsNameReader.TryRead(message[..end], ref at, out var name);
        if (error != DnsNameError.None)
            throw new DnsFormatException($"bad name in RDATA: {error}");
        return name!;
    }
}

/// <summary>The type bitmap of NSEC (RFC 4034 §4.1.2): windows of 256 types, each a length and up to 32 octets.</summary>
public static class TypeBitmap
{
    public static void Write(DnsWriter writer, IReadOnlyList<DnsType> types)
    {
        var sorted = types.Select(t => (ushort)t).Distinct().Order().ToArray();
        Span<byte> bits = stackalloc byte[32];
        for (int i = 0; i < sorted.Length;)
        {
            int window = sorted[i] >> 8;
            bits.Clear();
            int used = 0;
            for (; i < sorted.Length && sorted[i] >> 8 == window; i++)
            {
                int low = sorted[i] & 0xFF;
                bits[low / 8] |= (byte)(0x80 >> (low % 8));
                used = low / 8 + 1;
            }
            writer.WriteByte((byte)window);
            writer.WriteByte((byte)used);
            writer.WriteBytes(bits[..used]);
        }
    }

    public static IReadOnlyList<DnsType> Read(ReadOnlySpan<byte> bitmap)
    {
        var types = new List<DnsType>();
        int previous = -1;
        for (int at = 0; at < bitmap.Length;)
        {
            if (at + 2 > bitmap.Length)
                throw new DnsFormatException("NSEC type bitmap window header runs past its RDATA");
            int window = bitmap[at], length = bitmap[at + 1];
            // §4.1.2: windows in increasing order, 1 to 32 octets each.
            if (window <= previous || length is 0 or > 32 || at + 2 + length > bitmap.Length)
                throw new DnsFormatException("malformed NSEC type bitmap");
            previous = window;
            for (int i = 0; i < length; i++)
                for (int bit = 0; bit < 8; bit++)
                    if ((bitmap[at + 2 + i] & (0x80 >> bit)) != 0)
                        types.Add((DnsType)((window << 8) | (i * 8 + bit)));
            at += 2 + length;
        }
        return types;
    }
}

/// <summary>DNSKEY (RFC 4034 §2).</summary>
public sealed class DnskeyRData(ushort flags, byte protocol, byte algorithm, byte[] publicKey) : RData
{
    /// <summary>Zone Key (bit 7), RFC 4034 §2.1.1.</summary>
    public const ushort ZoneKeyFlag = 0x0100;

    /// <summary>Secure Entry Point (bit 15), RFC 4034 §2.1.1; with the Zone Key bit: 257.</summary>
    public const ushort SepFlag = 0x0001;

    public ushort Flags { get; } = flags;
    public byte Protocol { get; } = protocol;
    public byte Algorithm { get; } = algorithm;
    public byte[] PublicKey { get; } = publicKey;
    public override DnsType Type => DnsType.DNSKEY;

    public override void Write(DnsWriter writer)
    {
        writer.WriteUInt16(Flags);
        writer.WriteByte(Protocol);
        writer.WriteByte(Algorithm);
        writer.WriteBytes(PublicKey);
    }

    /// <summary>The RDATA as octets, which both the key tag and the DS digest are computed over.</summary>
    public byte[] ToWire()
    {
        var w = new DnsWriter(4 + PublicKey.Length);
        Write(w);
        return w.ToArray();
    }

    /// <summary>RFC 4034 Appendix B: the one's-complement-like sum of the RDATA (algorithm 1 aside, which we never use).</summary>
    public ushort KeyTag()
    {
        uint ac = 0;
        var rdata = ToWire();
        for (int i = 0; i < rdata.Length; i++)
            ac += (i & 1) == 0 ? (uint)rdata[i] << 8 : rdata[i];
        ac += (ac >> 16) & 0xFFFF;
        return (ushort)(ac & 0xFFFF);
    }

    public override string ToText() => $"{N(Flags)} {N(Protocol)} {N(Algorithm)} {Convert.ToBase64String(PublicKey)}";
}

/// <summary>DS (RFC 4034 §5): the digest of a child's DNSKEY, published by the parent.</summary>
public sealed class DsRData(ushort keyTag, byte algorithm, byte digestType, byte[] digest) : RData
{
    /// <summary>SHA-256 (RFC 4509).</summary>
    public const byte Sha256 = 2;

    public ushort KeyTag { get; } = keyTag;
    public byte Algorithm { get; } = algorithm;
    public byte DigestType { get; } = digestType;
    public byte[] Digest { get; } = digest;
    public override DnsType Type => DnsType.DS;

    /// <summary>RFC 4034 §5.1.4 with RFC 4509: SHA-256 over the owner name (canonical) and the DNSKEY RDATA.</summary>
    public static DsRData Of(DnsName owner, DnskeyRData key)
    {
        var w = new DnsWriter { Canonical = true };
        w.WriteName(owner);
        w.WriteBytes(key.ToWire());
        return new DsRData(key.KeyTag(), key.Algorithm, Sha256, System.Security.Cryptography.SHA256.HashData(w.Written));
    }

    public override void Write(DnsWriter writer)
    {
        writer.WriteUInt16(KeyTag);
        writer.WriteByte(Algorithm);
        writer.WriteByte(DigestType);
        writer.WriteBytes(Digest);
    }

    public override string ToText() => $"{N(KeyTag)} {N(Algorithm)} {N(DigestType)} {DnsText.Hex(Digest)}";
}

/// <summary>RRSIG (RFC 4034 §3): one signature over one RRset.</summary>
public sealed class RrsigRData(DnsType typeCovered, byte algorithm, byte labels, uint originalTtl, uint expiration, uint inception,
    ushort keyTag, DnsName signer, byte[] signature) : RData
{
    public DnsType TypeCovered { get; } = typeCovered;
    public byte Algorithm { get; } = algorithm;
    public byte Labels { get; } = labels;
    public uint OriginalTtl { get; } = originalTtl;
    public uint Expiration { get; } = expiration;
    public uint Inception { get; } = inception;
    public ushort KeyTag { get; } = keyTag;
    public DnsName Signer { get; } = signer;
    public byte[] Signature { get; } = signature;
    public override DnsType Type => DnsType.RRSIG;

    public override void Write(DnsWriter writer)
    {
        WriteWithoutSignature(writer);
        writer.WriteBytes(Signature);
    }

    /// <summary>The fields the signature covers (RFC 4034 §3.1.8.1); the signer's name is never compressed (§3.1.7).</summary>
    public void WriteWithoutSignature(DnsWriter writer)
    {
        writer.WriteUInt16((ushort)TypeCovered);
        writer.WriteByte(Algorithm);
        writer.WriteByte(Labels);
        writer.WriteUInt32(OriginalTtl);
        writer.WriteUInt32(Expiration);
        writer.WriteUInt32(Inception);
        writer.WriteUInt16(KeyTag);
        writer.WriteName(Signer, compress: false);
    }

    public override string ToText() =>
        $"{DnsTypeNames.Name(TypeCovered)} {N(Algorithm)} {N(Labels)} {N(OriginalTtl)} {Time(Expiration)} {Time(Inception)} {N(KeyTag)} {Signer} {Convert.ToBase64String(Signature)}";

    protected override string CanonicalText() => ToText().Replace(Signer.ToString(), Signer.Key, StringComparison.Ordinal);

    /// <summary>RFC 4034 §3.2: YYYYMMDDHHmmSS in UTC.</summary>
    public static string Time(uint seconds) =>
        DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
}

/// <summary>NSEC (RFC 4034 §4): the next name in the zone's canonical order and the types at this one.</summary>
public sealed class NsecRData(DnsName next, IReadOnlyList<DnsType> types) : RData
{
    public DnsName Next { get; } = next;
    public IReadOnlyList<DnsType> Types { get; } = types;
    public override DnsType Type => DnsType.NSEC;

    public bool Has(DnsType type) => Types.Contains(type);

    public override void Write(DnsWriter writer)
    {
        // §4.1.1: the next name is never compressed.
        writer.WriteName(Next, compress: false);
        TypeBitmap.Write(writer, Types);
    }

    public override string ToText() => Next + " " + string.Join(' ', Types.Order().Select(DnsTypeNames.Name));

    protected override string CanonicalText() => Next.Key + " " + string.Join(' ', Types.Order().Select(DnsTypeNames.Name));
}
