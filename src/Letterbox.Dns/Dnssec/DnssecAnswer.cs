using Letterbox.Dns.Answering;
using Letterbox.Dns.Zones;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Dnssec;

/// <summary>
/// Answers for signed zones (RFC 4035 §3.1). Without the DO bit the answer is the plain one, but
/// for the DNSSEC types themselves; with it, every signed RRset in any section brings its RRSIG
/// and negative or wildcard answers bring the NSEC records that prove them: the precomputed chain,
/// so a validator checks each proof against records that really exist in the zone.
/// </summary>
public static class DnssecAnswer
{
    public static Answer Resolve(ZoneSet zones, DnsName qname, DnsType qtype, bool dnssecOk)
    {
        var zone = zones.FindZone(qname);
        if (zone is null || ZoneSigner.Find(zone) is not { } signed)
            return Lookup.Resolve(zones, qname, qtype);

        // NSEC and RRSIG are not in the zone's own nodes (see SignedZone): asked for by name, they
        // are answered from the signed data, as NSD and BIND answer them.
        if (qtype is DnsType.NSEC or DnsType.RRSIG && zone.Find(qname) is { Sets.Count: > 0 } node
            && (qtype == DnsType.NSEC ? signed.Nsec(node.Name) : signed.SignaturesAt(node.Name)) is { } meta)
        {
            var direct = new Answer { Rcode = DnsRcode.NoError, Authoritative = true };
            direct.AnswerSection.Add(new AnswerSet(qname, meta, meta.Ttl));
            return dnssecOk && qtype == DnsType.NSEC ? Prove(direct, signed, qname) : direct;
        }

        var answer = Lookup.Resolve(zones, qname, qtype);
        return dnssecOk ? Prove(answer, signed, qname) : answer;
    }

    /// <summary>The answer with RRSIGs beside every signed RRset and the NSEC proofs it needs.</summary>
    public static Answer Prove(Answer answer, SignedZone signed, DnsName qname)
    {
        var zone = signed.Zone;
        var proved = new Answer { Rcode = answer.Rcode, Authoritative = answer.Authoritative };
        AddSigned(proved.AnswerSection, answer.AnswerSection, signed);
        AddSigned(proved.AuthoritySection, answer.AuthoritySection, signed);

        var proofs = new List<RRset>();
        void Prove(RRset? nsec)
        {
            if (nsec is not null && !proofs.Any(p => p.Name.Equals(nsec.Name)))
                proofs.Add(nsec);
        }

        // RFC 4035 §3.1.3.3: a wildcard answer proves that no closer name matched.
        foreach (var a in answer.AnswerSection)
            if (!a.Owner.Equals(a.Set.Name) && a.Set.Type != DnsType.RRSIG)
                Prove(signed.Covering(a.Owner));

        bool referral = !answer.Authoritative && answer.AuthoritySection.Count > 0 && answer.AuthoritySection[0].Set.Type == DnsType.NS;
        bool negative = answer.Authoritative && answer.AuthoritySection.Any(a => a.Set.Type == DnsType.SOA);
        if (referral)
        {
            // RFC 4035 §3.1.4: the DS RRset with its signature, or the NSEC that proves there is none.
            var cut = answer.AuthoritySection[0].Set.Name;
            if (zone.Find(cut)?.Get(DnsType.DS) is { } ds)
                AddSigned(proved.AuthoritySection, [new AnswerSet(cut, ds, ds.Ttl)], signed);
            else
                Prove(signed.Nsec(cut));
        }
        else if (negative)
        {
            // The name the answer ends at: the question, or the last in-zone CNAME's target.
            var last = answer.AnswerSection.LastOrDefault(a => a.Set.Type == DnsType.CNAME);
            var final = last.Set is null ? qname : ((NameRData)last.Set.Records[0]).Target;
            var node = zone.Find(final);
            if (node is { Sets.Count: > 0 })
            {
                // §3.1.3.1 NODATA: the name's own NSEC shows the type is absent.
                Prove(signed.Nsec(node.Name));
            }
            else if (node is not null)
            {
                // An empty non-terminal owns no NSEC: the one covering it shows it has no types (RFC 4035 §3.1.3.2, RFC 5155 §7.2.3's wording for NSEC).
                Prove(signed.Covering(final));
            }
            else
            {
                var encloser = ClosestEncloser(zone, final);
                var wildcard = encloser.Prepend("*");
                Prove(signed.Covering(final));
                if (zone.Find(wildcard) is { Sets.Count: > 0 } wild)
                    Prove(signed.Nsec(wild.Name)); // §3.1.3.4: wildcard NODATA
                else
                    Prove(signed.Covering(wildcard)); // §3.1.3.2: NXDOMAIN, no wildcard either
            }
        }
        foreach (var nsec in proofs)
            AddSigned(proved.AuthoritySection, [new AnswerSet(nsec.Name, nsec, nsec.Ttl)], signed);

        // §3.1.1: the additional section's RRsets bring their signatures too when they fit (glue has none).
        AddSigned(proved.AdditionalSection, answer.AdditionalSection, signed);
        return proved;
    }

    private static void AddSigned(List<AnswerSet> into, List<AnswerSet> sets, SignedZone signed)
    {
        foreach (var a in sets)
        {
            into.Add(a);
            if (a.Set.Type != DnsType.RRSIG && signed.Signature(a.Set.Name, a.Set.Type) is { } rrsig)
                into.Add(new AnswerSet(a.Owner, rrsig, a.Ttl));
        }
    }

    private static DnsName ClosestEncloser(Zone zone, DnsName name)
    {
        var up = name.Parent();
        while (up.LabelCount > zone.Apex.LabelCount && zone.Find(up) is null)
            up = up.Parent();
        return up;
    }
}
