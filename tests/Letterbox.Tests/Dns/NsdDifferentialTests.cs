using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Letterbox.Protocol.Dns;
using Letterbox.Tests.Harness;

namespace Letterbox.Tests.Dns;

/// <summary>
/// NSD (Debian's nsd) is the reference: the zone Letterbox serves, exported with
/// `letterbox dns zone`, is loaded into NSD on another loopback port, and a corpus of queries
/// must get equivalent answers from both: same RCODE, AA and TC flags, and the same RRsets in
/// each section (TTLs, order and name case normalised; a truncated answer compares by its flags).
/// </summary>
[Collection("dns")]
public sealed class NsdDifferentialTests(DnsAppliance fixture)
{
    private static readonly string[] Types = ["A", "AAAA", "MX", "TXT", "NS", "SOA", "CNAME", "SRV", "CAA", "PTR", "TLSA", "SSHFP", "DS", "ANY", "TYPE65000"];

    [Fact]
    public void Nsd_and_letterbox_answer_the_same_corpus_alike()
    {
        using var temp = new TempDirectory();
        var export = Tool.Run(LetterboxProcess.BinaryPath, ["dns", "zone", "example.test", "--dev", "--port-offset", fixture.App.Offset.ToString(), "--data", fixture.App.DataDirectory]);
        Assert.True(export.ExitCode == 0, export.Stderr);
        var zoneText = export.Stdout;
        File.WriteAllText(Path.Combine(temp.Path, "example.test.zone"), zoneText);
        // The export is what is served, serial included.
        Assert.Contains($" {fixture.Dns.Serial("example.test.")} ", zoneText.Split('\n').First(l => l.Contains("\tSOA\t")));

        using var nsd = NsdServer.Start(temp.Path, "example.test");
        var ours = fixture.Dns;
        var theirs = new DnsPeer(nsd.Port);

        var names = zoneText.Split('\n').Where(l => l.Length > 0 && !l.StartsWith(';') && !l.StartsWith('$'))
            .Select(l => l.Split('\t')[0]).Distinct().ToList();
        var corpus = new List<(string Name, string Type, ushort? Edns, bool Tcp)>();
        foreach (var name in names)
            foreach (var type in Types)
                corpus.Add((name, type, 1232, false));
        string[] extra =
        [
            "nope.example.test.", "deeper.nope.example.test.", "x.y.wild.example.test.", "Any.WILD.example.test.",
            "b.deep.example.test.", "deep.example.test.", "c.deep.example.test.", "host.child.example.test.", "CHILD.example.test.",
            "MaIl.ExAmPlE.TeSt.", "dangling.example.test.", "chain.example.test.", "outside.example.test.", "EXAMPLE.TEST.",
        ];
        foreach (var name in extra)
            foreach (var type in new[] { "A", "AAAA", "TXT", "MX", "NS", "DS", "CNAME" })
                corpus.Add((name, type, 1232, false));
        foreach (var (name, type) in new[] { ("example.test.", "ANY"), ("example.test.", "MX"), ("chain.example.test.", "A"), ("nope.example.test.", "A"), ("host.child.example.test.", "A") })
        {
            corpus.Add((name, type, null, false));
            corpus.Add((name, type, 512, false));
            corpus.Add((name, type, 4096, false));
            corpus.Add((name, type, null, true));
            corpus.Add((name, type, 4096, true));
        }

        var differences = new List<string>();
        foreach (var (name, type, edns, tcp) in corpus)
        {
            Assert.True(DnsTypeNames.TryParse(type, out var t));
            var a = Normalise(ours.Query(name, t, edns, tcp));
            var b = Normalise(theirs.Query(name, t, edns, tcp));
            if (a != b)
                differences.Add($"{name} {type} edns={edns?.ToString() ?? "none"} {(tcp ? "tcp" : "udp")}\n  letterbox: {a}\n  nsd:       {b}");
        }
        Console.WriteLine($"NSD differential: {corpus.Count} queries, {differences.Count} differences");
        Assert.True(differences.Count == 0, $"{differences.Count} of {corpus.Count} answers differ:\n" + string.Join('\n', differences.Take(30)));
        Assert.True(corpus.Count >= 300, $"corpus of {corpus.Count}");
    }

    [Fact]
    public void Nsd_as_a_secondary_transfers_the_zone_and_answers_alike()
    {
        using var temp = new TempDirectory();
        using var nsd = NsdServer.Start(temp.Path, "example.test", primaryPort: fixture.Dns.Port, port: fixture.NsdSecondaryPort);
        var ours = fixture.Dns;
        var theirs = new DnsPeer(nsd.Port);
        // The transfer succeeded when NSD answers with our serial.
        DnsPeer.WaitUntil(() => theirs.Query("example.test.", DnsType.SOA).Answers.Count == 1, TimeSpan.FromSeconds(30), "NSD transferred the zone");
        Assert.Equal(ours.Serial("example.test."), theirs.Serial("example.test."));

        var axfr = ours.Dig("AXFR", "example.test");
        var names = axfr.Split('\n').Where(l => l.Length > 0 && !l.StartsWith(';')).Select(l => l.Split((char[])['\t', ' '], 2)[0]).Distinct().ToList();
        Assert.Contains("_dmarc.example.test.", names);
        var differences = new List<string>();
        int count = 0;
        foreach (var name in names)
            foreach (var type in new[] { "A", "MX", "TXT", "NS", "SRV", "CNAME", "TLSA" })
            {
                Assert.True(DnsTypeNames.TryParse(type, out var t));
                count++;
                var a = Normalise(ours.Query(name, t, 1232));
                var b = Normalise(theirs.Query(name, t, 1232));
                if (a != b)
                    differences.Add($"{name} {type}\n  letterbox: {a}\n  nsd:       {b}");
            }
        Console.WriteLine($"NSD secondary: {count} queries, {differences.Count} differences");
        Assert.True(differences.Count == 0, string.Join('\n', differences.Take(20)));

        // A change reaches the secondary through NOTIFY: without it NSD would wait for the SOA refresh (an hour).
        var zones = Path.Combine(fixture.App.DataDirectory, "dns", "zones");
        var file = Path.Combine(zones, "example.test.zone");
        File.WriteAllText(file, File.ReadAllText(file) + "notified IN TXT \"after notify\"\n");
        var took = DnsPeer.WaitUntil(() => theirs.Short("notified.example.test", "TXT").Length == 1, TimeSpan.FromSeconds(30), "NSD picked up the change");
        Assert.Equal(ours.Serial("example.test."), theirs.Serial("example.test."));
        Console.WriteLine($"change on the secondary after {took.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void Transfers_are_refused_to_addresses_not_listed()
    {
        var r = Tool.Run("dig", ["@127.0.0.1", "-p", fixture.Dns.Port.ToString(), "-b", "127.0.0.2", "+time=5", "AXFR", "example.test"]);
        Assert.Contains("Transfer failed", r.Stdout);
        Assert.DoesNotContain("\tSOA\t", r.Stdout);
        // Over UDP nobody gets a transfer.
        Assert.Equal(DnsRcode.Refused, fixture.Dns.Query("example.test.", DnsType.AXFR).Rcode);
    }

    private static string Normalise(DnsMessage m)
    {
        var head = $"{m.Rcode} aa={m.Header.Authoritative} tc={m.Header.Truncated} ra={m.Header.RecursionAvailable}";
        if (m.Header.Truncated)
            return head;
        static string Section(IEnumerable<ResourceRecord> rrs) =>
            string.Join(" | ", rrs.Select(r => $"{r.Name.Key} {DnsTypeNames.Name(r.Type)} {Canonical(r.Data)}").Order(StringComparer.Ordinal));
        return $"{head} an=[{Section(m.Answers)}] ns=[{Section(m.Authority)}] ar=[{Section(m.Additional)}]";
    }

    private static string Canonical(RData data) => data switch
    {
        NameRData n => n.Target.Key,
        MxRData mx => $"{mx.Preference} {mx.Exchange.Key}",
        SrvRData srv => $"{srv.Priority} {srv.Weight} {srv.Port} {srv.Target.Key}",
        SoaRData soa => $"{soa.Primary.Key} {soa.Mailbox.Key} {soa.Serial} {soa.Refresh} {soa.Retry} {soa.Expire} {soa.Minimum}",
        _ => data.ToText(),
    };
}

/// <summary>NSD on a free loopback port with its own config, database-less, in the foreground; killed on dispose.</summary>
public sealed class NsdServer : IDisposable
{
    private readonly Process _process;
    public int Port { get; }

    private NsdServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    /// <summary>NSD serving <paramref name="zones"/> from DIR/ZONE.zone, or, with <paramref name="primaryPort"/>, as a secondary transferring them from 127.0.0.1 at that port.</summary>
    public static NsdServer Start(string directory, string zone, int? primaryPort = null, int? port = null)
    {
        string[] zones = [zone];
        var nsd = Tool.Require("/usr/sbin/nsd");
        int listen = port ?? FreeUdpAndTcpPort();
        var conf = Path.Combine(directory, "nsd.conf");
        File.WriteAllText(conf, $"""
            server:
                ip-address: 127.0.0.1@{listen}
                port: {listen}
                username: ""
                chroot: ""
                zonesdir: "{directory}"
                pidfile: "{directory}/nsd.pid"
                database: ""
                xfrdfile: "{directory}/xfrd.state"
                xfrdir: "{directory}"
                zonelistfile: "{directory}/zone.list"
                server-count: 1
                minimal-responses: yes
                rrl-ratelimit: 0
                hide-version: yes
                verbosity: 1
            remote-control:
                control-enable: no
            {string.Concat(zones.Select(z => $"zone:\n    name: {z}\n    zonefile: \"{directory}/{z}.zone\"\n" + (primaryPort is { } p
                ? $"    request-xfr: AXFR 127.0.0.1@{p} NOKEY\n    allow-notify: 127.0.0.1 NOKEY\n" : "")))}
            """);
        var check = Tool.Run("/usr/sbin/nsd-checkconf", [conf]);
        Assert.True(check.ExitCode == 0, "nsd-checkconf: " + check.Stdout + check.Stderr);
        var psi = new ProcessStartInfo(nsd) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-d", "-c", conf })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new NsdServer(process, listen);
        var peer = new DnsPeer(listen);
        try
        {
            DnsPeer.WaitUntil(() =>
            {
                if (process.HasExited)
                    throw new InvalidOperationException("nsd exited: " + output);
                var reply = peer.Udp(DnsMessage.Query(1, DnsName.Parse(zones[0] + "."), DnsType.SOA), TimeSpan.FromMilliseconds(300));
                return reply is not null && (primaryPort is not null || DnsMessage.Parse(reply).Answers.Count == 1);
            }, TimeSpan.FromSeconds(20), "nsd serving:\n" + output);
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
    }

    public static int FreeUdpAndTcpPort()
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            int port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
            }
        }
        throw new InvalidOperationException("no free port for nsd");
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
