using Letterbox.Config;
using Letterbox.Dns.Zones;
using Letterbox.Store;
using Letterbox.Store.Keys;

namespace Letterbox.Dns.Generation;

/// <summary>
/// The zones of this appliance as the server serves them: mail domains from the account
/// database (and the config's domains), DKIM keys from <see cref="DkimKeyStore"/>, user files and
/// challenges from <c>&lt;data&gt;/dns/</c>. The daemon and `letterbox dns zone` both start here, so
/// what is exported is what is served.
/// </summary>
public static class ServedZones
{
    public static ZoneCatalog.Result Load(LetterboxConfig config, string dataDirectory, bool persistSerials)
    {
        var domains = new List<string>(config.Domains);
        var store = AccountStore.Open(dataDirectory);
        domains.AddRange(store.Domains().Select(d => d.Name));
        return ZoneCatalog.Build(config, dataDirectory, domains, domain => Dkim(dataDirectory, domain),
            new ZoneSerials(dataDirectory), persistSerials);
    }

    /// <summary>The domain's DKIM public keys (every selector on disk, so a rotation publishes the new key beside the old).</summary>
    public static IReadOnlyList<DkimPublicKey> Dkim(string dataDirectory, string domain)
    {
        try
        {
            return new DkimKeyStore(dataDirectory).Load(domain).Select(k => new DkimPublicKey(k.Selector, k.TxtRecord)).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            return [];
        }
    }

    /// <summary>Files whose change means the zones must be rebuilt (their newest write time is compared).</summary>
    public static IEnumerable<string> WatchedPaths(string dataDirectory)
    {
        yield return Path.Combine(dataDirectory, AccountStore.DatabaseFileName);
        yield return Path.Combine(dataDirectory, AccountStore.DatabaseFileName + "-wal");
        yield return Challenges.ChallengeRecords.Directory(dataDirectory);
        yield return ZoneCatalog.ZonesDirectory(dataDirectory);
        yield return Path.Combine(dataDirectory, "dkim");
    }
}
