using Letterbox.Config;
using Letterbox.Dns.Challenges;
using Letterbox.Dns.Generation;
using Letterbox.Dns.Zones;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Tests;

/// <summary>Where the served zones come from: generated mail zones, the user's files, challenge records.</summary>
public sealed class ZoneCatalogTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("lb-dns-").FullName;

    private static readonly LetterboxConfig Config = ConfigLoader.CheckText("""
        hostname = "mail.example.test"
        domains = ["example.test"]
        [network]
        public_ipv4 = "192.0.2.25"
        """, "test").Config ?? throw new InvalidOperationException("test config invalid");

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private ZoneCatalog.Result Build(params string[] domains) =>
        ZoneCatalog.Build(Config, _data, domains.Length == 0 ? ["example.test"] : domains, _ => [], new ZoneSerials(_data), persistSerials: true);

    private void UserFile(string zone, string text)
    {
        Directory.CreateDirectory(ZoneCatalog.ZonesDirectory(_data));
        File.WriteAllText(Path.Combine(ZoneCatalog.ZonesDirectory(_data), zone + ".zone"), text);
    }

    private static string[] At(ZoneSet zones, string name, DnsType type) =>
        zones.FindZone(DnsName.Parse(name))?.Find(DnsName.Parse(name))?.Get(type)?.Records.Select(r => r.ToText()).ToArray() ?? [];

    [Fact]
    public void User_records_join_the_mail_zone_and_other_zones_get_an_soa_and_ns()
    {
        UserFile("example.test", "www IN CNAME mail\n@ IN SOA x. y. 1 2 3 4 5\n");
        UserFile("other.test", "@ IN A 192.0.2.44\n");
        var result = Build();
        Assert.Empty(result.Problems);
        Assert.Equal(["mail.example.test."], At(result.Zones, "www.example.test.", DnsType.CNAME));
        Assert.Equal("mail.example.test.", result.Zones.Get(DnsName.Parse("example.test."))!.Soa.Primary.ToString()); // ours, not the file's
        Assert.Equal(["192.0.2.44"], At(result.Zones, "other.test.", DnsType.A));
        Assert.Equal(["mail.example.test."], At(result.Zones, "other.test.", DnsType.NS));
        Assert.NotNull(result.Zones.Get(DnsName.Parse("other.test."))!.SoaSet);
    }

    [Fact]
    public void A_broken_user_file_is_reported_and_the_generated_zone_still_served()
    {
        UserFile("example.test", "mail IN CNAME elsewhere.test.\n");
        UserFile("bad.test", "@ IN A not-an-address\n");
        var result = Build();
        Assert.Equal(2, result.Problems.Count);
        Assert.Contains(result.Problems, p => p.Contains("CNAME cannot sit beside"));
        Assert.Contains(result.Problems, p => p.Contains("bad.test.zone:1"));
        Assert.Equal(["192.0.2.25"], At(result.Zones, "mail.example.test.", DnsType.A));
        Assert.Null(result.Zones.Get(DnsName.Parse("bad.test.")));
    }

    [Fact]
    public void Challenges_land_in_their_zone_and_bump_the_serial()
    {
        uint before = Build().Zones.Get(DnsName.Parse("example.test."))!.Soa.Serial;
        ChallengeRecords.Publish(_data, "_acme-challenge.example.test", "abc");
        ChallengeRecords.Publish(_data, "_acme-challenge.not-ours.test", "xyz");
        var result = Build();
        Assert.Equal(["\"abc\""], At(result.Zones, "_acme-challenge.example.test.", DnsType.TXT));
        Assert.Null(result.Zones.FindZone(DnsName.Parse("_acme-challenge.not-ours.test.")));
        Assert.True(result.Zones.Get(DnsName.Parse("example.test."))!.Soa.Serial > before);
    }
}
