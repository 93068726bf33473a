using Letterbox.Dns.Zones;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Answering;

/// <summary>
/// AXFR (RFC 5936) over TCP to the secondaries in dns.secondaries. IXFR requests get the whole
/// zone too, which RFC 1995 §4 allows a server without history to send. The zone goes out as
/// SOA, every other record, SOA, packed into messages of about 16 KB, each compressed on its own.
/// </summary>
public static class ZoneTransfer
{
    private const int MessageTarget = 16 * 1024;

    public static bool IsTransfer(DnsType type) => type is DnsType.AXFR or DnsType.IXFR;

    /// <summary>The response messages to a transfer request; one REFUSED or NOTAUTH message when it cannot be served.</summary>
    public static List<byte[]> Respond(ZoneSet zones, ReadOnlySpan<byte> query, in DnsQuery q, bool allowed)
    {
        int at = DnsHeader.Size;
        DnsNameReader.TryRead(query, ref at, out var qname);
        // RFC 5936 §6: refuse whoever is not on the list; §2.2.1: NOTAUTH for a zone we do not have.
        if (!allowed)
            return [Single(q, qname!, DnsRcode.Refused)];
        var zone = zones.Get(qname!);
        if (zone is null)
            return [Single(q, qname!, DnsRcode.NotAuth)];

        var records = new List<ResourceRecord> { new(zone.Apex, zone.SoaSet.Ttl, zone.Soa) };
        records.AddRange(zone.Records().Where(r => r.Type != DnsType.SOA));
        records.Add(new ResourceRecord(zone.Apex, zone.SoaSet.Ttl, zone.Soa));

        var messages = new List<byte[]>();
        DnsWriter? w = null;
        DnsHeader h = default;
        foreach (var r in records)
        {
            if (w is null)
            {
                h = Header(q, DnsRcode.NoError, questions: messages.Count == 0 ? 1 : 0);
                w = new DnsWriter(MessageTarget + 1024);
                w.WriteHeader(h);
                if (messages.Count == 0)
                    WriteQuestion(w, qname!, q);
            }
            w.WriteRecord(r);
            h.AnCount++;
            if (w.Position >= MessageTarget)
            {
                w.PatchHeader(h);
                messages.Add(w.ToArray());
                w = null;
            }
        }
        if (w is not null)
        {
            w.PatchHeader(h);
            messages.Add(w.ToArray());
        }
        return messages;
    }

    private static DnsHeader Header(in DnsQuery q, DnsRcode rcode, int questions) => new()
    {
        Id = q.Header.Id,
        IsResponse = true,
        Opcode = DnsOpcode.Query,
        Authoritative = rcode == DnsRcode.NoError,
        Rcode = rcode,
        QdCount = (ushort)questions,
    };

    private static void WriteQuestion(DnsWriter w, DnsName qname, in DnsQuery q)
    {
        w.WriteName(qname);
        w.WriteUInt16((ushort)q.QType);
        w.WriteUInt16((ushort)q.QClass);
    }

    private static byte[] Single(in DnsQuery q, DnsName qname, DnsRcode rcode)
    {
        var w = new DnsWriter();
        w.WriteHeader(Header(q, rcode, 1));
        WriteQuestion(w, qname, q);
        return w.ToArray();
    }
}
