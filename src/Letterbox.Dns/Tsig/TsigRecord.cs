using System.Buffers.Binary;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Tsig;

/// <summary>TSIG error codes (RFC 8945 §3, the Error field; not header RCODEs).</summary>
public enum TsigError : ushort
{
    NoError = 0,
    BadSig = 16,
    BadKey = 17,
    BadTime = 18,
    BadTrunc = 22,
}

/// <summary>Where a message stands on TSIG, as read before any key is looked at.</summary>
public enum TsigPresence
{
    /// <summary>No TSIG record anywhere.</summary>
    Absent,
    /// <summary>One, last in the additional section, well formed.</summary>
    Present,
    /// <summary>RFC 8945 §5.2: a TSIG that is not the last record, two of them, a bad class or TTL, RDATA that lies about its lengths: FORMERR.</summary>
    Malformed,
}

/// <summary>
/// The TSIG resource record (RFC 8945 §4.2): owner = key name, class ANY, TTL 0, and RDATA
/// Algorithm Name, Time Signed (48 bits), Fudge, MAC Size, MAC, Original ID, Error, Other Len, Other Data.
/// </summary>
public sealed record TsigRecord(DnsName KeyName, DnsName Algorithm, ulong TimeSigned, ushort Fudge, byte[] Mac, ushort OriginalId, TsigError Error, byte[] OtherData)
{
    /// <summary>
    /// Finds the TSIG record of <paramref name="message"/>; <paramref name="start"/> is where it
    /// begins, so the signed part is message[..start]. Bounded by the message: every length is
    /// checked against what is there, never trusted.
    /// </summary>
    public static TsigPresence Find(ReadOnlySpan<byte> message, out TsigRecord? record, out int start)
    {
        record = null;
        start = 0;
        if (!DnsHeader.TryRead(message, out var h))
            return TsigPresence.Malformed;
        int at = DnsHeader.Size;
        for (int i = 0; i < h.QdCount; i++)
        {
            if (DnsNameReader.Skip(message, ref at) != DnsNameError.None || at + 4 > message.Length)
                return TsigPresence.Malformed;
            at += 4;
        }
        int total = h.AnCount + h.NsCount + h.ArCount;
        for (int i = 0; i < total; i++)
        {
            int recordStart = at;
            if (DnsNameReader.Skip(message, ref at) != DnsNameError.None || at + 10 > message.Length)
                return TsigPresence.Malformed;
            var type = (DnsType)BinaryPrimitives.ReadUInt16BigEndian(message[at..]);
            ushort @class = BinaryPrimitives.ReadUInt16BigEndian(message[(at + 2)..]);
            uint ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(at + 4)..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(message[(at + 8)..]);
            int rdataAt = at + 10;
            if (rdataAt + length > message.Length)
                return TsigPresence.Malformed;
            at = rdataAt + length;
            if (type != DnsType.TSIG)
                continue;
            // RFC 8945 §5.1: the TSIG is the last record of the additional section, and the only one.
            if (i != total - 1 || h.ArCount == 0 || @class != (ushort)DnsClass.ANY || ttl != 0)
                return TsigPresence.Malformed;
            int nameAt = recordStart;
            if (DnsNameReader.TryRead(message, ref nameAt, out var keyName) != DnsNameError.None)
                return TsigPresence.Malformed;
            record = ReadRData(message, keyName!, rdataAt, length);
            if (record is null)
                return TsigPresence.Malformed;
            start = recordStart;
            return TsigPresence.Present;
        }
        return TsigPresence.Absent;
    }

    private static TsigRecord? ReadRData(ReadOnlySpan<byte> message, DnsName keyName, int at, int length)
    {
        int end = at + length;
        var bounded = message[..end];
        // RFC 8945 §4.2: the algorithm name is not compressed; a pointer would also let it reach outside the RDATA.
        if (at < end && (bounded[at] & 0xC0) != 0)
            return null;
        if (DnsNameReader.TryRead(bounded, ref at, out var algorithm) != DnsNameError.None || at + 10 > end)
            return null;
        ulong time = ((ulong)BinaryPrimitives.ReadUInt16BigEndian(bounded[at..]) << 32) | BinaryPrimitives.ReadUInt32BigEndian(bounded[(at + 2)..]);
        ushort fudge = BinaryPrimitives.ReadUInt16BigEndian(bounded[(at + 6)..]);
        int macSize = BinaryPrimitives.ReadUInt16BigEndian(bounded[(at + 8)..]);
        at += 10;
        if (at + macSize + 6 > end)
            return null;
        var mac = bounded.Slice(at, macSize).ToArray();
        at += macSize;
        ushort originalId = BinaryPrimitives.ReadUInt16BigEndian(bounded[at..]);
        var error = (TsigError)BinaryPrimitives.ReadUInt16BigEndian(bounded[(at + 2)..]);
        int otherLength = BinaryPrimitives.ReadUInt16BigEndian(bounded[(at + 4)..]);
        at += 6;
        if (at + otherLength != end)
            return null;
        return new TsigRecord(keyName, algorithm!, time, fudge, mac, originalId, error, bounded.Slice(at, otherLength).ToArray());
    }

    /// <summary>Appends this record (names uncompressed, as §4.2 asks) to a message being written.</summary>
    public void Write(DnsWriter w)
    {
        w.WriteName(KeyName, compress: false);
        w.WriteUInt16((ushort)DnsType.TSIG);
        w.WriteUInt16((ushort)DnsClass.ANY);
        w.WriteUInt32(0);
        int lengthAt = w.Position;
        w.WriteUInt16(0);
        w.WriteName(Algorithm, compress: false);
        w.WriteUInt16((ushort)(TimeSigned >> 32));
        w.WriteUInt32((uint)TimeSigned);
        w.WriteUInt16(Fudge);
        w.WriteUInt16((ushort)Mac.Length);
        w.WriteBytes(Mac);
        w.WriteUInt16(OriginalId);
        w.WriteUInt16((ushort)Error);
        w.WriteUInt16((ushort)OtherData.Length);
        w.WriteBytes(OtherData);
        w.PatchUInt16(lengthAt, (ushort)(w.Position - lengthAt - 2));
    }
}
