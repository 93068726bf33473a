using System.Text.RegularExpressions;
using Letterbox.Protocol.Dns;
using Letterbox.Tests.Harness;

namespace Letterbox.Tests.Dns;

/// <summary>
/// IXFR (RFC 1995) with real deltas from the zone journal, signed with TSIG: dig and dnspython
/// ask for the changes since a serial, and NSD as a TSIG-keyed secondary follows a change
/// through a signed NOTIFY and an incremental transfer.
/// </summary>
[Collection("dns-tsig")]
public sealed class IxfrTests(TsigAppliance fixture)
{
    private DnsPeer Dns => fixture.Dns;

    [Fact]
    public void Dig_ixfr_from_the_previous_serial_shows_only_the_change()
    {
        uint old = fixture.Change("ixfr-probe IN TXT \"added for dig\"");
        uint current = Dns.Serial("example.test.");
        var r = Tool.Run("dig", ["@127.0.0.1", "-p", Dns.Port.ToString(), "+time=5", "+tries=1", "-y", fixture.DigKey, "example.test", $"IXFR={old}"]);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        var soas = Regex.Matches(r.Stdout, @"^example\.test\.\s+\d+\s+IN\s+SOA\s+\S+\s+\S+\s+(\d+)", RegexOptions.Multiline).Select(m => uint.Parse(m.Groups[1].Value)).ToList();
        // SOA new, SOA old, (nothing deleted), SOA new, the added record, SOA new.
        Assert.Equal([current, old, current, current], soas);
        Assert.Matches(@"(?m)^ixfr-probe\.example\.test\.\s+\d+\s+IN\s+TXT\s+""added for dig""", r.Stdout);
        // Records that did not change stay out. (The zone is signed, so the delta also carries the
        // new RRSIGs and the NSEC records whose next name moved; those may name other owners.)
        Assert.DoesNotMatch(@"(?m)^base\.example\.test\.\s+\d+\s+IN\s+TXT", r.Stdout);
        Assert.DoesNotMatch(@"(?m)^_dmarc\.example\.test\.\s+\d+\s+IN\s+TXT", r.Stdout);
        Assert.DoesNotMatch(@"(?m)^example\.test\.\s+\d+\s+IN\s+MX", r.Stdout);

        // From the current serial: the SOA alone.
        var same = Tool.Run("dig", ["@127.0.0.1", "-p", Dns.Port.ToString(), "+time=5", "+tries=1", "-y", fixture.DigKey, "example.test", $"IXFR={current}"]);
        Assert.Single(Regex.Matches(same.Stdout, @"^example\.test\.\s+\d+\s+IN\s+SOA\s", RegexOptions.Multiline));
        // From a serial never served: the whole zone, AXFR-style.
        var unknown = Tool.Run("dig", ["@127.0.0.1", "-p", Dns.Port.ToString(), "+time=5", "+tries=1", "-y", fixture.DigKey, "example.test", $"IXFR={old - 1000}"]);
        Assert.Matches(@"(?m)^base\.example\.test\.\s+\d+\s+IN\s+TXT", unknown.Stdout);
        Assert.Matches(@"(?m)^_dmarc\.example\.test\.\s+\d+\s+IN\s+TXT", unknown.Stdout);
        // Over UDP: the SOA alone, the client's cue to use TCP.
        var udp = Tool.Run("dig", ["@127.0.0.1", "-p", Dns.Port.ToString(), "+time=5", "+tries=1", "+notcp", "example.test", $"IXFR={old}"]);
        Assert.Single(Regex.Matches(udp.Stdout, @"^example\.test\.\s+\d+\s+IN\s+SOA\s", RegexOptions.Multiline));
    }

    [Fact]
    public void Dnspython_applies_the_incremental_transfer_and_verifies_its_tsig()
    {
        uint old = fixture.Change("py-probe IN A 192.0.2.77");
        const string script = """
            import sys, dns.query, dns.tsigkeyring, dns.rdatatype
            port, name, secret, serial = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
            keyring = dns.tsigkeyring.from_text({name: ('hmac-sha256', secret)})
            messages = list(dns.query.xfr('127.0.0.1', 'example.test.', rdtype=dns.rdatatype.IXFR, serial=serial, port=port,
                                          keyring=keyring, keyname=name, keyalgorithm='hmac-sha256', lifetime=30, relativize=False))
            assert all(m.had_tsig for m in messages)
            for m in messages:
                for rrset in m.answer:
                    for rd in rrset:
                        print(rrset.name, dns.rdatatype.to_text(rrset.rdtype), rd.to_text())
            """;
        var r = Tool.Run("/usr/bin/python3", ["-c", script, Dns.Port.ToString(), TsigAppliance.KeyName, fixture.Secret, old.ToString()]);
        Assert.True(r.ExitCode == 0, "python3-dnspython: " + r.Stdout + r.Stderr);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("py-probe.example.test. A 192.0.2.77", lines);
        Assert.Equal(4, lines.Count(l => l.StartsWith("example.test. SOA ", StringComparison.Ordinal)));
        // Only the change, none of the unchanged data. The zone is signed, so signatures come along too:
        // today every RRSIG, since a change re-signs each RRset (ECDSA signatures differ each time).
        Assert.DoesNotContain(lines, l => l.StartsWith("base.example.test. TXT", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("example.test. MX", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("_dmarc.example.test. TXT", StringComparison.Ordinal));
    }

    [Fact]
    public void Nsd_with_the_key_follows_a_change_through_signed_notify_and_ixfr()
    {
        using var temp = new TempDirectory();
        using var nsd = NsdSecondary.Start(temp.Path, fixture.NsdSecondaryPort, Dns.Port, TsigAppliance.KeyName, fixture.Secret);
        var theirs = new DnsPeer(nsd.Port);
        DnsPeer.WaitUntil(() => Serial(theirs) == Dns.Serial("example.test."), TimeSpan.FromSeconds(30), "NSD transferred the zone with TSIG\n" + nsd.Output);
        Assert.Equal(["\"before any change\""], theirs.Short("base.example.test", "TXT"));

        int served = Regex.Matches(fixture.App.Process.Output, "kind=ixfr ").Count;
        fixture.Change("nsd-probe IN TXT \"followed by ixfr\"");
        var took = DnsPeer.WaitUntil(() => theirs.Short("nsd-probe.example.test", "TXT").Length == 1, TimeSpan.FromSeconds(30),
            "NSD picked up the change\n" + nsd.Output + "\n" + fixture.App.Process.Output);
        Assert.Equal(Dns.Serial("example.test."), theirs.Serial("example.test."));
        // Our log says the change went out as an incremental transfer, signed with the key...
        var line = fixture.App.Process.WaitForLine($"zone transfer.*kind=ixfr .*tsig={TsigAppliance.KeyName}", skip: served);
        var axfr = Regex.Matches(fixture.App.Process.Output, @"kind=axfr records=(\d+)").LastOrDefault()?.Groups[1].Value ?? "?";
        // ...and that NSD acknowledged the NOTIFY with a TSIG we verified.
        fixture.App.Process.WaitForLine($"notify acknowledged.*tsig={TsigAppliance.KeyName}");
        Console.WriteLine($"TSIG+IXFR change on the NSD secondary after {took.TotalMilliseconds:F0} ms; IXFR records={Regex.Match(line, @"records=(\d+)").Groups[1].Value}, last AXFR records={axfr}");
    }

    /// <summary>The secondary's serial; null while NSD is still starting (no answer) or has no zone yet.</summary>
    private static uint? Serial(DnsPeer nsd)
    {
        try
        {
            var soa = nsd.Query("example.test.", DnsType.SOA).Answers;
            return soa.Count == 1 ? ((SoaRData)soa[0].Data).Serial : null;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }
}

/// <summary>NSD as a secondary of ours with a TSIG key: request-xfr (IXFR first, NSD's default) and allow-notify both keyed.</summary>
public sealed class NsdSecondary : IDisposable
{
    private readonly System.Diagnostics.Process _process;
    private readonly System.Text.StringBuilder _output = new();

    public int Port { get; }

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    private NsdSecondary(System.Diagnostics.Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public static NsdSecondary Start(string directory, int port, int primaryPort, string keyName, string secret)
    {
        var conf = Path.Combine(directory, "nsd.conf");
        File.WriteAllText(conf, $"""
            server:
                ip-address: 127.0.0.1@{port}
                port: {port}
                username: ""
                chroot: ""
                zonesdir: "{directory}"
                pidfile: "{directory}/nsd.pid"
                database: ""
                xfrdfile: "{directory}/xfrd.state"
                xfrdir: "{directory}"
                zonelistfile: "{directory}/zone.list"
                server-count: 1
                rrl-ratelimit: 0
                verbosity: 2
            remote-control:
                control-enable: no
            key:
                name: "{keyName}"
                algorithm: hmac-sha256
                secret: "{secret}"
            zone:
                name: example.test
                zonefile: "{directory}/example.test.zone"
                request-xfr: 127.0.0.1@{primaryPort} {keyName}
                allow-notify: 127.0.0.1 {keyName}
            """);
        var check = Tool.Run("/usr/sbin/nsd-checkconf", [conf]);
        Assert.True(check.ExitCode == 0, "nsd-checkconf: " + check.Stdout + check.Stderr);
        var psi = new System.Diagnostics.ProcessStartInfo(Tool.Require("/usr/sbin/nsd")) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-d", "-c", conf })
            psi.ArgumentList.Add(a);
        var process = System.Diagnostics.Process.Start(psi)!;
        var nsd = new NsdSecondary(process, port);
        process.OutputDataReceived += (_, e) => { lock (nsd._output) nsd._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (nsd._output) nsd._output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return nsd;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
