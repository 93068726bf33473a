using System.Text.RegularExpressions;
using Letterbox.Protocol.Dns;
using Letterbox.Tests.Harness;

namespace Letterbox.Tests.Dns;

/// <summary>
/// One `letterbox dev` whose transfers need the TSIG key "letterbox-xfr" (dns.tsig), created
/// with `letterbox dns tsig-key` as an admin would. NOTIFY goes to the port the NSD secondary
/// of <see cref="IxfrTests"/> runs on.
/// </summary>
public sealed class TsigAppliance : IDisposable
{
    public const string KeyName = "letterbox-xfr";

    public DevAppliance App { get; }
    public DnsPeer Dns { get; }
    public int NsdSecondaryPort { get; }
    public string Secret { get; }

    /// <summary>dig/kdig's -y argument.</summary>
    public string DigKey => $"hmac-sha256:{KeyName}:{Secret}";

    public string ZoneFile => Path.Combine(App.DataDirectory, "dns", "zones", "example.test.zone");

    public TsigAppliance()
    {
        NsdSecondaryPort = NsdServer.FreeUdpAndTcpPort();
        App = new DevAppliance($"[dns]\nsecondaries = [\"127.0.0.1\"]\nnotify = [\"127.0.0.1:{NsdSecondaryPort}\"]\nrate_limit = 0\ntsig = \"{KeyName}\"\n");
        Dns = new DnsPeer(App.Offset + 53);
        var created = Tool.Run(LetterboxProcess.BinaryPath, ["dns", "tsig-key", KeyName, "--data", App.DataDirectory]);
        Assert.True(created.ExitCode == 0, created.Stderr);
        // The printed NSD snippet carries the secret; the key file holds it too, mode 0600.
        Secret = Regex.Match(created.Stdout, "secret: \"([A-Za-z0-9+/=]+)\"").Groups[1].Value;
        Assert.NotEmpty(Secret);
        var file = Path.Combine(App.DataDirectory, "dns", "tsig", KeyName + ".key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal($"hmac-sha256 {Secret}", File.ReadAllText(file).Trim());

        uint before = Dns.Serial("example.test.");
        Directory.CreateDirectory(Path.GetDirectoryName(ZoneFile)!);
        File.WriteAllText(ZoneFile, "$TTL 600\nbase IN TXT \"before any change\"\n");
        DnsPeer.WaitUntil(() => Dns.Serial("example.test.") != before, TimeSpan.FromSeconds(20), "the user's zone file loaded\n" + App.Process.Output);
    }

    /// <summary>Adds a record to the user's zone file and waits until the served serial moves; returns the old serial.</summary>
    public uint Change(string line)
    {
        uint before = Dns.Serial("example.test.");
        File.AppendAllText(ZoneFile, line + "\n");
        DnsPeer.WaitUntil(() => Dns.Serial("example.test.") != before, TimeSpan.FromSeconds(20), "the change served\n" + App.Process.Output);
        return before;
    }

    public void Dispose() => App.Dispose();
}

// Not in parallel with the other collections: both this fixture and the "dns" one pick a free port
// for their NSD secondary when they start and bind it only when a test runs, so run side by side
// they can pick the same one (NsdDifferentialTests' secondary test failed 3 times in ~20 runs with
// both collections running side by side, never with one alone).
[CollectionDefinition("dns-tsig", DisableParallelization = true)]
public sealed class DnsTsigCollection : ICollectionFixture<TsigAppliance>;

/// <summary>TSIG (RFC 8945) on zone transfers, checked by clients nobody here wrote: dig, kdig and dnspython.</summary>
[Collection("dns-tsig")]
public sealed class TsigTests(TsigAppliance fixture)
{
    private DnsPeer Dns => fixture.Dns;

    private static Tool.Result Run(string tool, params string[] args) => Tool.Run(tool, args, TimeSpan.FromSeconds(60));

    private string[] DigArgs(params string[] args) => ["@127.0.0.1", "-p", Dns.Port.ToString(), "+time=5", .. args];

    [Fact]
    public void Dig_and_kdig_with_the_key_transfer_the_signed_zone()
    {
        var dig = Run("dig", DigArgs("-y", fixture.DigKey, "example.test", "AXFR"));
        Assert.True(dig.ExitCode == 0, dig.Stdout + dig.Stderr);
        Assert.Equal(2, Regex.Matches(dig.Stdout, @"^example\.test\.\s+\d+\s+IN\s+SOA\s", RegexOptions.Multiline).Count);
        Assert.Contains("base.example.test.", dig.Stdout);
        Assert.Contains("TSIG", dig.Stdout); // dig shows each message's TSIG, and complains loudly when one does not verify
        Assert.DoesNotContain("failed", dig.Stdout + dig.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("verify", dig.Stdout + dig.Stderr, StringComparison.OrdinalIgnoreCase);

        var kdig = Run("kdig", DigArgs("-y", fixture.DigKey, "example.test", "AXFR"));
        Assert.True(kdig.ExitCode == 0, kdig.Stdout + kdig.Stderr);
        Assert.Equal(2, Regex.Matches(kdig.Stdout, @"^example\.test\.\s+\d+\s+IN\s+SOA\s", RegexOptions.Multiline).Count);
        Assert.DoesNotContain("WARNING", kdig.Stdout + kdig.Stderr);
        Assert.DoesNotContain("failed", kdig.Stdout + kdig.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Without_the_key_the_transfer_is_refused()
    {
        var dig = Run("dig", DigArgs("example.test", "AXFR"));
        Assert.Contains("Transfer failed", dig.Stdout);
        Assert.DoesNotContain("base.example.test.", dig.Stdout);
        var kdig = Run("kdig", DigArgs("example.test", "AXFR"));
        Assert.Contains("REFUSED", kdig.Stdout + kdig.Stderr);
        Assert.DoesNotContain("base.example.test.", kdig.Stdout);
    }

    [Fact]
    public void A_wrong_secret_is_badsig_and_an_unknown_key_is_badkey()
    {
        var wrong = Convert.ToBase64String(new byte[32]);
        var badSig = Run("kdig", DigArgs("-y", $"hmac-sha256:{TsigAppliance.KeyName}:{wrong}", "example.test", "AXFR"));
        Assert.Contains("BADSIG", badSig.Stdout + badSig.Stderr);
        Assert.DoesNotContain("base.example.test.", badSig.Stdout);
        var badKey = Run("kdig", DigArgs("-y", $"hmac-sha256:someone-else:{fixture.Secret}", "example.test", "AXFR"));
        Assert.Contains("BADKEY", badKey.Stdout + badKey.Stderr);
        Assert.DoesNotContain("base.example.test.", badKey.Stdout);
        // dig reports the failure its own way, and gets no records either.
        var dig = Run("dig", DigArgs("-y", $"hmac-sha256:{TsigAppliance.KeyName}:{wrong}", "example.test", "AXFR"));
        Assert.DoesNotContain("base.example.test.", dig.Stdout);
        Assert.Matches("(?i)(failed|BADSIG|NOTAUTH)", dig.Stdout + dig.Stderr);
    }

    /// <summary>A TSIG record by hand: owner, type 250, class ANY, TTL 0, then RDATA with a MAC size that may lie.</summary>
    private static byte[] WithTsig(byte[] query, ushort macSize, int macBytes, ushort @class = 255, bool thenOpt = false)
    {
        var rdata = new List<byte>();
        rdata.AddRange([11, .. "hmac-sha256"u8.ToArray(), 0]);
        rdata.AddRange([0, 0, 0x69, 0x24, 0x81, 0x00, 0x01, 0x2C, (byte)(macSize >> 8), (byte)macSize]);
        rdata.AddRange(new byte[macBytes]);
        rdata.AddRange([query[0], query[1], 0, 0, 0, 0]);
        var record = new List<byte>();
        record.AddRange([13, .. "letterbox-xfr"u8.ToArray(), 0, 0, 250, (byte)(@class >> 8), (byte)@class, 0, 0, 0, 0, (byte)(rdata.Count >> 8), (byte)rdata.Count]);
        record.AddRange(rdata);
        var message = query.Concat(record).ToList();
        if (thenOpt)
            message.AddRange([0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0]);
        message[11] = (byte)(thenOpt ? 2 : 1);
        return message.ToArray();
    }

    [Fact]
    public void Hostile_tsig_records_over_tcp_get_formerr_or_notauth_and_never_the_zone()
    {
        var query = DnsMessage.Query(0x4711, DnsName.Parse("example.test."), DnsType.AXFR);
        var cases = new (string What, byte[] Packet, DnsRcode Expected)[]
        {
            ("MAC size beyond the RDATA", WithTsig(query, 200, 32), DnsRcode.FormErr),
            ("MAC size 65535", WithTsig(query, 0xFFFF, 32), DnsRcode.FormErr),
            ("MAC of 4 octets", WithTsig(query, 4, 4), DnsRcode.FormErr),
            ("class IN instead of ANY", WithTsig(query, 32, 32, @class: 1), DnsRcode.FormErr),
            ("TSIG not last", WithTsig(query, 32, 32, thenOpt: true), DnsRcode.FormErr),
            ("a zero MAC of the right size", WithTsig(query, 32, 32), DnsRcode.NotAuth),
        };
        foreach (var (what, packet, expected) in cases)
        {
            var reply = Dns.Tcp(packet);
            Assert.True(reply is not null, what);
            var m = DnsMessage.Parse(reply);
            Assert.True(expected == m.Rcode, $"{what}: {m.Rcode}");
            Assert.Empty(m.Answers);
        }
        // Cut short inside the TSIG: the record runs past the packet, FORMERR before any key is looked at.
        var whole = WithTsig(query, 32, 32);
        var cut = whole[..(whole.Length - 20)];
        Assert.Equal(DnsRcode.FormErr, DnsMessage.Parse(Dns.Tcp(cut)!).Header.Rcode);
        // The server is still there for the real thing.
        Assert.Contains("base.example.test.", Run("dig", DigArgs("-y", fixture.DigKey, "example.test", "AXFR")).Stdout);
    }

    /// <summary>dnspython checks every message's MAC of a multi-message transfer, each over the one before (RFC 8945 §5.3.1).</summary>
    [Fact]
    public void Dnspython_verifies_the_mac_chain_of_a_multi_message_transfer()
    {
        // Enough records for several 16 KB messages.
        if (!File.ReadAllText(fixture.ZoneFile).Contains("bulk0 "))
            File.AppendAllText(fixture.ZoneFile, string.Concat(Enumerable.Range(0, 1500).Select(i => $"bulk{i} IN TXT \"padding record {i} to make the transfer span messages\"\n")));
        DnsPeer.WaitUntil(() => Dns.Short("bulk1499.example.test", "TXT").Length == 1, TimeSpan.FromSeconds(20), "the bulk records served");
        const string script = """
            import sys, dns.query, dns.tsigkeyring, dns.zone, dns.tsig, dns.message, dns.rdatatype
            port, name, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3]
            keyring = dns.tsigkeyring.from_text({name: ('hmac-sha256', secret)})
            messages = list(dns.query.xfr('127.0.0.1', 'example.test.', port=port, keyring=keyring, keyname=name, keyalgorithm='hmac-sha256', lifetime=30))
            assert all(m.had_tsig for m in messages), 'a message without TSIG'
            zone = dns.zone.from_xfr(iter(messages))
            print(len(messages), len(list(zone.iterate_rdatas())))
            """;
        var r = Run("/usr/bin/python3", "-c", script, Dns.Port.ToString(), TsigAppliance.KeyName, fixture.Secret);
        Assert.True(r.ExitCode == 0, "python3-dnspython: " + r.Stdout + r.Stderr);
        var parts = r.Stdout.Trim().Split(' ');
        Assert.True(int.Parse(parts[0]) >= 3, $"{parts[0]} messages");
        Assert.True(int.Parse(parts[1]) > 1500, $"{parts[1]} records");

        // The same with a wrong secret: dnspython refuses the answer.
        var bad = Run("/usr/bin/python3", "-c", script, Dns.Port.ToString(), TsigAppliance.KeyName, Convert.ToBase64String(new byte[32]));
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Matches("(?i)(BADSIG|PeerBadSignature|NOTAUTH|Refused)", bad.Stderr);
    }
}
