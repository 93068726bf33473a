using Letterbox.Config;
using Letterbox.Dns.Answering;
using Letterbox.Dns.Dnssec;
using Letterbox.Dns.Generation;
using Letterbox.Dns.Journal;
using Letterbox.Dns.Tsig;
using Letterbox.Dns.Zones;
using Letterbox.Logging;
using Letterbox.Protocol.Dns;

namespace Letterbox.Daemons.Dns;

/// <summary>
/// The zones being served, swapped whole when their sources change: the account database (a
/// domain added), DKIM keys, the user's zone files, ACME challenge files, and the effective
/// config. Sources are polled four times a second (a challenge must be visible within one);
/// a reload that fails keeps the old zones serving, as NSD does.
/// </summary>
public sealed class DnsZoneState(LetterboxConfig config, string dataDirectory, Log log)
{
    /// <summary>Called with the zones that are new or got a new serial after a load.</summary>
    public Action<IReadOnlyList<Zone>>? Changed { get; set; }

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private volatile Responder _responder = new(Letterbox.Dns.Zones.ZoneSet.Empty);
    private LetterboxConfig _config = config;
    private string _fingerprint = "";
    private string _problems = "";

    public Responder Responder => _responder;

    /// <summary>Recent changes of every zone, for IXFR (RFC 1995); filled as zones are reloaded.</summary>
    public ZoneJournal Journal { get; } = new();

    private string? _keyProblem;

    /// <summary>
    /// dns.tsig's secret, read from its file at each use (transfers and NOTIFYs are rare), so a
    /// new or replaced key needs no restart. Null when none is configured, or when the file is
    /// missing or unsafe: then transfers that require the key are refused, never served unsigned.
    /// </summary>
    public TsigKey? TsigKey()
    {
        if (Config.Dns.TsigKey is not { } name || !TsigKeyFile.IsValidName(name, out var keyName))
            return null;
        var key = TsigKeyFile.Load(dataDirectory, keyName!, out var problem);
        if (problem is not null && problem != _keyProblem)
            log.Warn("tsig key unusable; transfers that need it are refused", ("detail", problem));
        _keyProblem = problem;
        return key;
    }

    /// <summary>The transfer rules for one client: its address on the list or not, the key, the journal.</summary>
    public TransferPolicy TransferPolicy(bool addressAllowed, string client)
    {
        var key = TsigKey();
        DnsName? required = Config.Dns.TsigKey is { } name && TsigKeyFile.IsValidName(name, out var keyName) ? keyName : null;
        return new TransferPolicy
        {
            AddressAllowed = addressAllowed,
            RequiredKey = required,
            Keys = n => key is not null && key.Name.Equals(n) ? key : null,
            Journal = Journal,
            Served = o => log.Info("zone transfer", ("zone", o.Zone), ("kind", o.Kind), ("records", o.Records), ("tsig", o.Key ?? "none"), ("client", client)),
        };
    }

    /// <summary>The config the zones were last built from (re-read when the supervisor rewrites it).</summary>
    public LetterboxConfig Config => Volatile.Read(ref _config);

    private string EffectiveConfigPath => Path.Combine(dataDirectory, "run", "effective.toml");

    private readonly ZoneSigner _signer = new(new DnssecKeyStore(dataDirectory));

    /// <summary>
    /// The zones signed when dns.dnssec is on (signatures of unchanged zones are reused). A zone that
    /// cannot be signed (its key unreadable) is served unsigned and said loudly: with a DS at the
    /// registrar resolvers then fail it, which the log must explain.
    /// </summary>
    private ZoneCatalog.Result Signed(ZoneCatalog.Result result)
    {
        if (!_config.Dns.Dnssec)
            return result;
        try
        {
            return result with { Zones = _signer.Sign(result.Zones) };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            log.Error("zones not signed; serving them unsigned", ("error", e.GetType().Name), ("detail", e.Message));
            return result;
        }
    }

    public void Load()
    {
        _fingerprint = Fingerprint();
        var result = Signed(ServedZones.Load(_config, dataDirectory, persistSerials: true));
        // The same broken file is reported once, not at every reload.
        var problems = string.Join('\n', result.Problems);
        if (problems != _problems)
            foreach (var problem in result.Problems)
                log.Warn("zone problem", ("detail", problem));
        _problems = problems;
        var before = _responder.Zones;
        // Zones that are new or have a new serial: secondaries are told (RFC 1996).
        var fresh = result.Zones.Zones.Where(z => before.Get(z.Apex)?.Soa.Serial != z.Soa.Serial).ToList();
        if (fresh.Count == 0 && before.Zones.Count == result.Zones.Zones.Count && before.Zones.All(z => ZoneSigner.Find(z) is null != _config.Dns.Dnssec))
        {
            // Serials change exactly when content does. Nothing changed (the database is written at
            // every delivery, which wakes us), so the responder and its kept answers stay.
            return;
        }
        foreach (var zone in fresh)
            Journal.Record(before.Get(zone.Apex), zone);
        _responder = new Responder(result.Zones);
        if (fresh.Count > 0)
            Changed?.Invoke(fresh);
        log.Info("zones loaded", ("zones", string.Join(' ', result.Zones.Zones.Select(z => $"{z.Apex.ToString().TrimEnd('.')}@{z.Soa.Serial}"))));
    }

    public async Task WatchAsync(Action? afterPoll, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(PollInterval, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            afterPoll?.Invoke();
            if (Fingerprint() == _fingerprint && !_signer.ResignDue)
                continue;
            try
            {
                ReloadConfig();
                Load();
            }
            catch (Exception e)
            {
                log.Error("zone reload failed; the previous zones stay", ("error", e.GetType().Name), ("detail", e.Message));
            }
        }
    }

    private void ReloadConfig()
    {
        if (!File.Exists(EffectiveConfigPath))
            return;
        try
        {
            Volatile.Write(ref _config, Cli.ConfigBridge.LoadDaemonFile(EffectiveConfigPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Cli.CliException)
        {
            log.Debug("effective config not re-read", ("detail", e.Message));
        }
    }

    /// <summary>Names, sizes and write times of every source file, cheap enough to take four times a second.</summary>
    private string Fingerprint()
    {
        var sb = new System.Text.StringBuilder();
        foreach (var path in ServedZones.WatchedPaths(dataDirectory).Append(EffectiveConfigPath))
            Describe(sb, path, depth: 2);
        return sb.ToString();
    }

    private static void Describe(System.Text.StringBuilder sb, string path, int depth)
    {
        try
        {
            if (File.Exists(path))
            {
                var info = new FileInfo(path);
                sb.Append(path).Append(' ').Append(info.Length).Append(' ').Append(info.LastWriteTimeUtc.Ticks).Append('\n');
            }
            else if (Directory.Exists(path))
            {
                sb.Append(path).Append(' ').Append(Directory.GetLastWriteTimeUtc(path).Ticks).Append('\n');
                if (depth > 0)
                    foreach (var entry in Directory.EnumerateFileSystemEntries(path).Order(StringComparer.Ordinal))
                        Describe(sb, entry, depth - 1);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            sb.Append(path).Append(" ?\n");
        }
    }
}
