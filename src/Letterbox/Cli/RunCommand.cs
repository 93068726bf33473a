using Letterbox.Config;
using Letterbox.Daemons;
using Letterbox.Daemons.Smtp;
using Letterbox.Logging;
using Letterbox.Net.Listeners;
using Letterbox.Net.Tls;
using Letterbox.Net.Unix;
using Letterbox.Supervisor;

namespace Letterbox.Cli;

/// <summary>`letterbox run`: the appliance. Also the body of `letterbox dev`, which only changes where the config comes from.</summary>
public static class RunCommand
{
    public static async Task<int> RunAsync(string? dataOption, string? configFile, CancellationToken ct)
    {
        var result = await ConfigBridge.LoadValidAsync(ConfigBridge.ApplianceSources(configFile), ct);
        var data = Commands.ResolveDataDirectory(dataOption, Commands.DefaultDataDirectory);
        return await SuperviseAsync("appliance", result, data, dropPrivileges: true, prepare: null, announce: null);
    }

    /// <summary>Prepares the data directory, binds every socket, then runs the supervisor until SIGTERM/SIGINT.</summary>
    public static async Task<int> SuperviseAsync(string mode, ConfigResult result, string dataDirectory, bool dropPrivileges,
        Action<LetterboxConfig>? prepare, Action<LetterboxConfig, IReadOnlyList<Listener>>? announce)
    {
        var settings = result.Config!;
        Log.MinimumLevel = LevelOf(settings.Log.Level);
        var log = new Log("supervisor");
        // Daemons without a socket (queue) are probed through the heartbeat files they leave in it.
        HealthProbes.DataDirectory = dataDirectory;

        UnixUser? daemonUser = null;
        if (dropPrivileges && UnixUser.IsRoot)
        {
            daemonUser = UnixUser.Find(settings.User)
                ?? throw new CliException(ExitCodes.UsageOrConfig,
                    $"user ({settings.User}): no such Unix account; daemons run unprivileged as it (create it with: useradd --system --no-create-home --shell /usr/sbin/nologin {settings.User})");
        }
        else if (UnixUser.IsRoot)
        {
            log.Warn("running as root without dropping privileges (dev mode); use `letterbox run` in production");
        }

        PrepareDataDirectory(dataDirectory, daemonUser);
        // ACME mode serves the self-signed certificate until the acme daemon has issued one.
        if (settings.Tls.Mode is TlsMode.SelfSigned or TlsMode.Acme)
            PrepareSelfSignedCertificate(settings, dataDirectory, daemonUser, log);
        prepare?.Invoke(settings);
        var effective = Path.Combine(dataDirectory, "run", "effective.toml");
        File.WriteAllText(effective, result.EffectiveToml);

        var plans = Plan(settings, log);
        var options = new SupervisorOptions
        {
            Mode = mode,
            DataDirectory = dataDirectory,
            Daemons = plans,
            DaemonUser = daemonUser,
            Tls = () => Certificates.Served(settings, dataDirectory),
            ChildArguments = name => daemonUser is null
                ? ["daemon", name, "--data", dataDirectory, "--config-file", effective]
                : ["daemon", name, "--data", dataDirectory, "--config-file", effective, "--user", daemonUser.Name],
        };
        var supervisor = new Supervisor.Supervisor(options, log);

        IReadOnlyList<Listener> listeners;
        try
        {
            listeners = supervisor.Bind();
        }
        catch (ListenerBindException e)
        {
            throw new CliException(ExitCodes.RuntimeFailure, e.Message);
        }
        log.Info("listening", ("sockets", listeners.Count), ("data", dataDirectory), ("mode", mode));
        announce?.Invoke(settings, listeners);

        using var stopping = new CancellationTokenSource();
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stopping.Cancel(); });
        using var intr = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stopping.Cancel(); });
        return await supervisor.RunAsync(listeners, stopping.Token);
    }

    /// <summary>Every enabled daemon the binary has, with its sockets: each listen address, standard port + offset.</summary>
    public static IReadOnlyList<DaemonPlan> Plan(LetterboxConfig settings, Log log)
    {
        var plans = new List<DaemonPlan>();
        foreach (var daemon in Enum.GetValues<Config.Daemon>().Where(settings.Daemons.Runs))
        {
            var name = daemon.ToString().ToLowerInvariant();
            var definition = DaemonCatalog.Find(name);
            if (definition is null)
            {
                log.Info("daemon enabled but not in this build yet; skipped", ("daemon", name));
                continue;
            }
            var specs = definition.Listeners
                .SelectMany(t => settings.Network.Listen.Select(a => new ListenerSpec(t.Name, new System.Net.IPEndPoint(a, t.StandardPort + settings.Network.PortOffset), t.Transport)))
                .ToList();
            plans.Add(new DaemonPlan(definition, specs));
        }
        return plans;
    }

    /// <summary>
    /// tls.mode = "self-signed": made (or reused) before any daemon starts, owned by the daemon
    /// user because the TLS daemons load it; the key is 0600 from the moment it is created.
    /// </summary>
    private static void PrepareSelfSignedCertificate(LetterboxConfig settings, string dataDirectory, UnixUser? daemonUser, Log log)
    {
        var dir = Path.Combine(dataDirectory, "tls");
        using var cert = SelfSignedCertificate.LoadOrCreate(dir, settings.Hostname, [.. settings.Domains, "localhost"]);
        if (daemonUser is not null)
            foreach (var path in new[] { dir, Path.Combine(dir, "self-signed.pem"), Path.Combine(dir, "self-signed.key") })
                daemonUser.Own(path);
        log.Info("self-signed certificate", ("subject", cert.Subject), ("sha256", cert.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)),
            ("not_after", cert.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// The daemons run as another user, and must be able to walk down to the data directory.
    /// A parent that only root may enter (a 0700 home or temp directory) would leave every daemon
    /// failing on its first file access, so refuse to start and say which directory is in the way.
    /// </summary>
    private static void RequireTraversable(string path, UnixUser user)
    {
        for (var dir = Path.GetDirectoryName(Path.GetFullPath(path)); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            var mode = File.GetUnixFileMode(dir);
            if ((mode & UnixFileMode.OtherExecute) == 0)
                throw new CliException(ExitCodes.RuntimeFailure,
                    $"data directory {path} cannot be reached by user {user.Name}: {dir} is not searchable by others (chmod o+x {dir}, or choose another --data)");
        }
    }

    public static LogLevel LevelOf(LogSeverity severity) => severity switch
    {
        LogSeverity.Debug => LogLevel.Debug,
        LogSeverity.Warn => LogLevel.Warn,
        LogSeverity.Error => LogLevel.Error,
        _ => LogLevel.Info,
    };

    /// <summary>
    /// Creates the data directory and checks it is writable before anything starts, so the
    /// problem is one clear line now rather than a daemon failing later. The directory belongs
    /// to the daemon user; run/ (control socket, effective config) stays with the supervisor.
    /// </summary>
    private static void PrepareDataDirectory(string path, UnixUser? daemonUser)
    {
        try
        {
            Directory.CreateDirectory(path);
            var run = Directory.CreateDirectory(Path.Combine(path, "run"));
            var probe = Path.Combine(run.FullName, ".write-test");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            if (daemonUser is not null)
            {
                RequireTraversable(path, daemonUser);
                daemonUser.Own(path);
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                File.SetUnixFileMode(run.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
                UnixUser.ChownGroupOnly(run.FullName, daemonUser.Gid);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.RuntimeFailure, $"data directory {path} is not writable: {e.Message}");
        }
    }
}
