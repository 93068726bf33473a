using System.Globalization;
using System.Security.Cryptography;
using Letterbox.Config;
using Letterbox.Store;
using Letterbox.Net.Listeners;

namespace Letterbox.Cli;

/// <summary>
/// `letterbox dev`: the whole appliance on 127.0.0.1 for a try-out or for development, from an
/// embedded config (example.test, self-signed TLS), every service on its standard port + offset.
/// </summary>
public static class DevCommand
{
    public const int DefaultPortOffset = 10000;
    public const string DefaultDataDirectory = ".letterbox-dev";

    public static async Task<int> RunAsync(string? dataOption, int? portOffset, string? configFile, CancellationToken ct)
    {
        var result = await ConfigBridge.LoadValidAsync(ConfigBridge.DevSources(portOffset, configFile), ct);
        var data = Commands.ResolveDataDirectory(dataOption, DefaultDataDirectory);
        string? password = null;
        return await RunCommand.SuperviseAsync("dev", result, data, dropPrivileges: false,
            prepare: settings => password = EnsureDemoUser(settings, data),
            announce: (settings, listeners) => Announce(settings, data, listeners, password));
    }

    /// <summary>
    /// The demo user, made on the first start with a random password that is printed once (we keep
    /// only its hash). Later starts leave it alone; `letterbox user passwd` changes it.
    /// </summary>
    private static string? EnsureDemoUser(LetterboxConfig settings, string data)
    {
        var store = AccountStore.Open(data, new AccountStoreOptions { DefaultQuotaBytes = settings.Store.DefaultQuota });
        foreach (var domain in settings.Domains)
            if (!store.IsLocalDomain(domain))
                store.AddDomain(domain);
        var address = $"demo@{settings.PrimaryDomain}";
        if (store.FindUser(address) is not null)
            return null;
        var password = RandomPassword();
        store.AddUser(address, password);
        AccountCommands.EnsureRoleAddresses(store, settings.PrimaryDomain, address);
        return password;
    }

    private static string RandomPassword()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        return RandomNumberGenerator.GetString(alphabet, 20);
    }

    /// <summary>What listens where, and a command to try each; a service not built yet is simply not listed.</summary>
    private static void Announce(LetterboxConfig settings, string data, IReadOnlyList<Listener> listeners, string? password)
    {
        var w = Console.Out;
        w.WriteLine();
        w.WriteLine($"Letterbox dev: {settings.Hostname} for {string.Join(", ", settings.Domains)}; data in {data}");
        w.WriteLine();
        w.WriteLine($"demo user: demo@{settings.PrimaryDomain}");
        if (password is not null)
            w.WriteLine($"password: {password}");
        else
            w.WriteLine("(its password was printed when it was made; `letterbox user passwd` sets a new one)");
        w.WriteLine();
        w.WriteLine($"  {"service",-12} {"listens on",-22} try it");
        foreach (var l in listeners)
        {
            var ep = ListenerSpec.Format(l.Spec.EndPoint);
            w.WriteLine($"  {l.Spec.Name,-12} {ep + "/" + l.Spec.Transport.ToString().ToLowerInvariant(),-22} {TryIt(l.Spec)}");
        }
        w.WriteLine();
        w.WriteLine("Ctrl-C stops everything.");
        w.WriteLine();
        w.Flush();
    }

    private static string TryIt(ListenerSpec spec)
    {
        var host = ListenerSpec.Format(spec.EndPoint);
        return spec.Name switch
        {
            "http" => $"curl http://{host}/healthz",
            "dns" when spec.Transport == Transport.Udp => $"dig @{spec.EndPoint.Address} -p {spec.EndPoint.Port} example.test MX",
            "dns" => $"dig +tcp @{spec.EndPoint.Address} -p {spec.EndPoint.Port} example.test TXT",
            "imap" => $"openssl s_client -quiet -starttls imap -connect {host}",
            "imaps" => $"curl --insecure imaps://{host}/INBOX -u demo@example.test",
            "pop3" => $"openssl s_client -quiet -starttls pop3 -connect {host}",
            "pop3s" => $"openssl s_client -quiet -connect {host}",
            "smtp" => $"swaks --server {spec.EndPoint.Address} --port {spec.EndPoint.Port} --tls --to demo@example.test",
            "submission" => $"swaks --server {spec.EndPoint.Address} --port {spec.EndPoint.Port} --tls --auth-user demo@example.test --from demo@example.test --to someone@example.org",
            "submissions" => $"swaks --server {spec.EndPoint.Address} --port {spec.EndPoint.Port} --tls-on-connect --auth-user demo@example.test --from demo@example.test --to demo@example.test",
            _ => "",
        };
    }

    internal static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
