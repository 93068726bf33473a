using Letterbox.Protocol.Dns;
using Letterbox.Tests.Harness;

namespace Letterbox.Tests.Dns;

/// <summary>`letterbox dev` serves example.test; dig and kdig, as a user would run them, see every record a mail domain needs.</summary>
[Collection("dns")]
public sealed class DnsDigTests(DnsAppliance fixture)
{
    private readonly DnsPeer _dns = fixture.Dns;

    private const string Hex = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";

    [Fact]
    public void Dig_sees_every_generated_mail_record()
    {
        Assert.Equal(["10 mail.example.test."], _dns.Short("example.test", "MX"));
        Assert.Equal(["mail.example.test."], _dns.Short("example.test", "NS"));
        Assert.Equal(["\"v=spf1 mx -all\""], _dns.Short("example.test", "TXT"));
        Assert.Equal(["127.0.0.1"], _dns.Short("mail.example.test", "A"));
        Assert.Equal(["\"v=DMARC1; p=quarantine\""], _dns.Short("_dmarc.example.test", "TXT"));
        Assert.Matches("^\"v=STSv1; id=[0-9a-f]+\"$", Assert.Single(_dns.Short("_mta-sts.example.test", "TXT")));
        Assert.Equal(["127.0.0.1"], _dns.Short("mta-sts.example.test", "A"));
        Assert.Equal(["\"v=TLSRPTv1; rua=mailto:postmaster@example.test\""], _dns.Short("_smtp._tls.example.test", "TXT"));
        int o = fixture.App.Offset;
        Assert.Equal([$"0 1 {o + 465} mail.example.test."], _dns.Short("_submissions._tcp.example.test", "SRV"));
        Assert.Equal([$"10 1 {o + 587} mail.example.test."], _dns.Short("_submission._tcp.example.test", "SRV"));
        Assert.Equal([$"0 1 {o + 993} mail.example.test."], _dns.Short("_imaps._tcp.example.test", "SRV"));
        Assert.Equal([$"10 1 {o + 143} mail.example.test."], _dns.Short("_imap._tcp.example.test", "SRV"));
        Assert.Equal([$"10 1 {o + 995} mail.example.test."], _dns.Short("_pop3s._tcp.example.test", "SRV"));
        Assert.Equal(["mail.example.test.", "127.0.0.1"], _dns.Short("autoconfig.example.test", "A"));
        Assert.Equal(["mail.example.test."], _dns.Short("autodiscover.example.test", "CNAME"));
        Assert.Equal(["0 issue \"letsencrypt.org\""], _dns.Short("example.test", "CAA"));
        Assert.Matches("^mail\\.example\\.test\\. hostmaster\\.example\\.test\\. \\d+ 3600 900 1209600 300$", Assert.Single(_dns.Short("example.test", "SOA")));
    }

    [Fact]
    public void Answers_are_authoritative_without_recursion_and_keep_the_question_case()
    {
        var output = _dns.Dig("MaIl.ExAmPlE.TeSt", "A");
        Assert.Contains("status: NOERROR", output);
        Assert.Matches(@"flags: qr aa;", output);
        Assert.Contains("MaIl.ExAmPlE.TeSt.\t", output.Split("ANSWER SECTION:")[1]);
        // dig asks with RD set by default: we copy RD and never set RA.
        var rd = Tool.Run("dig", ["@127.0.0.1", "-p", _dns.Port.ToString(), "+time=2", "+tries=3", "example.test", "MX"]).Stdout;
        Assert.Matches(@"flags: qr aa rd;", rd);
        Assert.Contains("WARNING: recursion requested but not available", rd);
    }

    [Fact]
    public void Dig_gets_a_server_cookie_and_its_own_cookie_back()
    {
        // dig sends a client cookie by default and checks that the answer echoes it (RFC 7873).
        var output = _dns.Dig("+cookie", "example.test", "SOA");
        Assert.Matches(@"; COOKIE: [0-9a-f]{16}[0-9a-f]{32} \(good\)", output);
        var kdig = _dns.Kdig("+cookie", "example.test", "SOA");
        Assert.Matches(@";; COOKIE: [0-9A-F]{16}01000000[0-9A-F]{24}", kdig); // client cookie, then ours: version 1, reserved
    }

    [Fact]
    public void Negative_answers_carry_the_soa_and_foreign_names_are_refused()
    {
        var nx = _dns.Dig("nope.example.test", "A");
        Assert.Contains("status: NXDOMAIN", nx);
        Assert.Matches(@"AUTHORITY: 1", nx);
        Assert.Contains("IN\tSOA\tmail.example.test.", nx);
        var nodata = _dns.Dig("mail.example.test", "MX");
        Assert.Contains("status: NOERROR", nodata);
        Assert.Contains("ANSWER: 0, AUTHORITY: 1", nodata);
        var refused = _dns.Dig("example.org", "A");
        Assert.Contains("status: REFUSED", refused);
        Assert.DoesNotMatch("flags: qr aa", refused);
    }

    [Fact]
    public void User_records_of_every_type_are_served()
    {
        Assert.Equal(["2001:db8::25"], _dns.Short("ipv6.example.test", "AAAA"));
        Assert.Equal(["mail.example.test.", "127.0.0.1"], _dns.Short("www.example.test", "A"));
        Assert.Equal(["www.example.test.", "mail.example.test.", "127.0.0.1"], _dns.Short("chain.example.test", "A"));
        // dig breaks long hex into groups; the digits are what count.
        Assert.Equal("311" + Hex, Assert.Single(_dns.Short("_25._tcp.mail.example.test", "TLSA")).Replace(" ", ""));
        Assert.Equal("42" + Hex, Assert.Single(_dns.Short("mail.example.test", "SSHFP")).Replace(" ", ""));
        Assert.Equal(["mail.example.test."], _dns.Short("25.2.0.192.in-addr.example.test", "PTR"));
        Assert.Equal(["\"first string\" \"second \\\"quoted\\\" string\""], _dns.Short("long.example.test", "TXT"));
        Assert.Equal(["\"wildcard\""], _dns.Short("anything.wild.example.test", "TXT"));
        Assert.Equal(["192.0.2.44"], _dns.Short("www.other.test", "A")[1..]);
    }

    [Fact]
    public void A_delegation_is_a_referral_with_glue()
    {
        var output = _dns.Dig("host.child.example.test", "A");
        Assert.Contains("status: NOERROR", output);
        Assert.DoesNotMatch("flags: qr aa", output);
        Assert.Contains("ANSWER: 0, AUTHORITY: 2, ADDITIONAL: 2", output); // glue + OPT
        Assert.Contains("ns1.child.example.test.\t600\tIN\tA\t192.0.2.53", output);
    }

    [Fact]
    public void Kdig_over_udp_and_tcp_sees_the_same_records()
    {
        foreach (var transport in new[] { "+notcp", "+tcp" })
        {
            var mx = _dns.Kdig(transport, "example.test", "MX");
            Assert.Contains("status: NOERROR", mx);
            Assert.Contains("Flags: qr aa;", mx);
            Assert.Contains("10 mail.example.test.", mx);
            Assert.Contains("\"v=spf1 mx -all\"", _dns.Kdig(transport, "example.test", "TXT"));
            Assert.Contains("0 issue \"letsencrypt.org\"", _dns.Kdig(transport, "example.test", "CAA"));
            Assert.Equal("3 1 1 " + Hex, _dns.Kdig(transport, "+short", "_25._tcp.mail.example.test", "TLSA").Trim());
            Assert.Equal("4 2 " + Hex, _dns.Kdig(transport, "+short", "mail.example.test", "SSHFP").Trim());
            Assert.Contains("status: NXDOMAIN", _dns.Kdig(transport, "nope.example.test", "A"));
        }
    }

    [Fact]
    public void Dkim_keys_are_published_in_255_octet_strings()
    {
        var shown = Tool.Run(LetterboxProcess.BinaryPath, ["dkim", "show", "example.test", "--data", fixture.App.DataDirectory]);
        Assert.True(shown.ExitCode == 0, shown.Stderr);
        var selectors = Directory.GetFiles(Path.Combine(fixture.App.DataDirectory, "dkim", "example.test"), "*.key")
            .Select(p => Path.GetFileName(p).Split('.')[0]).ToList();
        Assert.NotEmpty(selectors);
        foreach (var selector in selectors)
        {
            DnsPeer.WaitUntil(() => _dns.Short($"{selector}._domainkey.example.test", "TXT").Length == 1, TimeSpan.FromSeconds(10), $"DKIM {selector} published");
            var txt = _dns.Query($"{selector}._domainkey.example.test.", DnsType.TXT, tcp: true).Answers.Single().Data as TxtRData;
            Assert.StartsWith("v=DKIM1; k=", txt!.Value);
            Assert.All(txt.Strings.SkipLast(1), s => Assert.Equal(255, s.Length));
            Assert.Contains(txt.Value.Split("p=")[1][..40], shown.Stdout.Replace("\"", "").Replace(" ", "").Replace("\n", ""));
        }
    }

    [Fact]
    public void Dns_records_prints_the_mail_records_to_publish_elsewhere_and_dns_zone_refuses_strangers()
    {
        string[] common = ["--dev", "--port-offset", fixture.App.Offset.ToString(), "--data", fixture.App.DataDirectory];
        var records = Tool.Run(LetterboxProcess.BinaryPath, ["dns", "records", "example.test", .. common]);
        Assert.True(records.ExitCode == 0, records.Stderr);
        Assert.Contains("example.test.\t3600\tIN\tMX\t10 mail.example.test.", records.Stdout);
        Assert.Contains("\tTXT\t\"v=spf1 mx -all\"", records.Stdout);
        Assert.Contains("_dmarc.example.test.", records.Stdout);
        Assert.DoesNotContain("\tSOA\t", records.Stdout);
        Assert.DoesNotContain("www.example.test.", records.Stdout); // the user's own records are not mail records

        var unknown = Tool.Run(LetterboxProcess.BinaryPath, ["dns", "zone", "example.org", .. common]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("no zone example.org.", unknown.Stderr);
    }

    [Fact]
    public void A_domain_added_with_the_cli_gets_its_zone_without_a_restart()
    {
        Assert.Contains("status: REFUSED", _dns.Dig("added.test", "MX"));
        var added = Tool.Run(LetterboxProcess.BinaryPath, ["domain", "add", "added.test", "--data", fixture.App.DataDirectory]);
        Assert.True(added.ExitCode == 0, added.Stderr);
        DnsPeer.WaitUntil(() => _dns.Short("added.test", "MX").SequenceEqual(["10 mail.example.test."]), TimeSpan.FromSeconds(10), "added.test served");
        Assert.Equal(["\"v=spf1 mx -all\""], _dns.Short("added.test", "TXT"));
        Assert.Contains("flags: qr aa;", _dns.Dig("_dmarc.added.test", "TXT"));
    }

    [Fact]
    public void Acme_challenge_records_appear_and_go_with_the_serial_bumped()
    {
        var dir = Path.Combine(fixture.App.DataDirectory, "dns", "challenges");
        Directory.CreateDirectory(dir);
        const string name = "_acme-challenge.mail.example.test";
        uint before = _dns.Serial("example.test.");

        // The contract of ChallengeRecords.Publish: one file per name, one value a line, written by rename.
        File.WriteAllText(Path.Combine(dir, ".tmp-1"), "token-one\ntoken-two\n");
        File.Move(Path.Combine(dir, ".tmp-1"), Path.Combine(dir, name));
        var seen = DnsPeer.WaitUntil(() => _dns.Short(name, "TXT").Length == 2, TimeSpan.FromSeconds(10), "challenge published");
        Assert.Equal(["\"token-one\"", "\"token-two\""], _dns.Short(name, "TXT").Order());
        Assert.True(_dns.Serial("example.test.") > before);
        Console.WriteLine($"challenge visible to dig after {seen.TotalMilliseconds:F0} ms");

        uint during = _dns.Serial("example.test.");
        File.Delete(Path.Combine(dir, name));
        DnsPeer.WaitUntil(() => _dns.Dig(name, "TXT").Contains("status: NXDOMAIN"), TimeSpan.FromSeconds(10), "challenge withdrawn");
        Assert.True(_dns.Serial("example.test.") > during);
    }
}
