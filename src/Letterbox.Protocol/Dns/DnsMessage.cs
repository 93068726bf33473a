using System.Buffers.Binary;

namespace Letterbox.Protocol.Dns;

/// <summary>A question (RFC 1035 §4.1.2).</summary>
public sealed record DnsQuestion(DnsName Name, DnsType Type, DnsClass Class = DnsClass.IN);

/// <summary>
/// A whole message as objects, for clients, probes and tests (the server's hot path reads
/// queries with <see cref="DnsQuery"/> instead). <see cref="Parse"/> throws <see cref="DnsFormatException"/>.
/// </summary>
public sealed class DnsMessage
{
    public DnsHeader Header;
    public List<DnsQuestion> Questions { get; } = [];
    public List<ResourceRecord> Answers { get; } = [];
    public List<ResourceRecord> Authority { get; } = [];
    public List<ResourceRecord> Additional { get; } = [];
    public EdnsInfo? Edns { get; set; }

    /// <summary>The RCODE with its EDNS extension (RFC 6891 §6.1.3).</summary>
    public DnsRcode Rcode => (DnsRcode)(((Edns?.ExtendedRcode ?? 0) << 4) | (int)Header.Rcode);

    public static DnsMessage Parse(ReadOnlySpan<byte> bytes)
    {
        var m = new DnsMessage();
        if (!DnsHeader.TryRead(bytes, out m.Header))
            throw new DnsFormatException("shorter than a header");
        int at = DnsHeader.Size;
        for (int i = 0; i < m.Header.QdCount; i++)
        {
            var error = DnsNameReader.TryRead(bytes, ref at, out var name);
            if (error != DnsNameError.None)
                throw new DnsFormatException($"question name: {error}");
            if (at + 4 > bytes.Length)
                throw new DnsFormatException("question runs past the end");
            m.Questions.Add(new DnsQuestion(name!, (DnsType)BinaryPrimitives.ReadUInt16BigEndian(bytes[at..]), (DnsClass)BinaryPrimitives.ReadUInt16BigEndian(bytes[(at + 2)..])));
            at += 4;
        }
        ReadSection(bytes, ref at, m.Header.AnCount, m.Answers, m);
        ReadSection(bytes, ref at, m.Header.NsCount, m.Authority, m);
        ReadSection(bytes, ref at, m.Header.ArCount, m.Additional, m);
        return m;
    }

    private static void ReadSection(ReadOnlySpan<byte> bytes, ref int at, int count, List<ResourceRecord> into, DnsMessage m)
    {
        for (int i = 0; i < count; i++)
        {
            var error = DnsNameReader.TryRead(bytes, ref at, out var name);
            if (error != DnsNameError.None)
                throw new DnsFormatException($"record name: {error}");
            if (at + 10 > bytes.Length)
                throw new DnsFormatException("record header runs past the end");
            var type = (DnsType)BinaryPrimitives.ReadUInt16BigEndian(bytes[at..]);
            ushort @class = BinaryPrimitives.ReadUInt16BigEndian(bytes[(at + 2)..]);
            uint ttl = BinaryPrimitives.ReadUInt32BigEndian(bytes[(at + 4)..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(bytes[(at + 8)..]);
            at += 10;
            if (at + length > bytes.Length)
                throw new DnsFormatException("RDATA runs past the end");
            if (type == DnsType.OPT)
            {
                if (m.Edns is not null || !name!.IsRoot)
                    throw new DnsFormatException("a second OPT, or one not owned by the root");
                m.Edns = new EdnsInfo(@class, (byte)(ttl >> 24), (byte)(ttl >> 16), (ttl & 0x8000) != 0);
            }
            else
            {
                into.Add(new ResourceRecord(name!, ttl, RData.Read(type, bytes, at, length)));
            }
            at += length;
        }
    }

    /// <summary>A query for one name and type; with <paramref name="ednsPayload"/> it carries an OPT record.</summary>
    public static byte[] Query(ushort id, DnsName name, DnsType type, ushort? ednsPayload = null, bool recursionDesired = false)
    {
        var w = new DnsWriter();
        var h = new DnsHeader { Id = id, QdCount = 1, ArCount = (ushort)(ednsPayload is null ? 0 : 1), RecursionDesired = recursionDesired };
        w.WriteHeader(h);
        w.WriteName(name);
        w.WriteUInt16((ushort)type);
        w.WriteUInt16((ushort)DnsClass.IN);
        if (ednsPayload is { } size)
            WriteOpt(w, size, 0, 0, false);
        return w.ToArray();
    }

    /// <summary>An OPT pseudo-record with no options (RFC 6891 §6.1.2).</summary>
    public static void WriteOpt(DnsWriter w, ushort payloadSize, byte extendedRcode, byte version, bool dnssecOk)
    {
        w.WriteByte(0);
        w.WriteUInt16((ushort)DnsType.OPT);
        w.WriteUInt16(payloadSize);
        w.WriteUInt32(((uint)extendedRcode << 24) | ((uint)version << 16) | (dnssecOk ? 0x8000u : 0));
        w.WriteUInt16(0);
    }
}
