using System.Security.Cryptography;
using Letterbox.Dns.Answering;
using Letterbox.Dns.Dnssec;
using Letterbox.Dns.Zones;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Tests;

/// <summary>The DNSSEC building blocks against the RFCs' own examples: key tag, DS digest, NSEC bitmap, canonical order and form, signatures.</summary>
public class DnssecFormatTests
{
    // RFC 6605 §6.1: the example P-256 key of example.net., its DS, and a signature made with it.
    private const string Rfc6605Key = "GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==";

    private static DnskeyRData ExampleKey => new(257, 3, 13, Convert.FromBase64String(Rfc6605Key));

    [Fact]
    public void Key_tag_and_ds_digest_match_rfc_6605()
    {
        Assert.Equal(55648, ExampleKey.KeyTag());
        var ds = DsRData.Of(DnsName.Parse("example.net."), ExampleKey);
        Assert.Equal("55648 13 2 B4C8C1FE2E7477127B27115656AD6256F424625BF5C1E2770CE6D6E37DF61D17", ds.ToText());
        // The owner's case does not matter: the digest is over its canonical (lower-case) form.
        Assert.Equal(ds.Digest, DsRData.Of(DnsName.Parse("Example.NET."), ExampleKey).Digest);
    }

    [Fact]
    public void The_rfc_6605_signature_verifies_over_our_signing_data()
    {
        // RFC 6605 §6.1: www.example.net. 3600 IN A 192.0.2.1 and its RRSIG.
        var rrsig = new RrsigRData(DnsType.A, 13, 3, 3600, Seconds("20100909100439"), Seconds("20100812100439"), 55648,
            DnsName.Parse("example.net."), Convert.FromBase64String("qx6wLYqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXAyGmt+3SNruPFKG7tZoLBLlUzGGus7ZwmwWep666VCw=="));
        var data = ZoneSigner.SigningData(rrsig, DnsName.Parse("WWW.example.net."), [new AddressRData(System.Net.IPAddress.Parse("192.0.2.1"))]);
        using var ecdsa = PublicKey(ExampleKey);
        Assert.True(ecdsa.VerifyData(data, rrsig.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        // One octet off (the TTL) and it fails: the test can tell right signing data from wrong.
        var wrong = ZoneSigner.SigningData(new RrsigRData(DnsType.A, 13, 3, 3601, rrsig.Expiration, rrsig.Inception, 55648, rrsig.Signer, []),
            DnsName.Parse("www.example.net."), [new AddressRData(System.Net.IPAddress.Parse("192.0.2.1"))]);
        Assert.False(ecdsa.VerifyData(wrong, rrsig.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Fact]
    public void Nsec_rdata_is_the_rfc_4034_example_on_the_wire()
    {
        // RFC 4034 §4.3: host.example.com. NSEC host.example.com. A MX RRSIG NSEC TYPE1234
        var nsec = new NsecRData(DnsName.Parse("host.example.com."), [DnsType.A, DnsType.MX, DnsType.RRSIG, DnsType.NSEC, (DnsType)1234]);
        var w = new DnsWriter();
        nsec.Write(w);
        byte[] expected =
        [
            4, .. "host"u8, 7, .. "example"u8, 3, .. "com"u8, 0,
            0x00, 0x06, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03,
            0x04, 0x1b, .. new byte[26], 0x20,
        ];
        Assert.Equal(expected, w.ToArray());
        var back = (NsecRData)RData.Read(DnsType.NSEC, expected, 0, expected.Length);
        Assert.Equal([DnsType.A, DnsType.MX, DnsType.RRSIG, DnsType.NSEC, (DnsType)1234], back.Types);
        Assert.Equal("host.example.com. A MX RRSIG NSEC TYPE1234", back.ToText());
    }

    [Theory]
    [InlineData(new byte[] { 0, 0 })]                  // a window of zero octets
    [InlineData(new byte[] { 0, 33, 1 })]              // longer than 32
    [InlineData(new byte[] { 0, 1, 0x40, 0, 1, 0x40 })] // windows out of order
    [InlineData(new byte[] { 0, 4, 0x40 })]            // runs past the RDATA
    [InlineData(new byte[] { 0 })]                     // half a window header
    public void A_malformed_nsec_bitmap_is_a_format_error(byte[] bitmap)
    {
        byte[] rdata = [0, .. bitmap]; // next name: the root
        Assert.Throws<DnsFormatException>(() => RData.Read(DnsType.NSEC, rdata, 0, rdata.Length));
    }

    [Theory]
    [InlineData(DnsType.DNSKEY, new byte[] { 1, 1, 3 })]
    [InlineData(DnsType.DS, new byte[] { 0, 1 })]
    [InlineData(DnsType.RRSIG, new byte[] { 0, 1, 13, 2, 0, 0, 0, 0 })]
    [InlineData(DnsType.RRSIG, new byte[] { 0, 1, 13, 2, 0, 0, 14, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 63 })] // signer label runs off
    public void Short_or_broken_dnssec_rdata_is_a_format_error(DnsType type, byte[] rdata) =>
        Assert.Throws<DnsFormatException>(() => RData.Read(type, rdata, 0, rdata.Length));

    [Fact]
    public void Random_dnssec_rdata_is_read_or_refused_but_never_crashes_the_reader()
    {
        var random = new Random(4034);
        for (int i = 0; i < 20_000; i++)
        {
            var rdata = new byte[random.Next(0, 80)];
            random.NextBytes(rdata);
            var type = (DnsType[])[DnsType.DNSKEY, DnsType.DS, DnsType.RRSIG, DnsType.NSEC];
            try
            {
                var data = RData.Read(type[i % 4], rdata, 0, rdata.Length);
                // What was read writes back to no more octets than it came from (names may only shrink by case, never grow).
                var w = new DnsWriter();
                data.Write(w);
                Assert.True(w.Position <= rdata.Length, $"{type[i % 4]} {Convert.ToHexString(rdata)}");
            }
            catch (DnsFormatException)
            {
            }
        }
    }

    [Fact]
    public void Names_sort_in_rfc_4034_canonical_order()
    {
        // RFC 4034 §6.1's example list, given shuffled.
        string[] expected = ["example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.", "zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.", "\\200.z.example."];
        var shuffled = expected.Reverse().Select(n => DnsName.Parse(n)).ToList();
        Assert.Equal(expected, shuffled.Order(CanonicalNameOrder.Instance).Select(n => n.ToString()));
    }

    [Fact]
    public void Canonical_rdata_is_lower_case_and_uncompressed()
    {
        var soa = new SoaRData(DnsName.Parse("NS.Example.test."), DnsName.Parse("Hostmaster.EXAMPLE.test."), 1, 2, 3, 4, 5);
        var bytes = ZoneSigner.CanonicalRData(soa);
        byte[] expected = [2, .. "ns"u8, 7, .. "example"u8, 4, .. "test"u8, 0, 10, .. "hostmaster"u8, 7, .. "example"u8, 4, .. "test"u8, 0,
            0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void Signing_data_orders_rdata_canonically_and_drops_duplicates()
    {
        var rrsig = new RrsigRData(DnsType.A, 13, 2, 60, 2, 1, 7, DnsName.Parse("example.test."), []);
        var owner = DnsName.Parse("A.example.test.");
        RData x = new AddressRData(System.Net.IPAddress.Parse("192.0.2.9")), y = new AddressRData(System.Net.IPAddress.Parse("192.0.2.10"));
        var one = ZoneSigner.SigningData(rrsig, owner, [x, y, x]);
        var two = ZoneSigner.SigningData(rrsig, owner, [y, x]);
        Assert.Equal(one, two);
        // RRSIG RDATA (18 octets + signer 14), then two RRs of owner (16) + 10 + 4 octets each, 192.0.2.9 first (octet order).
        Assert.Equal(18 + 14 + 2 * (16 + 10 + 4), one.Length);
        Assert.Equal([192, 0, 2, 9], one.AsSpan(18 + 14 + 26, 4).ToArray());
        Assert.Equal((byte)'a', one[18 + 14 + 1]);
    }

    private static uint Seconds(string stamp) =>
        (uint)DateTimeOffset.ParseExact(stamp, "yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal).ToUnixTimeSeconds();

    internal static ECDsa PublicKey(DnskeyRData key) => ECDsa.Create(new ECParameters
    {
        Curve = ECCurve.NamedCurves.nistP256,
        Q = new ECPoint { X = key.PublicKey[..32], Y = key.PublicKey[32..] },
    });
}

/// <summary>A signed zone and the responder's answers with and without DO (RFC 4035 §3.1).</summary>
public class DnssecAnswerTests
{
    // A Thursday in 2026 well inside one signing epoch; the zone's serial (1) is older, so the served serial is the epoch's.
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 3, 0, 0, TimeSpan.Zero);
    private static readonly DnssecKey Key = DnssecKey.Create(DnsName.Parse("example.test."));
    private static readonly SignedZone Signed = ZoneSigner.SignZone(TestZone.Zones().Zones.Single(), Key, Now);
    private readonly Responder _signed = new(new ZoneSet([Signed.Zone]));

    private static DnsMessage AskDo(Responder responder, string name, DnsType type, ushort payload = 1232, bool tcp = false)
    {
        var w = new DnsWriter();
        w.WriteHeader(new DnsHeader { Id = 0x4242, QdCount = 1, ArCount = 1 });
        w.WriteName(DnsName.Parse(name));
        w.WriteUInt16((ushort)type);
        w.WriteUInt16((ushort)DnsClass.IN);
        DnsMessage.WriteOpt(w, payload, 0, 0, dnssecOk: true);
        var buffer = new byte[65535];
        int n = responder.Respond(w.Written, buffer, tcp);
        Assert.True(n > 0);
        var m = DnsMessage.Parse(buffer.AsSpan(0, n));
        Assert.True(m.Edns?.DnssecOk, "RFC 3225 §3: the DO bit is copied into the response");
        return m;
    }

    private static string[] Sigs(IEnumerable<ResourceRecord> section) =>
        section.Where(r => r.Type == DnsType.RRSIG).Select(r => $"{r.Name.Key} {((RrsigRData)r.Data).TypeCovered}").ToArray();

    private static string[] Nsecs(IEnumerable<ResourceRecord> section) =>
        section.Where(r => r.Type == DnsType.NSEC).Select(r => $"{r.Name.Key} {r.Data.ToText()}").ToArray();

    /// <summary>Checks every RRSIG in a response against the RRset it covers, as a validator would.</summary>
    private static void AllSignaturesVerify(DnsMessage m)
    {
        using var ecdsa = DnssecFormatTests.PublicKey(Key.Dnskey);
        foreach (var section in new[] { m.Answers, m.Authority, m.Additional })
        {
            foreach (var sig in section.Where(r => r.Type == DnsType.RRSIG))
            {
                var rrsig = (RrsigRData)sig.Data;
                var covered = section.Where(r => r.Name.Equals(sig.Name) && r.Type == rrsig.TypeCovered).Select(r => r.Data).ToList();
                Assert.NotEmpty(covered);
                // RFC 4035 §5.3.2: a wildcard expansion is checked at "*." + the signature's label count.
                var owner = sig.Name.LabelCount > rrsig.Labels ? sig.Name.Suffix(sig.Name.LabelCount - rrsig.Labels).Prepend("*") : sig.Name;
                var data = ZoneSigner.SigningData(rrsig, owner, covered);
                Assert.True(ecdsa.VerifyData(data, rrsig.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
                    $"bad signature over {sig.Name} {rrsig.TypeCovered}");
                Assert.Equal(Key.KeyTag, rrsig.KeyTag);
            }
        }
    }

    [Fact]
    public void The_signed_zone_has_a_dnskey_and_a_closed_nsec_chain_over_authoritative_names()
    {
        Assert.Equal(Key.Dnskey, Signed.Zone.Find(DnsName.Parse("example.test."))!.Get(DnsType.DNSKEY)!.Records.Single());
        Assert.Equal(
            ["example.test.", "_imaps._tcp.example.test.", "chain.example.test.", "child.example.test.",
             "dangling.example.test.", "a.b.deep.example.test.", "mail.example.test.", "outside.example.test.", "*.wild.example.test.", "www.example.test."],
            Signed.Chain.Select(n => n.Key));
        // Glue below the delegation is neither in the chain nor signed; the cut's NSEC shows NS and no DS.
        Assert.Null(Signed.Signature(DnsName.Parse("ns1.child.example.test."), DnsType.A));
        Assert.Null(Signed.Signature(DnsName.Parse("child.example.test."), DnsType.NS));
        Assert.Equal("dangling.example.test. NS RRSIG NSEC", Signed.Nsec(DnsName.Parse("child.example.test."))!.Records[0].ToText());
        Assert.Equal("_imaps._tcp.example.test. NS SOA MX TXT RRSIG NSEC DNSKEY", Signed.Nsec(DnsName.Parse("example.test."))!.Records[0].ToText());
        Assert.Equal("example.test. CNAME RRSIG NSEC", Signed.Nsec(DnsName.Parse("www.example.test."))!.Records[0].ToText());
        // The wildcard's signature counts the labels without the "*".
        Assert.Equal(3, ((RrsigRData)Signed.Signature(DnsName.Parse("*.wild.example.test."), DnsType.TXT)!.Records[0]).Labels);
        // Validity: from an hour before the epoch to three weeks after it.
        var soaSig = (RrsigRData)Signed.Signature(DnsName.Parse("example.test."), DnsType.SOA)!.Records[0];
        long epoch = ZoneSigner.EpochOf(Now);
        Assert.Equal(epoch - 3600, soaSig.Inception);
        Assert.Equal(epoch + 21 * 86400, soaSig.Expiration);
        Assert.True(epoch <= Now.ToUnixTimeSeconds() && Now.ToUnixTimeSeconds() - epoch < 7 * 86400);
        Assert.Equal((uint)epoch, Signed.Zone.Soa.Serial);
    }

    [Fact]
    public void Without_do_answers_are_byte_for_byte_those_of_the_unsigned_zone()
    {
        var plain = new Responder(new ZoneSet([Signed.Zone.WithSerial(Signed.Zone.Soa.Serial)]));
        foreach (var name in new[] { "example.test.", "mail.example.test.", "www.example.test.", "nope.example.test.", "x.wild.example.test.", "host.child.example.test.", "deep.example.test." })
        {
            foreach (var type in new[] { DnsType.A, DnsType.MX, DnsType.TXT, DnsType.SOA, DnsType.NS, DnsType.DS, DnsType.ANY })
            {
                foreach (ushort? edns in new ushort?[] { null, 1232 })
                {
                    var query = DnsMessage.Query(7, DnsName.Parse(name), type, edns);
                    byte[] a = new byte[65535], b = new byte[65535];
                    int na = _signed.Respond(query, a, tcp: false), nb = plain.Respond(query, b, tcp: false);
                    Assert.True(a.AsSpan(0, na).SequenceEqual(b.AsSpan(0, nb)), $"{name} {type} edns={edns}");
                }
            }
        }
    }

    [Fact]
    public void A_positive_answer_with_do_carries_its_rrsig()
    {
        var m = AskDo(_signed, "MAIL.example.test.", DnsType.A);
        Assert.Equal(["mail.example.test. A"], Sigs(m.Answers));
        Assert.Empty(m.Authority);
        Assert.False(m.Header.AuthenticData); // an authoritative server never sets AD
        AllSignaturesVerify(m);
    }

    [Fact]
    public void Nxdomain_proves_the_name_and_the_wildcard_absent()
    {
        var m = AskDo(_signed, "nope.example.test.", DnsType.A);
        Assert.Equal(DnsRcode.NXDomain, m.Rcode);
        // nope sorts between mail and outside; *.example.test between the apex and _imaps._tcp.
        Assert.Equal(["mail.example.test. outside.example.test. A AAAA RRSIG NSEC", "example.test. _imaps._tcp.example.test. NS SOA MX TXT RRSIG NSEC DNSKEY"], Nsecs(m.Authority));
        Assert.Equal(["example.test. SOA", "mail.example.test. NSEC", "example.test. NSEC"], Sigs(m.Authority));
        AllSignaturesVerify(m);
    }

    [Fact]
    public void Nodata_shows_the_names_own_nsec_and_an_empty_non_terminal_the_covering_one()
    {
        var m = AskDo(_signed, "mail.example.test.", DnsType.MX);
        Assert.Equal(DnsRcode.NoError, m.Rcode);
        Assert.Equal(["mail.example.test. outside.example.test. A AAAA RRSIG NSEC"], Nsecs(m.Authority));
        var ent = AskDo(_signed, "b.deep.example.test.", DnsType.A);
        Assert.Equal(DnsRcode.NoError, ent.Rcode);
        Assert.Equal(["dangling.example.test. a.b.deep.example.test. CNAME RRSIG NSEC"], Nsecs(ent.Authority));
        AllSignaturesVerify(m);
        AllSignaturesVerify(ent);
    }

    [Fact]
    public void Wildcard_answers_and_wildcard_nodata_bring_their_proofs()
    {
        var m = AskDo(_signed, "x.wild.example.test.", DnsType.TXT);
        Assert.Equal("x.wild.example.test.", m.Answers[0].Name.Key);
        Assert.Equal(["x.wild.example.test. TXT"], Sigs(m.Answers));
        Assert.Equal(3, ((RrsigRData)m.Answers[1].Data).Labels); // fewer than the owner's 4: the answer came from a wildcard
        // No closer name exists: the NSEC after *.wild covers x.wild.
        Assert.Equal(["*.wild.example.test. www.example.test. MX TXT RRSIG NSEC"], Nsecs(m.Authority));
        AllSignaturesVerify(m);
        var nodata = AskDo(_signed, "x.wild.example.test.", DnsType.A);
        Assert.Empty(nodata.Answers);
        // The same NSEC proves both: x.wild does not exist, and the wildcard has no A.
        Assert.Equal(["*.wild.example.test. www.example.test. MX TXT RRSIG NSEC"], Nsecs(nodata.Authority));
        AllSignaturesVerify(nodata);
    }

    [Fact]
    public void A_cname_chain_signs_each_link_and_a_dangling_one_proves_its_target_absent()
    {
        var m = AskDo(_signed, "chain.example.test.", DnsType.A);
        Assert.Equal(["chain.example.test. CNAME", "www.example.test. CNAME", "mail.example.test. A"], Sigs(m.Answers));
        AllSignaturesVerify(m);
        var dangling = AskDo(_signed, "dangling.example.test.", DnsType.A);
        Assert.Equal(DnsRcode.NXDomain, dangling.Rcode);
        Assert.Contains("mail.example.test. outside.example.test. A AAAA RRSIG NSEC", Nsecs(dangling.Authority)); // covers nowhere.example.test.
        AllSignaturesVerify(dangling);
    }

    [Fact]
    public void A_referral_proves_the_delegation_unsigned_and_leaves_glue_unsigned()
    {
        var m = AskDo(_signed, "host.child.example.test.", DnsType.A);
        Assert.False(m.Header.Authoritative);
        Assert.Equal(["child.example.test. dangling.example.test. NS RRSIG NSEC"], Nsecs(m.Authority));
        Assert.Equal(["child.example.test. NSEC"], Sigs(m.Authority));
        Assert.Empty(Sigs(m.Additional));
        Assert.Contains(m.Additional, r => r.Type == DnsType.A);
        AllSignaturesVerify(m);
    }

    [Fact]
    public void A_signed_delegation_refers_with_its_signed_ds()
    {
        var apex = DnsName.Parse("example.test.");
        var child = DnsName.Parse("child.example.test.");
        var ds = new DsRData(12345, 13, 2, new byte[32]);
        var zone = Zone.Build(apex, TestZone.Zones().Zones.Single().Records().Append(new ResourceRecord(child, 3600, ds)));
        var signed = ZoneSigner.SignZone(zone, Key, Now);
        Assert.Equal("dangling.example.test. NS DS RRSIG NSEC", signed.Nsec(child)!.Records[0].ToText());
        var m = AskDo(new Responder(new ZoneSet([signed.Zone])), "host.child.example.test.", DnsType.A);
        Assert.False(m.Header.Authoritative);
        // RFC 4035 §3.1.4: NS (unsigned), then the DS with its signature; no NSEC needed.
        Assert.Equal([DnsType.NS, DnsType.NS, DnsType.DS, DnsType.RRSIG], m.Authority.Select(r => r.Type));
        Assert.Equal(["child.example.test. DS"], Sigs(m.Authority));
    }

    [Fact]
    public void Dnskey_nsec_and_rrsig_can_be_asked_for_by_type()
    {
        var keys = AskDo(_signed, "example.test.", DnsType.DNSKEY);
        Assert.Equal(Key.Dnskey, Assert.Single(keys.Answers, r => r.Type == DnsType.DNSKEY).Data);
        Assert.Equal(["example.test. DNSKEY"], Sigs(keys.Answers));
        AllSignaturesVerify(keys);
        var nsec = TestZone.Ask(_signed, "www.example.test.", DnsType.NSEC, 1232);
        Assert.Equal(["www.example.test. example.test. CNAME RRSIG NSEC"], Nsecs(nsec.Answers));
        var sigs = TestZone.Ask(_signed, "mail.example.test.", DnsType.RRSIG, 1232);
        Assert.Equal([DnsType.A, DnsType.AAAA, DnsType.NSEC], sigs.Answers.Select(r => ((RrsigRData)r.Data).TypeCovered).Order());
        // Names that do not exist: the usual negative answer.
        Assert.Equal(DnsRcode.NXDomain, TestZone.Ask(_signed, "nope.example.test.", DnsType.NSEC).Rcode);
        Assert.Equal(DnsRcode.NXDomain, AskDo(_signed, "nope.example.test.", DnsType.RRSIG).Rcode);
    }

    [Fact]
    public void Do_with_the_smallest_payload_truncates_rather_than_drop_a_signature()
    {
        // 512 octets cannot hold a signed CNAME to a missing name (CNAME, SOA, two NSEC, four RRSIG): TC, so the client retries over TCP.
        var udp = AskDo(_signed, "dangling.example.test.", DnsType.A, payload: 512);
        Assert.True(udp.Header.Truncated);
        Assert.Empty(udp.Answers);
        Assert.Empty(udp.Authority);
        var tcp = AskDo(_signed, "dangling.example.test.", DnsType.A, payload: 512, tcp: true);
        Assert.False(tcp.Header.Truncated);
        Assert.Equal(2, Nsecs(tcp.Authority).Length);
    }

    [Fact]
    public void The_transfer_holds_every_nsec_and_signature_and_the_plain_zone_none()
    {
        var records = ZoneSigner.SignedRecords(Signed.Zone).ToList();
        Assert.Equal(Signed.Chain.Count, records.Count(r => r.Type == DnsType.NSEC));
        Assert.Contains(records, r => r.Type == DnsType.DNSKEY);
        // Every authoritative RRset and each NSEC has one signature.
        Assert.Equal(records.Where(r => r.Type is not DnsType.RRSIG).GroupBy(r => (r.Name.Key, r.Type))
            .Count(g => Signed.Signature(g.First().Name, g.Key.Type) is not null), records.Count(r => r.Type == DnsType.RRSIG));
        Assert.DoesNotContain(ZoneSigner.SignedRecords(TestZone.Zones().Zones.Single()), r => r.Type is DnsType.RRSIG or DnsType.NSEC);
    }

    [Fact]
    public void A_signer_reuses_signatures_until_the_zone_or_the_epoch_changes()
    {
        using var dir = new TempDir();
        var time = new ManualTime(Now);
        var signer = new ZoneSigner(new DnssecKeyStore(dir.Path), time);
        var first = signer.Sign(TestZone.Zones()).Zones.Single();
        var again = signer.Sign(TestZone.Zones()).Zones.Single();
        Assert.Same(first, again);
        Assert.False(signer.ResignDue);
        time.Now = Now.AddDays(8);
        Assert.True(signer.ResignDue);
        var resigned = signer.Sign(TestZone.Zones()).Zones.Single();
        Assert.NotSame(first, resigned);
        Assert.True(resigned.Soa.Serial > first.Soa.Serial, "re-signing bumps the serial so secondaries transfer the new signatures");
        Assert.Equal(ZoneSigner.Find(first)!.Key.KeyTag, ZoneSigner.Find(resigned)!.Key.KeyTag);
    }

    [Fact]
    public void A_change_re_signs_only_what_changed_so_an_ixfr_stays_small()
    {
        using var dir = new TempDir();
        var signer = new ZoneSigner(new DnssecKeyStore(dir.Path), new ManualTime(Now));
        var before = ZoneSigner.Find(signer.Sign(TestZone.Zones()).Zones.Single())!;
        var apex = DnsName.Parse("example.test.");
        var changed = Zone.Build(apex, TestZone.Zones().Zones.Single().WithSerial((uint)Now.ToUnixTimeSeconds()).Records()
            .Append(new ResourceRecord(DnsName.Parse("new.example.test."), 3600, new TxtRData([[1]]))));
        var after = ZoneSigner.Find(signer.Sign(new ZoneSet([changed])).Zones.Single())!;
        var old = before.Records().Where(r => r.Type == DnsType.RRSIG).Select(r => r.ToText()).ToHashSet();
        var fresh = after.Records().Where(r => r.Type == DnsType.RRSIG).Select(r => r.ToText()).ToList();
        // New: the SOA's (a serial as ZoneSerials gives one: the time of the change), the new TXT's and
        // NSEC's, and the predecessor's NSEC (mail -> new).
        Assert.Equal(["example.test. SOA", "mail.example.test. NSEC", "new.example.test. NSEC", "new.example.test. TXT"],
            after.Records().Where(r => r.Type == DnsType.RRSIG && !old.Contains(r.ToText()))
                .Select(r => $"{r.Name.Key} {((RrsigRData)r.Data).TypeCovered}").Order(StringComparer.Ordinal));
        Assert.Equal(fresh.Count - 4, fresh.Count(old.Contains));
    }

    [Fact]
    public void The_key_is_made_once_kept_0600_and_read_back_the_same()
    {
        using var dir = new TempDir();
        var store = new DnssecKeyStore(dir.Path);
        var apex = DnsName.Parse("Example.Test.");
        Assert.Null(store.Load(apex));
        var made = store.GetOrCreate(apex);
        var path = Path.Combine(dir.Path, "dns", "keys", "example.test.key");
        Assert.Equal(path, store.PathOf(apex));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(made.KeyTag, store.GetOrCreate(apex).KeyTag);
        Assert.Equal(made.Ds, store.Load(apex)!.Ds);
        Assert.Equal(64, made.Dnskey.PublicKey.Length);
        Assert.Equal(257, made.Dnskey.Flags);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [Fact]
    public void A_key_file_that_is_not_p256_is_refused()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.Throws<CryptographicException>(() => DnssecKey.FromPem(DnsName.Parse("example.test."), p384.ExportPkcs8PrivateKeyPem()));
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Equal(64, DnssecKey.FromPem(DnsName.Parse("example.test."), p256.ExportPkcs8PrivateKeyPem()).Dnskey.PublicKey.Length);
    }

    [Fact]
    public void Dnssec_records_in_a_users_file_are_replaced_by_ours()
    {
        var apex = DnsName.Parse("example.test.");
        var records = TestZone.Zones().Zones.Single().Records()
            .Append(new ResourceRecord(apex, 60, new DnskeyRData(256, 3, 8, [1, 2, 3])))
            .Append(new ResourceRecord(DnsName.Parse("mail.example.test."), 60, new NsecRData(apex, [DnsType.A])));
        var signed = ZoneSigner.SignZone(Zone.Build(apex, records), Key, Now);
        Assert.Equal(Key.Dnskey, Assert.Single(signed.Zone.Find(apex)!.Get(DnsType.DNSKEY)!.Records));
        Assert.Null(signed.Zone.Find(DnsName.Parse("mail.example.test."))!.Get(DnsType.NSEC));
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("dnssec-").FullName;
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }
}
