using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Letterbox.Acme;
using Letterbox.Acme.Certificates;
using Letterbox.Config;
using Letterbox.Daemons.Acme;

namespace Letterbox.Cli;

/// <summary>
/// `letterbox cert status|renew|show`: what the TLS listeners serve and how the ACME renewal
/// stands. Reads the running appliance's effective config (&lt;data&gt;/run/effective.toml), so
/// it describes what is running, not what a file on disk would do. `renew` asks the running
/// acme daemon (it owns the account key and the challenge files) and waits for its answer.
/// </summary>
public static class CertCommands
{
    public static void Add(RootCommand root, Option<string?> data)
    {
        var cert = new Command("cert", "Show the TLS certificate and its ACME renewal state, or renew it now.");

        var status = new Command("status", "Which certificate the TLS listeners serve, its names and expiry, and the ACME renewal state.");
        status.SetAction(pr => Status(Load(pr.GetValue(data))));
        cert.Subcommands.Add(status);

        var kind = new Option<string>("--kind") { Description = "ecdsa (default) or rsa.", DefaultValueFactory = _ => "ecdsa" };
        kind.AcceptOnlyFromAmong("ecdsa", "rsa");
        var show = new Command("show", "Print the served certificate's details and its PEM chain.") { Options = { kind } };
        show.SetAction(pr => Show(Load(pr.GetValue(data)), pr.GetValue(kind) == "rsa" ? CertificateKind.Rsa2048 : CertificateKind.EcdsaP256));
        cert.Subcommands.Add(show);

        var wait = new Option<int>("--wait") { Description = "Seconds to wait for the acme daemon's result (default 180).", DefaultValueFactory = _ => 180 };
        var renew = new Command("renew", "Ask the running acme daemon to order new certificates now, and wait for the outcome.") { Options = { wait } };
        renew.SetAction((pr, ct) => RenewAsync(Load(pr.GetValue(data)), TimeSpan.FromSeconds(pr.GetValue(wait)), ct));
        cert.Subcommands.Add(renew);

        root.Subcommands.Add(cert);
    }

    private static (LetterboxConfig Config, string Data) Load(string? dataOption)
    {
        var data = Commands.ResolveDataDirectory(dataOption, Commands.DefaultDataDirectory);
        var effective = Path.Combine(data, "run", "effective.toml");
        if (!File.Exists(effective))
            throw new CliException(ExitCodes.RuntimeFailure, $"{effective} does not exist: start the appliance (letterbox run, or letterbox dev --data {data}) first");
        return (ConfigBridge.LoadDaemonFile(effective), data);
    }

    private static int Status((LetterboxConfig Config, string Data) target)
    {
        var (config, data) = target;
        var w = Console.Out;
        w.WriteLine($"mode: {ModeName(config.Tls.Mode)}");
        if (config.Tls.Mode != TlsMode.Acme)
        {
            var (certPath, keyPath) = ServedFiles(config, data, CertificateKind.EcdsaP256);
            w.WriteLine($"serving: {certPath}");
            Describe(w, certPath, keyPath, "  ");
            return 0;
        }

        var plan = new AcmePlan(config, data);
        var state = RenewalState.Load(data);
        w.WriteLine($"directory: {config.Tls.AcmeDirectory}");
        w.WriteLine($"account: {state.Account ?? "(not created yet)"}");
        w.WriteLine("names:");
        foreach (var name in plan.Names())
            w.WriteLine($"  {name} ({(plan.ChallengeFor(name) == Letterbox.Acme.Challenges.ChallengeKind.Dns01 ? "dns-01" : "http-01")})");
        foreach (var kind in AcmePlan.Kinds)
        {
            w.WriteLine($"{kind.Stem()}:");
            using var issued = plan.Store.Load(kind);
            if (issued is null)
            {
                w.WriteLine("  not issued yet: the listeners serve the self-signed certificate");
            }
            else
            {
                Describe(w, plan.Store.CertificatePath(kind), plan.Store.KeyPath(kind), "  ");
                var renewAt = RenewalPolicy.RenewAt(issued.NotBefore.ToUniversalTime(), issued.NotAfter.ToUniversalTime());
                w.WriteLine($"  renew at: {Time(renewAt)}");
            }
            if (state.Kinds.GetValueOrDefault(kind.Stem()) is { Failures: > 0 } failing)
            {
                w.WriteLine($"  failures: {failing.Failures}, next attempt {(failing.NextAttempt is { } n ? Time(n) : "soon")}");
                w.WriteLine($"  last error: {failing.LastError}");
            }
        }
        return 0;
    }

    private static int Show((LetterboxConfig Config, string Data) target, CertificateKind kind)
    {
        var (certPath, keyPath) = ServedFiles(target.Config, target.Data, kind);
        if (!File.Exists(certPath))
            throw new CliException(ExitCodes.RuntimeFailure, $"no certificate at {certPath}");
        Console.WriteLine($"file: {certPath}");
        Describe(Console.Out, certPath, keyPath, "");
        Console.Write(File.ReadAllText(certPath));
        return 0;
    }

    private static async Task<int> RenewAsync((LetterboxConfig Config, string Data) target, TimeSpan wait, CancellationToken ct)
    {
        var (config, data) = target;
        if (config.Tls.Mode != TlsMode.Acme)
            throw new CliException(ExitCodes.UsageOrConfig, $"tls.mode is {ModeName(config.Tls.Mode)}: there is nothing to renew over ACME");
        var plan = new AcmePlan(config, data);
        var asked = DateTime.UtcNow;
        File.WriteAllText(plan.RenewRequestPath, asked.ToString("o", CultureInfo.InvariantCulture) + "\n");
        Console.WriteLine("asked the acme daemon to renew now; waiting for it...");
        var until = DateTime.UtcNow + wait;
        while (DateTime.UtcNow < until)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            var state = RenewalState.Load(data);
            var kinds = AcmePlan.Kinds.Select(k => (Kind: k, State: state.Kinds.GetValueOrDefault(k.Stem()))).ToList();
            if (kinds.All(k => k.State?.LastAttempt >= asked.AddSeconds(-1)))
            {
                int failed = 0;
                foreach (var (kind, s) in kinds)
                {
                    if (s!.Failures == 0)
                    {
                        using var issued = plan.Store.Load(kind);
                        Console.WriteLine($"{kind.Stem()}: renewed, valid until {(issued is null ? "?" : Time(issued.NotAfter.ToUniversalTime()))}");
                    }
                    else
                    {
                        failed++;
                        Console.WriteLine($"{kind.Stem()}: failed: {s.LastError}");
                    }
                }
                return failed == 0 ? ExitCodes.Ok : ExitCodes.RuntimeFailure;
            }
        }
        throw new CliException(ExitCodes.RuntimeFailure,
            $"the acme daemon did not answer within {wait.TotalSeconds:0} s: is the appliance running with the acme daemon (letterbox status)?");
    }

    /// <summary>The files the TLS listeners load for this mode (see Daemons/Smtp Certificates.For).</summary>
    private static (string Cert, string Key) ServedFiles(LetterboxConfig config, string data, CertificateKind kind)
    {
        var selfSigned = (Path.Combine(data, "tls", "self-signed.pem"), Path.Combine(data, "tls", "self-signed.key"));
        return config.Tls.Mode switch
        {
            TlsMode.Files => (config.Tls.CertFile!, config.Tls.KeyFile!),
            TlsMode.Acme => new CertificateStore(data) is var store && File.Exists(store.CertificatePath(kind)) ? (store.CertificatePath(kind), store.KeyPath(kind)) : selfSigned,
            _ => selfSigned,
        };
    }

    private static void Describe(TextWriter w, string certPath, string keyPath, string indent)
    {
        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(File.ReadAllText(certPath));
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            w.WriteLine($"{indent}cannot read {certPath}: {e.Message}");
            return;
        }
        using (leaf)
        {
            var names = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToList();
            w.WriteLine($"{indent}subject: {leaf.Subject}");
            w.WriteLine($"{indent}names: {string.Join(", ", names)}");
            w.WriteLine($"{indent}issuer: {leaf.Issuer}{(leaf.Subject == leaf.Issuer ? " (self-signed)" : "")}");
            w.WriteLine($"{indent}key: {(leaf.GetECDsaPublicKey() is not null ? "ECDSA P-256" : $"RSA {leaf.GetRSAPublicKey()?.KeySize}")}");
            w.WriteLine($"{indent}valid: {Time(leaf.NotBefore.ToUniversalTime())} to {Time(leaf.NotAfter.ToUniversalTime())} ({(leaf.NotAfter.ToUniversalTime() - DateTime.UtcNow).TotalDays:0} days left)");
            w.WriteLine($"{indent}serial: {leaf.SerialNumber}");
            w.WriteLine($"{indent}sha256: {leaf.GetCertHashString(HashAlgorithmName.SHA256)}");
        }
        if (File.Exists(keyPath) && (File.GetUnixFileMode(keyPath) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0)
            w.WriteLine($"{indent}warning: {keyPath} is readable by other users; chmod 600 it");
    }

    private static string ModeName(TlsMode mode) => mode switch
    {
        TlsMode.Acme => "acme",
        TlsMode.Files => "files",
        _ => "self-signed",
    };

    private static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
}
