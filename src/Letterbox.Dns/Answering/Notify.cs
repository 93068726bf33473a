using Letterbox.Dns.Tsig;
using Letterbox.Dns.Zones;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Answering;

/// <summary>
/// NOTIFY (RFC 1996): the message a primary sends its secondaries when a zone changes, so they
/// ask for the new serial at once instead of at their next SOA refresh.
/// </summary>
public static class Notify
{
    /// <summary>RFC 1996 §3.7: opcode NOTIFY, AA set, the zone's SOA as the question and (a hint) in the answer.</summary>
    public static byte[] Message(ushort id, Zone zone)
    {
        var w = new DnsWriter();
        w.WriteHeader(new DnsHeader { Id = id, Opcode = DnsOpcode.Notify, Authoritative = true, QdCount = 1, AnCount = 1 });
        w.WriteName(zone.Apex);
        w.WriteUInt16((ushort)DnsType.SOA);
        w.WriteUInt16((ushort)DnsClass.IN);
        w.WriteRecord(zone.Apex, zone.SoaSet.Ttl, zone.Soa);
        return w.ToArray();
    }

    /// <summary>
    /// A NOTIFY signed with <paramref name="key"/> (RFC 8945 §5.1), for secondaries that only
    /// believe signed ones (NSD's allow-notify with a key, BIND's allow-notify { key ...; }).
    /// The MAC is kept to check the acknowledgement, which is signed over it.
    /// </summary>
    public static (byte[] Message, byte[] Mac) Signed(ushort id, Zone zone, TsigKey key, ulong now) =>
        TsigSigner.Sign(Message(id, zone), key, [], now);

    /// <summary>RFC 1996 §3.6: the secondary acknowledges with a response of the same ID and opcode.</summary>
    public static bool IsAcknowledgement(ReadOnlySpan<byte> response, ushort id) =>
        DnsHeader.TryRead(response, out var h) && h.IsResponse && h.Id == id && h.Opcode == DnsOpcode.Notify;

    /// <summary>An acknowledgement of a signed NOTIFY counts only when it is signed with the same key over our MAC (RFC 8945 §5.3).</summary>
    public static bool IsAcknowledgement(ReadOnlySpan<byte> response, ushort id, TsigKey key, byte[] requestMac, ulong now) =>
        IsAcknowledgement(response, id)
        && TsigSigner.Verify(response, name => name.Equals(key.Name) ? key : null, now, requestMac).Verified;
}
