using Letterbox.Dns.Zones;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Answering;

/// <summary>An RRset as it goes into a response, under the owner name to print (a wildcard's answer is owned by the query name).</summary>
public readonly record struct AnswerSet(DnsName Owner, RRset Set, uint Ttl);

/// <summary>The outcome of a lookup, before it is written for a particular client.</summary>
public sealed class Answer
{
    public DnsRcode Rcode { get; init; }
    public bool Authoritative { get; init; }
    public List<AnswerSet> AnswerSection { get; } = [];
    public List<AnswerSet> AuthoritySection { get; } = [];
    public List<AnswerSet> AdditionalSection { get; } = [];

    public static Answer Refused { get; } = new() { Rcode = DnsRcode.Refused };
}
