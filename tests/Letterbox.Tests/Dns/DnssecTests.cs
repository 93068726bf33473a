using System.Text.RegularExpressions;
using Letterbox.Protocol.Dns;
using Letterbox.Tests.Harness;

namespace Letterbox.Tests.Dns;

/// <summary>
/// The signed zones as validators see them: `letterbox dns ds` gives the DS a user enters at the
/// registrar; BIND's delv, with that DS as its only trust anchor, validates every kind of answer;
/// kdig shows the signatures; ldns-verify-zone checks the whole zone as transferred, and NSD serves
/// that transfer signed, as a secondary would.
/// </summary>
[Collection("dns")]
public sealed partial class DnssecTests(DnsAppliance fixture)
{
    private readonly DnsPeer _dns = fixture.Dns;

    /// <summary>`letterbox dns ds example.test`, run as a user would.</summary>
    private string DsCommand()
    {
        var r = Tool.Run(LetterboxProcess.BinaryPath, ["dns", "ds", "example.test", "--dev", "--data", fixture.App.DataDirectory]);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        return r.Stdout;
    }

    /// <summary>A delv trust-anchor file holding the DS line `dns ds` printed (or a given digest).</summary>
    private static string Anchor(string directory, string dsOutput, string? digest = null)
    {
        var m = DsLine().Match(dsOutput);
        Assert.True(m.Success, dsOutput);
        var path = Path.Combine(directory, "anchor.conf");
        File.WriteAllText(path, $"trust-anchors {{ example.test. static-ds {m.Groups[1].Value} 13 2 \"{digest ?? m.Groups[2].Value}\"; }};\n");
        return path;
    }

    private static string Delv(int port, string anchor, string name, string type)
    {
        var r = Tool.Run("delv", ["@127.0.0.1", "-p", port.ToString(), "-a", anchor, "+root=example.test", name, type], TimeSpan.FromSeconds(60));
        return r.Stdout + r.Stderr;
    }

    private static void Validated(string output, string expect)
    {
        Assert.Contains("fully validated", output);
        Assert.Contains(expect, output);
        Assert.DoesNotContain("insecure", output);
        Assert.DoesNotContain("unsigned", output);
        Assert.DoesNotContain("resolution failed: failure", output);
        Assert.DoesNotContain("broken trust chain", output);
    }

    [Fact]
    public void Delv_with_our_ds_as_trust_anchor_validates_every_kind_of_answer()
    {
        using var temp = new TempDirectory();
        var ds = DsCommand();
        var anchor = Anchor(temp.Path, ds);
        int port = _dns.Port;

        Validated(Delv(port, anchor, "mail.example.test", "A"), "mail.example.test.\t3600\tIN\tA\t127.0.0.1");
        Validated(Delv(port, anchor, "example.test", "MX"), "IN\tMX\t10 mail.example.test.");
        Validated(Delv(port, anchor, "example.test", "DNSKEY"), "IN\tDNSKEY\t257 3 13 ");
        Validated(Delv(port, anchor, "_25._tcp.mail.example.test", "TLSA"), "IN\tTLSA\t3 1 1 ");
        // NODATA, NXDOMAIN and an empty non-terminal: the NSEC chain proves each.
        Validated(Delv(port, anchor, "mail.example.test", "MX"), "ncache nxrrset");
        Validated(Delv(port, anchor, "nope.example.test", "A"), "ncache nxdomain");
        Validated(Delv(port, anchor, "deeper.nope.example.test", "TXT"), "ncache nxdomain");
        Validated(Delv(port, anchor, "b.deep.example.test", "A"), "ncache nxrrset");
        // A wildcard answer (with the proof that no closer name exists) and a wildcard NODATA.
        Validated(Delv(port, anchor, "x.y.wild.example.test", "TXT"), "x.y.wild.example.test.\t");
        Validated(Delv(port, anchor, "x.y.wild.example.test", "MX"), "ncache nxrrset");
        // CNAMEs: a chain to an address, and one to a name that does not exist.
        Validated(Delv(port, anchor, "chain.example.test", "A"), "IN\tCNAME\twww.example.test.");
        Validated(Delv(port, anchor, "dangling.example.test", "A"), "ncache nxdomain");
        // The delegation has no DS: its NSEC says so, signed by the parent (us).
        Validated(Delv(port, anchor, "child.example.test", "DS"), "ncache nxrrset");
    }

    [Fact]
    public void Delv_rejects_the_zone_under_a_trust_anchor_that_is_not_our_key()
    {
        using var temp = new TempDirectory();
        var anchor = Anchor(temp.Path, DsCommand(), digest: new string('A', 64));
        var output = Delv(_dns.Port, anchor, "mail.example.test", "A");
        Assert.DoesNotContain("fully validated", output);
        Assert.Contains("resolution failed", output);
    }

    [Fact]
    public void The_ds_command_names_the_key_the_server_signs_with_and_the_key_file_is_private()
    {
        var ds = DsCommand();
        var m = DsLine().Match(ds);
        Assert.True(m.Success, ds);
        var kdig = _dns.Kdig("+dnssec", "example.test", "DNSKEY");
        Assert.Matches(@"example\.test\.\s+\d+\s+IN\s+DNSKEY\s+257 3 13 ", kdig);
        Assert.Matches($@"RRSIG\s+DNSKEY 13 2 3600 \d+ \d+ {m.Groups[1].Value} example\.test\. ", kdig);
        // The DNSKEY printed for registrars is the one served.
        var key = Regex.Match(ds, @"DNSKEY\t257 3 13 (\S+)").Groups[1].Value;
        Assert.Contains(key, kdig.Replace(" ", ""));
        var file = Path.Combine(fixture.App.DataDirectory, "dns", "keys", "example.test.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(file));
    }

    [Fact]
    public void Kdig_sees_signatures_with_dnssec_and_none_without()
    {
        var signed = _dns.Kdig("+dnssec", "mail.example.test", "A");
        Assert.Matches(@"EDNS PSEUDOSECTION:\s*\n;; Version: 0; flags: do;", signed);
        Assert.Matches(@"mail\.example\.test\.\s+3600\s+IN\s+RRSIG\s+A 13 3 3600 ", signed);
        var nx = _dns.Kdig("+dnssec", "nope.example.test", "A");
        Assert.Contains("NXDOMAIN", nx);
        Assert.Equal(2, Regex.Matches(nx, @"\tNSEC\t").Count);
        var plain = _dns.Kdig("mail.example.test", "A");
        Assert.DoesNotContain("RRSIG", plain);
        Assert.DoesNotContain("flags: do", plain);
    }

    [Fact]
    public void The_transfer_passes_ldns_verify_zone_and_nsd_serves_it_signed()
    {
        using var temp = new TempDirectory();
        var axfr = _dns.Dig("+onesoa", "AXFR", "example.test");
        var zone = string.Join('\n', axfr.Split('\n').Where(l => l.Length > 0 && !l.StartsWith(';'))) + "\n";
        Assert.Contains("\tDNSKEY\t", zone);
        Assert.Contains("\tNSEC\t", zone);
        Assert.Contains("\tRRSIG\t", zone);
        var path = Path.Combine(temp.Path, "example.test.zone");
        File.WriteAllText(path, zone);
        var verify = Tool.Run("ldns-verify-zone", [path]);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.Contains("Zone is verified and complete", verify.Stdout + verify.Stderr);

        // The check can fail: one changed address breaks its signature.
        var tampered = Path.Combine(temp.Path, "tampered.zone");
        File.WriteAllText(tampered, Regex.Replace(zone, @"(mail\.example\.test\.\t\d+\tIN\tA\t)127\.0\.0\.1", "${1}192.0.2.66"));
        Assert.NotEqual(0, Tool.Run("ldns-verify-zone", [tampered]).ExitCode);

        // A secondary that loads the transfer serves the zone signed: delv validates NSD's answers with our DS.
        using var nsd = NsdServer.Start(temp.Path, "example.test");
        var anchor = Anchor(temp.Path, DsCommand());
        Validated(Delv(nsd.Port, anchor, "mail.example.test", "A"), "IN\tA\t127.0.0.1");
        Validated(Delv(nsd.Port, anchor, "nope.example.test", "A"), "ncache nxdomain");
        Validated(Delv(nsd.Port, anchor, "x.y.wild.example.test", "TXT"), "x.y.wild.example.test.\t");
    }

    [Fact]
    public void Do_queries_for_the_dnssec_types_and_with_a_tiny_payload_get_clean_answers()
    {
        foreach (var (name, type) in new[] { ("example.test.", DnsType.DNSKEY), ("mail.example.test.", DnsType.RRSIG), ("www.example.test.", DnsType.NSEC),
                     ("nope.example.test.", DnsType.NSEC), ("child.example.test.", DnsType.DS), ("example.test.", DnsType.ANY) })
        {
            foreach (ushort payload in new ushort[] { 0, 512, 1232, 65535 })
            {
                var reply = _dns.Udp(DoQuery(name, type, payload));
                Assert.NotNull(reply);
                var m = DnsMessage.Parse(reply);
                Assert.True(m.Header.IsResponse);
                Assert.True(m.Rcode is DnsRcode.NoError or DnsRcode.NXDomain, $"{name} {type} {payload}: {m.Rcode}");
                // RFC 6891 §6.2.5: below 512 counts as 512; the answer stays within it or is truncated.
                Assert.True(reply.Length <= Math.Max(512, Math.Min((int)payload, 1232)), $"{name} {type} {payload}: {reply.Length} octets");
                Assert.True(m.Edns?.DnssecOk);
            }
        }
        // A signed CNAME to a missing name does not fit 512 octets: TC, never an answer without its signatures.
        var small = DnsMessage.Parse(_dns.Udp(DoQuery("dangling.example.test.", DnsType.A, 512))!);
        Assert.True(small.Header.Truncated);
        Assert.Empty(small.Answers);
    }

    private static byte[] DoQuery(string name, DnsType type, ushort payload)
    {
        var w = new DnsWriter();
        w.WriteHeader(new DnsHeader { Id = (ushort)Random.Shared.Next(1, 65535), QdCount = 1, ArCount = 1 });
        w.WriteName(DnsName.Parse(name));
        w.WriteUInt16((ushort)type);
        w.WriteUInt16((ushort)DnsClass.IN);
        DnsMessage.WriteOpt(w, payload, 0, 0, dnssecOk: true);
        return w.ToArray();
    }

    [GeneratedRegex(@"example\.test\.\t\d+\tIN\tDS\t(\d+) 13 2 ([0-9A-F]{64})")]
    private static partial Regex DsLine();
}
