using System.Buffers.Binary;

namespace Letterbox.Protocol.Dns;

/// <summary>What a server should do with a packet, decided before any lookup.</summary>
public enum DnsQueryStatus
{
    /// <summary>One well-formed question to answer.</summary>
    Ok,
    /// <summary>No answer at all: shorter than a header, or a response (QR set) that must not be answered (RFC 1035 §4.1.1), else we could be made to loop with another server.</summary>
    Drop,
    /// <summary>Answer FORMERR: QDCOUNT other than 1, a bad name, sections that run past the end, two OPTs.</summary>
    FormErr,
    /// <summary>Answer NOTIMP: an opcode we do not serve.</summary>
    NotImp,
}

/// <summary>EDNS0 as the client sent it (RFC 6891 §6.1.2).</summary>
public readonly record struct EdnsInfo(ushort PayloadSize, byte ExtendedRcode, byte Version, bool DnssecOk);

/// <summary>
/// The server's view of a query, read in one pass without allocating: the header, the one
/// question (its lookup key goes into a buffer the caller owns), and the OPT record if any.
/// </summary>
public struct DnsQuery
{
    public DnsHeader Header;

    /// <summary>Where the question's name starts (always 12) and where the question ends.</summary>
    public int QuestionEnd;

    public int NameEnd;

    public DnsType QType;
    public DnsClass QClass;

    /// <summary>Length of the key written to the caller's buffer.</summary>
    public int KeyLength;

    public int LabelCount;

    /// <summary>The question name's length uncompressed; differs from NameEnd - 12 only if the question used a pointer.</summary>
    public int NameWireLength;

    public EdnsInfo? Edns;

    /// <summary>Where the client cookie (RFC 7873 §4.1, 8 octets) starts in the query; 0 when none was sent.</summary>
    public int ClientCookieAt;

    /// <summary>Parses a query; <paramref name="key"/> must hold <see cref="DnsNameReader.MaxKeyLength"/> chars.</summary>
    public static DnsQueryStatus Parse(ReadOnlySpan<byte> message, Span<char> key, out DnsQuery query)
    {
        query = default;
        if (!DnsHeader.TryRead(message, out query.Header) || query.Header.IsResponse)
            return DnsQueryStatus.Drop;
        if (query.Header.Opcode != DnsOpcode.Query)
            return DnsQueryStatus.NotImp;
        // RFC 9619: a query carries exactly one question.
        if (query.Header.QdCount != 1)
            return DnsQueryStatus.FormErr;
        int at = DnsHeader.Size;
        if (DnsNameReader.TryReadKey(message, ref at, key, out query.KeyLength, out query.LabelCount, out query.NameWireLength) != DnsNameError.None)
            return DnsQueryStatus.FormErr;
        query.NameEnd = at;
        if (at + 4 > message.Length)
            return DnsQueryStatus.FormErr;
        query.QType = (DnsType)BinaryPrimitives.ReadUInt16BigEndian(message[at..]);
        query.QClass = (DnsClass)BinaryPrimitives.ReadUInt16BigEndian(message[(at + 2)..]);
        at += 4;
        query.QuestionEnd = at;

        int skip = query.Header.AnCount + query.Header.NsCount;
        for (int i = 0; i < skip; i++)
        {
            if (!SkipRecord(message, ref at, out _, out _, out _))
                return DnsQueryStatus.FormErr;
        }
        for (int i = 0; i < query.Header.ArCount; i++)
        {
            int start = at;
            if (!SkipRecord(message, ref at, out var type, out int rdataAt, out int rdataLength))
                return DnsQueryStatus.FormErr;
            if (type != DnsType.OPT)
                continue;
            // RFC 6891 §6.1.1: one OPT at most, owned by the root.
            if (query.Edns is not null || message[start] != 0)
                return DnsQueryStatus.FormErr;
            ushort payload = BinaryPrimitives.ReadUInt16BigEndian(message[(start + 3)..]);
            uint ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(start + 5)..]);
            // RFC 6891 §6.2.5: a payload size below 512 is taken as 512.
            query.Edns = new EdnsInfo(Math.Max(payload, (ushort)512), (byte)(ttl >> 24), (byte)(ttl >> 16), (ttl & 0x8000) != 0);
            if (!ReadOptions(message.Slice(rdataAt, rdataLength), rdataAt, ref query))
                return DnsQueryStatus.FormErr;
        }
        return DnsQueryStatus.Ok;
    }

    /// <summary>EDNS options (RFC 6891 §6.1.2): code, length, data; only COOKIE (10) matters to us.</summary>
    private static bool ReadOptions(ReadOnlySpan<byte> rdata, int rdataAt, ref DnsQuery query)
    {
        for (int at = 0; at < rdata.Length;)
        {
            if (at + 4 > rdata.Length)
                return false;
            ushort code = BinaryPrimitives.ReadUInt16BigEndian(rdata[at..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(rdata[(at + 2)..]);
            if (at + 4 + length > rdata.Length)
                return false;
            if (code == CookieOption)
            {
                // RFC 7873 §5.2.2: a client cookie alone (8) or with a server cookie of 8 to 32 octets; anything else is FORMERR.
                if (length != 8 && length is < 16 or > 40)
                    return false;
                query.ClientCookieAt = rdataAt + at + 4;
            }
            at += 4 + length;
        }
        return true;
    }

    /// <summary>The EDNS option code of DNS cookies (RFC 7873 §4).</summary>
    public const ushort CookieOption = 10;

    private static bool SkipRecord(ReadOnlySpan<byte> message, ref int at, out DnsType type, out int rdataAt, out int rdataLength)
    {
        type = default;
        rdataAt = rdataLength = 0;
        if (DnsNameReader.Skip(message, ref at) != DnsNameError.None || at + 10 > message.Length)
            return false;
        type = (DnsType)BinaryPrimitives.ReadUInt16BigEndian(message[at..]);
        rdataLength = BinaryPrimitives.ReadUInt16BigEndian(message[(at + 8)..]);
        rdataAt = at + 10;
        if (rdataAt + rdataLength > message.Length)
            return false;
        at = rdataAt + rdataLength;
        return true;
    }
}
