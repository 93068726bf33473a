using Letterbox.Dns.Answering;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Tests;

public class AnswerTests
{
    private readonly Responder _responder = new(TestZone.Zones());

    private DnsMessage Ask(string name, DnsType type, ushort? edns = null, bool tcp = false) => TestZone.Ask(_responder, name, type, edns, tcp);

    private static string[] Texts(IEnumerable<ResourceRecord> rrs) => rrs.Select(r => $"{r.Name.Key} {r.Type} {r.Data.ToText()}").ToArray();

    [Fact]
    public void A_name_and_type_that_exist_get_an_authoritative_answer()
    {
        var m = Ask("mail.example.test.", DnsType.A);
        Assert.True(m.Header.Authoritative);
        Assert.Equal(DnsRcode.NoError, m.Rcode);
        Assert.Equal(["mail.example.test. A 192.0.2.25"], Texts(m.Answers));
        Assert.Empty(m.Authority);
    }

    [Fact]
    public void The_question_case_is_kept_in_question_and_answer()
    {
        var m = Ask("MaIl.ExAmPlE.test.", DnsType.AAAA);
        Assert.Equal("MaIl.ExAmPlE.test.", m.Questions[0].Name.ToString());
        Assert.Equal("MaIl.ExAmPlE.test.", m.Answers[0].Name.ToString());
        // Asked again in another case, from the kept response: still the asker's case.
        var again = Ask("MAIL.example.TEST.", DnsType.AAAA);
        Assert.Equal("MAIL.example.TEST.", again.Answers[0].Name.ToString());
    }

    [Fact]
    public void A_missing_type_is_nodata_with_the_soa_for_negative_caching()
    {
        var m = Ask("mail.example.test.", DnsType.MX);
        Assert.Equal(DnsRcode.NoError, m.Rcode);
        Assert.True(m.Header.Authoritative);
        Assert.Empty(m.Answers);
        var soa = Assert.Single(m.Authority);
        Assert.Equal(DnsType.SOA, soa.Type);
        Assert.Equal((uint)300, soa.Ttl); // RFC 2308 §3: min(SOA TTL, MINIMUM)
    }

    [Fact]
    public void A_missing_name_is_nxdomain_with_the_soa()
    {
        var m = Ask("nope.example.test.", DnsType.A);
        Assert.Equal(DnsRcode.NXDomain, m.Rcode);
        Assert.True(m.Header.Authoritative);
        Assert.Equal(DnsType.SOA, Assert.Single(m.Authority).Type);
    }

    [Fact]
    public void An_empty_non_terminal_is_nodata_not_nxdomain()
    {
        Assert.Equal(DnsRcode.NoError, Ask("deep.example.test.", DnsType.A).Rcode);
        Assert.Equal(DnsRcode.NoError, Ask("b.deep.example.test.", DnsType.A).Rcode);
        Assert.Equal(DnsRcode.NXDomain, Ask("c.deep.example.test.", DnsType.A).Rcode);
    }

    [Fact]
    public void Cnames_inside_the_zone_are_followed()
    {
        var m = Ask("chain.example.test.", DnsType.A);
        Assert.Equal(["chain.example.test. CNAME www.example.test.", "www.example.test. CNAME mail.example.test.", "mail.example.test. A 192.0.2.25"], Texts(m.Answers));
        var cname = Ask("www.example.test.", DnsType.CNAME);
        Assert.Equal(["www.example.test. CNAME mail.example.test."], Texts(cname.Answers));
    }

    [Fact]
    public void A_cname_to_nothing_is_nxdomain_and_one_leaving_the_zone_stops_there()
    {
        var dangling = Ask("dangling.example.test.", DnsType.A);
        Assert.Equal(DnsRcode.NXDomain, dangling.Rcode);
        Assert.Single(dangling.Answers);
        var outside = Ask("outside.example.test.", DnsType.A);
        Assert.Equal(DnsRcode.NoError, outside.Rcode);
        Assert.Equal(["outside.example.test. CNAME host.elsewhere.test."], Texts(outside.Answers));
    }

    [Fact]
    public void Wildcards_answer_for_names_that_do_not_exist_under_the_query_name()
    {
        var m = Ask("anything.wild.example.test.", DnsType.TXT);
        Assert.Equal(["anything.wild.example.test. TXT \"wildcard\""], Texts(m.Answers));
        Assert.True(m.Header.Authoritative);
        // RFC 4592 §2.2.1: deeper names match too, and a wildcard without the type is NODATA.
        Assert.Single(Ask("x.y.wild.example.test.", DnsType.MX).Answers);
        var nodata = Ask("z.wild.example.test.", DnsType.AAAA);
        Assert.Equal(DnsRcode.NoError, nodata.Rcode);
        Assert.Empty(nodata.Answers);
        // The wildcard does not cover its own parent.
        Assert.Equal(DnsRcode.NoError, Ask("wild.example.test.", DnsType.TXT).Rcode);
        Assert.Empty(Ask("wild.example.test.", DnsType.TXT).Answers);
    }

    [Fact]
    public void Names_at_or_below_a_delegation_get_a_referral_with_glue()
    {
        foreach (var name in new[] { "child.example.test.", "www.child.example.test." })
        {
            var m = Ask(name, DnsType.A);
            Assert.False(m.Header.Authoritative);
            Assert.Equal(DnsRcode.NoError, m.Rcode);
            Assert.Empty(m.Answers);
            Assert.Equal(["child.example.test. NS ns1.child.example.test.", "child.example.test. NS ns.elsewhere.test."], Texts(m.Authority));
            Assert.Equal(["ns1.child.example.test. A 192.0.2.53"], Texts(m.Additional));
        }
        // RFC 4035 §3.1.4.1: the DS of a child is the parent's to answer.
        var ds = Ask("child.example.test.", DnsType.DS);
        Assert.True(ds.Header.Authoritative);
        Assert.Equal(DnsType.SOA, Assert.Single(ds.Authority).Type);
    }

    [Fact]
    public void Names_outside_our_zones_are_refused()
    {
        var m = Ask("example.org.", DnsType.A);
        Assert.Equal(DnsRcode.Refused, m.Rcode);
        Assert.False(m.Header.Authoritative);
        Assert.Equal(DnsRcode.Refused, Ask(".", DnsType.NS).Rcode);
    }

    [Fact]
    public void Edns_is_echoed_and_a_higher_version_gets_badvers()
    {
        var m = Ask("example.test.", DnsType.MX, edns: 4096);
        Assert.Equal((ushort)Responder.OurPayloadSize, m.Edns!.Value.PayloadSize);

        var w = new DnsWriter();
        w.WriteHeader(new DnsHeader { Id = 1, QdCount = 1, ArCount = 1 });
        w.WriteName(DnsName.Parse("example.test."));
        w.WriteUInt16((ushort)DnsType.A);
        w.WriteUInt16((ushort)DnsClass.IN);
        DnsMessage.WriteOpt(w, 1232, 0, version: 1, false);
        var buffer = new byte[65535];
        int n = _responder.Respond(w.Written, buffer, tcp: false);
        var bad = DnsMessage.Parse(buffer.AsSpan(0, n));
        Assert.Equal(DnsRcode.BadVers, bad.Rcode);
        Assert.Equal(0, bad.Edns!.Value.Version);
        Assert.Empty(bad.Answers);
    }

    [Fact]
    public void An_answer_too_big_for_udp_is_truncated_and_whole_over_tcp()
    {
        var text = TestZone.Text + "\n" + string.Concat(Enumerable.Range(1, 40).Select(i => $"big IN TXT \"{new string('x', 60)}{i}\"\n"));
        var zones = new Letterbox.Dns.Zones.ZoneSet([Letterbox.Dns.Zones.Zone.Build(DnsName.Parse("example.test."),
            Letterbox.Dns.Zones.MasterFile.Read(text, DnsName.Parse("example.test."), "test"))]);
        var responder = new Responder(zones);
        var udp = TestZone.Ask(responder, "big.example.test.", DnsType.TXT);
        Assert.True(udp.Header.Truncated);
        Assert.Empty(udp.Answers);
        var edns = TestZone.Ask(responder, "big.example.test.", DnsType.TXT, edns: 4096);
        Assert.True(edns.Header.Truncated); // 40 x ~75 octets is more than our 1232
        var tcp = TestZone.Ask(responder, "big.example.test.", DnsType.TXT, tcp: true);
        Assert.False(tcp.Header.Truncated);
        Assert.Equal(40, tcp.Answers.Count);
    }

    [Fact]
    public void Other_classes_are_refused_and_meta_types_not_implemented()
    {
        var w = new DnsWriter();
        w.WriteHeader(new DnsHeader { Id = 1, QdCount = 1 });
        w.WriteName(DnsName.Parse("example.test."));
        w.WriteUInt16((ushort)DnsType.A);
        w.WriteUInt16((ushort)DnsClass.CH);
        var buffer = new byte[65535];
        int n = _responder.Respond(w.Written, buffer, tcp: false);
        Assert.Equal(DnsRcode.Refused, DnsMessage.Parse(buffer.AsSpan(0, n)).Rcode);
        Assert.Equal(DnsRcode.NotImp, Ask("example.test.", DnsType.MAILB).Rcode);
        Assert.Equal(DnsRcode.Refused, Ask("example.test.", DnsType.AXFR).Rcode);
    }

    [Fact]
    public void Malformed_queries_get_formerr_with_their_id_and_responses_get_nothing()
    {
        var buffer = new byte[65535];
        byte[] twoQuestions = [0x12, 0x34, 0x01, 0x00, 0, 2, 0, 0, 0, 0, 0, 0];
        int n = _responder.Respond(twoQuestions, buffer, tcp: false);
        var m = DnsMessage.Parse(buffer.AsSpan(0, n));
        Assert.Equal(0x1234, m.Header.Id);
        Assert.Equal(DnsRcode.FormErr, m.Rcode);
        Assert.True(m.Header.RecursionDesired);
        Assert.Equal(0, _responder.Respond([0x12, 0x34, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0], buffer, tcp: false));
        Assert.Equal(0, _responder.Respond([1, 2, 3], buffer, tcp: false));
    }

    [Fact]
    public void Any_gets_one_rrset_as_rfc_8482_allows()
    {
        Assert.Equal(DnsType.SOA, Assert.Single(Ask("example.test.", DnsType.ANY, tcp: true).Answers).Type);
        Assert.Equal(DnsType.A, Assert.Single(Ask("mail.example.test.", DnsType.ANY).Answers).Type);
    }

    [Fact]
    public void An_ns_answer_carries_the_in_zone_name_server_addresses()
    {
        var m = Ask("example.test.", DnsType.NS);
        Assert.Equal(["example.test. NS mail.example.test."], Texts(m.Answers));
        Assert.Equal(["mail.example.test. A 192.0.2.25", "mail.example.test. AAAA 2001:db8::25"], Texts(m.Additional));
    }
}

public class CookieTests
{
    private static byte[] QueryWithCookie(int cookieLength)
    {
        var w = new DnsWriter();
        w.WriteHeader(new DnsHeader { Id = 5, QdCount = 1, ArCount = 1 });
        w.WriteName(DnsName.Parse("example.test."));
        w.WriteUInt16((ushort)DnsType.MX);
        w.WriteUInt16((ushort)DnsClass.IN);
        w.WriteByte(0);
        w.WriteUInt16((ushort)DnsType.OPT);
        w.WriteUInt16(1232);
        w.WriteUInt32(0);
        w.WriteUInt16((ushort)(4 + cookieLength));
        w.WriteUInt16(DnsQuery.CookieOption);
        w.WriteUInt16((ushort)cookieLength);
        for (int i = 0; i < cookieLength; i++)
            w.WriteByte((byte)(0xA0 + i));
        return w.ToArray();
    }

    private sealed class FixedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);
    }

    [Fact]
    public void A_client_cookie_comes_back_with_a_server_cookie_for_that_address()
    {
        var responder = new Responder(TestZone.Zones(), new FixedClock());
        var buffer = new byte[65535];
        var query = QueryWithCookie(8);
        int n = responder.Respond(query, buffer, tcp: false, [192, 0, 2, 1]);
        var m = DnsMessage.Parse(buffer.AsSpan(0, n));
        Assert.Single(m.Answers);
        // The OPT's last 28 octets: option 10, length 24, our client cookie, then 16 octets of server cookie.
        var option = buffer.AsSpan(n - 28, 28).ToArray();
        Assert.Equal([0, 10, 0, 24], option[..4]);
        Assert.Equal(query[^8..], option[4..12]);
        Assert.Equal(1, option[12]); // version 1 (RFC 9018 layout)

        // Another address gets another server cookie; a repeat from the same one (same time) the same.
        int again = responder.Respond(query, buffer, tcp: false, [192, 0, 2, 1]);
        var same = buffer.AsSpan(again - 8, 8).ToArray();
        int other = responder.Respond(query, buffer, tcp: false, [192, 0, 2, 2]);
        Assert.NotEqual(same, buffer.AsSpan(other - 8, 8).ToArray());
        Assert.Equal(option[20..], same);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(12)]
    [InlineData(41)]
    public void Malformed_cookies_are_formerr(int length)
    {
        var responder = new Responder(TestZone.Zones());
        var buffer = new byte[65535];
        int n = responder.Respond(QueryWithCookie(length), buffer, tcp: false, [192, 0, 2, 1]);
        Assert.Equal(DnsRcode.FormErr, DnsMessage.Parse(buffer.AsSpan(0, n)).Rcode);
    }
}
