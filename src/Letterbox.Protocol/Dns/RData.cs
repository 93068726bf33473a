using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Letterbox.Protocol.Dns;

/// <summary>A message (or RDATA) that breaks the wire format; the server answers FORMERR.</summary>
public sealed class DnsFormatException(string message) : Exception(message);

/// <summary>
/// The data of one resource record. Each type writes itself to the wire and to presentation
/// format, and is read from both; anything we have no class for is kept as opaque octets and
/// shown in the RFC 3597 §5 "\# length hex" form.
/// </summary>
public abstract class RData : IEquatable<RData>
{
    public abstract DnsType Type { get; }

    public abstract void Write(DnsWriter writer);

    /// <summary>Presentation format, as in a master file.</summary>
    public abstract string ToText();

    public override string ToString() => ToText();

    // Two records are the same when their presentation is; names compare without case (RFC 4343).
    public bool Equals(RData? other) => other is not null && other.Type == Type && CanonicalText() == other.CanonicalText();

    public override bool Equals(object? obj) => obj is RData r && Equals(r);

    public override int GetHashCode() => HashCode.Combine(Type, CanonicalText());

    protected virtual string CanonicalText() => ToText();

    private static string U(long value) => value.ToString(CultureInfo.InvariantCulture);

    internal static string N(long value) => U(value);

    /// <summary>Reads RDATA of <paramref name="type"/> at message[offset..offset+length]; names may point back into the message.</summary>
    public static RData Read(DnsType type, ReadOnlySpan<byte> message, int offset, int length)
    {
        if (offset + length > message.Length)
            throw new DnsFormatException("RDATA runs past the end of the message");
        var data = message.Slice(offset, length);
        int end = offset + length;
        switch (type)
        {
            case DnsType.A when length == 4:
            case DnsType.AAAA when length == 16:
                return new AddressRData(new IPAddress(data));
            case DnsType.A:
            case DnsType.AAAA:
                throw new DnsFormatException($"{type} RDATA of {length} octets");
            case DnsType.NS or DnsType.CNAME or DnsType.PTR or DnsType.DNAME:
            {
                int at = offset;
                var name = ReadName(message, ref at, end);
                Expect(at, end, type);
                return new NameRData(type, name);
            }
            case DnsType.MX:
            {
                Need(length, 3, type);
                int at = offset + 2;
                var name = ReadName(message, ref at, end);
                Expect(at, end, type);
                return new MxRData(BinaryPrimitives.ReadUInt16BigEndian(data), name);
            }
            case DnsType.SRV:
            {
                Need(length, 7, type);
                int at = offset + 6;
                var name = ReadName(message, ref at, end);
                Expect(at, end, type);
                return new SrvRData(BinaryPrimitives.ReadUInt16BigEndian(data), BinaryPrimitives.ReadUInt16BigEndian(data[2..]),
                    BinaryPrimitives.ReadUInt16BigEndian(data[4..]), name);
            }
            case DnsType.SOA:
            {
                int at = offset;
                var mname = ReadName(message, ref at, end);
                var rname = ReadName(message, ref at, end);
                if (end - at != 20)
                    throw new DnsFormatException("SOA RDATA has the wrong length");
                var n = message.Slice(at, 20);
                return new SoaRData(mname, rname, BinaryPrimitives.ReadUInt32BigEndian(n), BinaryPrimitives.ReadUInt32BigEndian(n[4..]),
                    BinaryPrimitives.ReadUInt32BigEndian(n[8..]), BinaryPrimitives.ReadUInt32BigEndian(n[12..]), BinaryPrimitives.ReadUInt32BigEndian(n[16..]));
            }
            case DnsType.TXT:
            {
                var strings = new List<byte[]>();
                for (int at = 0; at < length;)
                {
                    int n = data[at];
                    if (at + 1 + n > length)
                        throw new DnsFormatException("TXT character-string runs past its RDATA");
                    strings.Add(data.Slice(at + 1, n).ToArray());
                    at += 1 + n;
                }
                if (strings.Count == 0)
                    throw new DnsFormatException("TXT with no character-string");
                return new TxtRData(strings);
            }
            case DnsType.CAA:
            {
                Need(length, 2, type);
                int tagLength = data[1];
                if (tagLength == 0 || 2 + tagLength > length)
                    throw new DnsFormatException("CAA tag length");
                return new CaaRData(data[0], Encoding.ASCII.GetString(data.Slice(2, tagLength)), data[(2 + tagLength)..].ToArray());
            }
            case DnsType.TLSA:
                Need(length, 3, type);
                return new TlsaRData(data[0], data[1], data[2], data[3..].ToArray());
            case DnsType.SSHFP:
                Need(length, 2, type);
                return new SshfpRData(data[0], data[1], data[2..].ToArray());
            case DnsType.DNSKEY or DnsType.RRSIG or DnsType.NSEC or DnsType.DS:
                return DnssecRData.Read(type, message, offset, length);
            default:
                return new UnknownRData(type, data.ToArray());
        }
    }

    private static void Need(int length, int least, DnsType type)
    {
        if (length < least)
            throw new DnsFormatException($"{type} RDATA too short");
    }

    private static void Expect(int at, int end, DnsType type)
    {
        if (at != end)
            throw new DnsFormatException($"{type} RDATA length does not match its content");
    }

    private static DnsName ReadName(ReadOnlySpan<byte> message, ref int at, int end)
    {
        var error = DnsNameReader.TryRead(message[..end], ref at, out var name);
        // A pointer may lead before the RDATA, but the labels it starts with must lie within it.
        if (error != DnsNameError.None)
            throw new DnsFormatException($"bad name in RDATA: {error}");
        return name!;
    }

    /// <summary>Parses presentation-format RDATA (the fields after the type on a master-file line).</summary>
    public static RData Parse(DnsType type, IReadOnlyList<MasterToken> f, DnsName origin)
    {
        if (f.Count >= 1 && f[0] is { Text: "\\#", Quoted: false })
        {
            // RFC 3597 §5: "\# length hex" works for every type.
            if (f.Count < 2 || !int.TryParse(f[1].Text, NumberStyles.None, CultureInfo.InvariantCulture, out int declared))
                throw new FormatException("\\# needs a length");
            var bytes = DnsText.ParseHex(f.Skip(2));
            if (bytes.Length != declared)
                throw new FormatException($"\\# says {declared} octets but has {bytes.Length}");
            var w = new DnsWriter();
            w.WriteBytes(bytes);
            return Read(type, w.Written, 0, bytes.Length);
        }
        switch (type)
        {
            case DnsType.A:
                Count(f, 1, type);
                return IPAddress.TryParse(f[0].Text, out var v4) && v4.AddressFamily == AddressFamily.InterNetwork
                    ? new AddressRData(v4) : throw new FormatException($"'{f[0].Text}' is not an IPv4 address");
            case DnsType.AAAA:
                Count(f, 1, type);
                return IPAddress.TryParse(f[0].Text, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6
                    ? new AddressRData(v6) : throw new FormatException($"'{f[0].Text}' is not an IPv6 address");
            case DnsType.NS or DnsType.CNAME or DnsType.PTR or DnsType.DNAME:
                Count(f, 1, type);
                return new NameRData(type, DnsName.Parse(f[0].Text, origin));
            case DnsType.MX:
                Count(f, 2, type);
                return new MxRData(U16(f[0]), DnsName.Parse(f[1].Text, origin));
            case DnsType.SRV:
                Count(f, 4, type);
                return new SrvRData(U16(f[0]), U16(f[1]), U16(f[2]), DnsName.Parse(f[3].Text, origin));
            case DnsType.SOA:
                Count(f, 7, type);
                return new SoaRData(DnsName.Parse(f[0].Text, origin), DnsName.Parse(f[1].Text, origin),
                    U32(f[2]), Ttl(f[3]), Ttl(f[4]), Ttl(f[5]), Ttl(f[6]));
            case DnsType.TXT:
                if (f.Count == 0)
                    throw new FormatException("TXT needs at least one string");
                return new TxtRData(f.Select(t => DnsText.DecodeCharacterString(t.Text)).Select(b =>
                    b.Length <= 255 ? b : throw new FormatException("a TXT string holds at most 255 octets; split it in several quoted strings")).ToList());
            case DnsType.CAA:
                Count(f, 3, type);
                return new CaaRData(U8(f[0]), f[1].Text, DnsText.DecodeCharacterString(f[2].Text));
            case DnsType.TLSA:
                if (f.Count < 4)
                    throw new FormatException("TLSA needs usage, selector, matching type and data");
                return new TlsaRData(U8(f[0]), U8(f[1]), U8(f[2]), DnsText.ParseHex(f.Skip(3)));
            case DnsType.SSHFP:
                if (f.Count < 3)
                    throw new FormatException("SSHFP needs algorithm, type and fingerprint");
                return new SshfpRData(U8(f[0]), U8(f[1]), DnsText.ParseHex(f.Skip(2)));
            default:
                throw new FormatException($"type {DnsTypeNames.Name(type)} is only accepted in the \\# form");
        }
    }

    private static void Count(IReadOnlyList<MasterToken> f, int n, DnsType type)
    {
        if (f.Count != n)
            throw new FormatException($"{type} takes {n} field{(n == 1 ? "" : "s")}, not {f.Count}");
    }

    private static byte U8(MasterToken t) => byte.TryParse(t.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw new FormatException($"'{t.Text}' is not a number 0-255");

    private static ushort U16(MasterToken t) => ushort.TryParse(t.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw new FormatException($"'{t.Text}' is not a number 0-65535");

    private static uint U32(MasterToken t) => uint.TryParse(t.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw new FormatException($"'{t.Text}' is not a 32-bit number");

    private static uint Ttl(MasterToken t) => DnsTtl.Parse(t.Text);
}

/// <summary>TTLs as numbers or with units (1h30m, as BIND and NSD accept).</summary>
public static class DnsTtl
{
    public static uint Parse(string text)
    {
        if (uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint plain))
            return plain;
        ulong total = 0, current = 0;
        bool any = false;
        foreach (char c in text.ToLowerInvariant())
        {
            if (char.IsAsciiDigit(c))
            {
                current = current * 10 + (ulong)(c - '0');
                any = true;
                if (current > uint.MaxValue)
                    throw new FormatException($"TTL '{text}' too large");
                continue;
            }
            ulong unit = c switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, 'w' => 604800, _ => throw new FormatException($"'{text}' is not a TTL") };
            if (!any)
                throw new FormatException($"'{text}' is not a TTL");
            total += current * unit;
            current = 0;
            any = false;
        }
        total += current;
        return total <= uint.MaxValue ? (uint)total : throw new FormatException($"TTL '{text}' too large");
    }
}

/// <summary>A and AAAA.</summary>
public sealed class AddressRData(IPAddress address) : RData
{
    public IPAddress Address { get; } = address;
    public override DnsType Type => Address.AddressFamily == AddressFamily.InterNetworkV6 ? DnsType.AAAA : DnsType.A;
    public override void Write(DnsWriter writer)
    {
        Span<byte> bytes = stackalloc byte[16];
        Address.TryWriteBytes(bytes, out int n);
        writer.WriteBytes(bytes[..n]);
    }
    public override string ToText() => Address.ToString();
}

/// <summary>NS, CNAME, PTR, DNAME: one name, compressed on the wire (RFC 1035 types; RFC 6672 §2.5 for DNAME is "may").</summary>
public sealed class NameRData(DnsType type, DnsName target) : RData
{
    public override DnsType Type { get; } = type;
    public DnsName Target { get; } = target;
    public override void Write(DnsWriter writer) => writer.WriteName(Target, compress: Type != DnsType.DNAME);
    public override string ToText() => Target.ToString();
    protected override string CanonicalText() => Target.Key;
}

/// <summary>MX (RFC 1035 §3.3.9).</summary>
public sealed class MxRData(ushort preference, DnsName exchange) : RData
{
    public ushort Preference { get; } = preference;
    public DnsName Exchange { get; } = exchange;
    public override DnsType Type => DnsType.MX;
    public override void Write(DnsWriter writer)
    {
        writer.WriteUInt16(Preference);
        writer.WriteName(Exchange);
    }
    public override string ToText() => $"{N(Preference)} {Exchange}";
    protected override string CanonicalText() => $"{N(Preference)} {Exchange.Key}";
}

/// <summary>SRV (RFC 2782); its target is never compressed.</summary>
public sealed class SrvRData(ushort priority, ushort weight, ushort port, DnsName target) : RData
{
    public ushort Priority { get; } = priority;
    public ushort Weight { get; } = weight;
    public ushort Port { get; } = port;
    public DnsName Target { get; } = target;
    public override DnsType Type => DnsType.SRV;
    public override void Write(DnsWriter writer)
    {
        writer.WriteUInt16(Priority);
        writer.WriteUInt16(Weight);
        writer.WriteUInt16(Port);
        writer.WriteName(Target, compress: false);
    }
    public override string ToText() => $"{N(Priority)} {N(Weight)} {N(Port)} {Target}";
    protected override string CanonicalText() => $"{N(Priority)} {N(Weight)} {N(Port)} {Target.Key}";
}

/// <summary>SOA (RFC 1035 §3.3.13).</summary>
public sealed class SoaRData(DnsName primary, DnsName mailbox, uint serial, uint refresh, uint retry, uint expire, uint minimum) : RData
{
    public DnsName Primary { get; } = primary;
    public DnsName Mailbox { get; } = mailbox;
    public uint Serial { get; } = serial;
    public uint Refresh { get; } = refresh;
    public uint Retry { get; } = retry;
    public uint Expire { get; } = expire;
    /// <summary>The negative-caching TTL (RFC 2308 §4).</summary>
    public uint Minimum { get; } = minimum;
    public override DnsType Type => DnsType.SOA;
    public override void Write(DnsWriter writer)
    {
        writer.WriteName(Primary);
        writer.WriteName(Mailbox);
        writer.WriteUInt32(Serial);
        writer.WriteUInt32(Refresh);
        writer.WriteUInt32(Retry);
        writer.WriteUInt32(Expire);
        writer.WriteUInt32(Minimum);
    }
    public override string ToText() => $"{Primary} {Mailbox} {N(Serial)} {N(Refresh)} {N(Retry)} {N(Expire)} {N(Minimum)}";
    protected override string CanonicalText() => $"{Primary.Key} {Mailbox.Key} {N(Serial)} {N(Refresh)} {N(Retry)} {N(Expire)} {N(Minimum)}";
    public SoaRData WithSerial(uint serial) => new(Primary, Mailbox, serial, Refresh, Retry, Expire, Minimum);
}

/// <summary>TXT: one or more character-strings (RFC 1035 §3.3.14).</summary>
public sealed class TxtRData(IReadOnlyList<byte[]> strings) : RData
{
    public IReadOnlyList<byte[]> Strings { get; } = strings;
    public override DnsType Type => DnsType.TXT;

    /// <summary>
    /// A long value (a DKIM key) as consecutive 255-octet strings; readers join them without a
    /// separator (RFC 6376 §3.6.2.2, RFC 7208 §3.3).
    /// </summary>
    public static TxtRData FromValue(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var strings = new List<byte[]>();
        for (int at = 0; at < bytes.Length; at += 255)
            strings.Add(bytes.AsSpan(at, Math.Min(255, bytes.Length - at)).ToArray());
        if (strings.Count == 0)
            strings.Add([]);
        return new TxtRData(strings);
    }

    /// <summary>The strings joined, as SPF and DKIM read them.</summary>
    public string Value => Encoding.UTF8.GetString(Strings.SelectMany(s => s).ToArray());

    public override void Write(DnsWriter writer)
    {
        foreach (var s in Strings)
            writer.WriteCharacterString(s);
    }
    public override string ToText() => string.Join(' ', Strings.Select(s => DnsText.QuoteCharacterString(s)));
}

/// <summary>CAA (RFC 8659 §4.1).</summary>
public sealed class CaaRData(byte flags, string tag, byte[] value) : RData
{
    public byte Flags { get; } = flags;
    public string Tag { get; } = tag;
    public byte[] Value { get; } = value;
    public override DnsType Type => DnsType.CAA;
    public override void Write(DnsWriter writer)
    {
        writer.WriteByte(Flags);
        writer.WriteCharacterString(Encoding.ASCII.GetBytes(Tag));
        writer.WriteBytes(Value);
    }
    public override string ToText() => $"{N(Flags)} {Tag} {DnsText.QuoteCharacterString(Value)}";
}

/// <summary>TLSA (RFC 6698 §2.1).</summary>
public sealed class TlsaRData(byte usage, byte selector, byte matchingType, byte[] data) : RData
{
    public byte Usage { get; } = usage;
    public byte Selector { get; } = selector;
    public byte MatchingType { get; } = matchingType;
    public byte[] Data { get; } = data;
    public override DnsType Type => DnsType.TLSA;
    public override void Write(DnsWriter writer)
    {
        writer.WriteByte(Usage);
        writer.WriteByte(Selector);
        writer.WriteByte(MatchingType);
        writer.WriteBytes(Data);
    }
    public override string ToText() => $"{N(Usage)} {N(Selector)} {N(MatchingType)} {DnsText.Hex(Data)}";
}

/// <summary>SSHFP (RFC 4255 §3.1).</summary>
public sealed class SshfpRData(byte algorithm, byte fingerprintType, byte[] fingerprint) : RData
{
    public byte Algorithm { get; } = algorithm;
    public byte FingerprintType { get; } = fingerprintType;
    public byte[] Fingerprint { get; } = fingerprint;
    public override DnsType Type => DnsType.SSHFP;
    public override void Write(DnsWriter writer)
    {
        writer.WriteByte(Algorithm);
        writer.WriteByte(FingerprintType);
        writer.WriteBytes(Fingerprint);
    }
    public override string ToText() => $"{N(Algorithm)} {N(FingerprintType)} {DnsText.Hex(Fingerprint)}";
}

/// <summary>A type we keep as opaque octets (RFC 3597).</summary>
public sealed class UnknownRData(DnsType type, byte[] data) : RData
{
    public override DnsType Type { get; } = type;
    public byte[] Data { get; } = data;
    public override void Write(DnsWriter writer) => writer.WriteBytes(Data);
    public override string ToText() => Data.Length == 0 ? "\\# 0" : $"\\# {N(Data.Length)} {DnsText.Hex(Data)}";
}

/// <summary>One resource record of class IN.</summary>
public sealed record ResourceRecord(DnsName Name, uint Ttl, RData Data)
{
    public DnsType Type => Data.Type;

    /// <summary>A master-file line.</summary>
    public string ToText() => $"{Name}\t{RData.N(Ttl)}\tIN\t{DnsTypeNames.Name(Type)}\t{Data.ToText()}";
}
