using Letterbox.Dns.Zones;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Answering;

/// <summary>
/// The authoritative answer algorithm (RFC 1034 §4.3.2, with RFC 2308 negative answers and
/// RFC 4592 wildcards). Minimal responses: the additional section carries only the name servers'
/// addresses (referral glue, NS answers), like NSD with minimal-responses, so answers stay small.
/// </summary>
public static class Lookup
{
    /// <summary>CNAME hops followed inside a zone before we stop and let the resolver continue.</summary>
    private const int MaxChain = 8;

    public static Answer Resolve(ZoneSet zones, DnsName qname, DnsType qtype)
    {
        var zone = zones.FindZone(qname);
        if (zone is null)
            return Answer.Refused; // not ours, and we do no recursion (RA stays clear)

        var answer = new Answer { Rcode = DnsRcode.NoError, Authoritative = true };
        var name = qname;
        for (int hop = 0; ; hop++)
        {
            // A delegation on the way down: refer, unless the query is for the DS at the cut,
            // which lives in the parent (RFC 4035 §3.1.4.1).
            if (FindCut(zone, name, qtype) is { } cut)
            {
                if (answer.AnswerSection.Count > 0)
                    return answer; // a CNAME led into a delegation: the resolver follows it
                return Referral(zone, cut);
            }

            var node = zone.Find(name);
            if (node is null)
            {
                // RFC 4592 §3.3.1: the wildcard at the closest encloser answers, its data owned by the query name.
                var encloser = ClosestEncloser(zone, name);
                node = zone.Find(encloser.Prepend("*"));
                if (node is null)
                    return Negative(answer, zone, DnsRcode.NXDomain);
            }

            if (qtype == DnsType.ANY && node.Sets.Count > 0)
            {
                // RFC 8482 §4.2: one RRset is a complete answer to ANY, and it keeps ANY useless for
                // amplification. The SOA at the apex, elsewhere the lowest type (what NSD picks too).
                var one = node.Get(DnsType.SOA) ?? node.Sets.Values.MinBy(s => (int)s.Type)!;
                answer.AnswerSection.Add(new AnswerSet(name, one, one.Ttl));
                return answer;
            }
            if (node.Get(qtype) is { } exact)
            {
                answer.AnswerSection.Add(new AnswerSet(name, exact, exact.Ttl));
                // The addresses of in-zone name servers: a resolver needs them to use the answer.
                if (qtype == DnsType.NS)
                    AddAddresses(answer, zone, exact);
                return answer;
            }
            if (node.Get(DnsType.CNAME) is { } cname)
            {
                answer.AnswerSection.Add(new AnswerSet(name, cname, cname.Ttl));
                var target = ((NameRData)cname.Records[0]).Target;
                // Follow inside this zone only; anywhere else the resolver asks the right server.
                if (hop + 1 >= MaxChain || !target.IsAtOrBelow(zone.Apex) || answer.AnswerSection.Any(a => a.Owner.Equals(target)))
                    return answer;
                name = target;
                continue;
            }
            return Negative(answer, zone, DnsRcode.NoError);
        }
    }

    /// <summary>The highest name between the apex (exclusive) and <paramref name="name"/> that has NS records.</summary>
    private static ZoneNode? FindCut(Zone zone, DnsName name, DnsType qtype)
    {
        for (int skip = name.LabelCount - zone.Apex.LabelCount - 1; skip >= 0; skip--)
        {
            var node = zone.Find(name.SuffixKey(skip));
            if (node?.Get(DnsType.NS) is null)
                continue;
            if (skip == 0 && qtype == DnsType.DS)
                return null;
            return node;
        }
        return null;
    }

    /// <summary>The longest existing ancestor of a name that does not exist (RFC 4592 §3.3.1).</summary>
    private static DnsName ClosestEncloser(Zone zone, DnsName name)
    {
        var up = name.Parent();
        while (up.LabelCount > zone.Apex.LabelCount && zone.Find(up) is null)
            up = up.Parent();
        return up;
    }

    /// <summary>RFC 2308 §3: the SOA in the authority section, its TTL capped by its MINIMUM field.</summary>
    private static Answer Negative(Answer answer, Zone zone, DnsRcode rcode)
    {
        var negative = new Answer { Rcode = rcode, Authoritative = true };
        negative.AnswerSection.AddRange(answer.AnswerSection);
        negative.AuthoritySection.Add(new AnswerSet(zone.Apex, zone.SoaSet, Math.Min(zone.SoaSet.Ttl, zone.Soa.Minimum)));
        return negative;
    }

    /// <summary>RFC 1034 §4.3.2 step 3b: the child's NS (not authoritative) and the addresses we know for them.</summary>
    private static Answer Referral(Zone zone, ZoneNode cut)
    {
        var referral = new Answer { Rcode = DnsRcode.NoError, Authoritative = false };
        var ns = cut.Get(DnsType.NS)!;
        referral.AuthoritySection.Add(new AnswerSet(cut.Name, ns, ns.Ttl));
        AddAddresses(referral, zone, ns);
        return referral;
    }

    /// <summary>A and AAAA of the NS targets that lie in this zone (glue, for a referral), to the additional section.</summary>
    private static void AddAddresses(Answer answer, Zone zone, RRset ns)
    {
        foreach (var target in ns.Records.Cast<NameRData>().Select(r => r.Target))
        {
            if (!target.IsAtOrBelow(zone.Apex) || zone.Find(target) is not { } host)
                continue;
            foreach (var type in (ReadOnlySpan<DnsType>)[DnsType.A, DnsType.AAAA])
                if (host.Get(type) is { } address)
                    answer.AdditionalSection.Add(new AnswerSet(host.Name, address, address.Ttl));
        }
    }
}
