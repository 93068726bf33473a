using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace Letterbox.Tests.Pebble;

/// <summary>
/// Debian's pebble (Let's Encrypt's test CA) on loopback, each instance on its own ports, with
/// pebble-challtestsrv as its DNS server: every A query answers 127.0.0.1, TXT records are set
/// through its management API. http-01 validations go to <see cref="HttpPort"/>, where a test
/// serves the tokens.
/// </summary>
public sealed class PebbleServer : IAsyncDisposable
{
    private readonly Process _pebble;
    private readonly Process _challtestsrv;
    private readonly StringBuilder _output = new();
    private readonly string _dir;
    private readonly TestCa _ca;

    public Uri DirectoryUrl { get; }
    public Uri ManagementUrl { get; }
    public Uri ChallengeServerUrl { get; }
    public int HttpPort { get; }
    public int DnsPort { get; }

    /// <summary>The EAB key id and key pebble demands when started with <c>requireEab</c>.</summary>
    public const string EabKeyId = "kid-1";
    public const string EabMacKey = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";

    private PebbleServer(string dir, Process pebble, Process challtestsrv, int acmePort, int managementPort, int httpPort, int dnsPort, int challPort, TestCa ca)
    {
        _dir = dir;
        _pebble = pebble;
        _challtestsrv = challtestsrv;
        _ca = ca;
        DirectoryUrl = new Uri($"https://127.0.0.1:{acmePort}/dir");
        ManagementUrl = new Uri($"https://127.0.0.1:{managementPort}/");
        ChallengeServerUrl = new Uri($"http://127.0.0.1:{challPort}/");
        HttpPort = httpPort;
        DnsPort = dnsPort;
    }

    /// <summary>Trusts the CA of pebble's own HTTPS listener, and only it.</summary>
    public HttpMessageHandler Handler() => _ca.Handler();

    /// <summary>The PEM root of pebble's own HTTPS listener (for tls.acme_ca_file).</summary>
    public string ListenerRootPem => _ca.Root.ExportCertificatePem();

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <param name="dnsServer">Where pebble resolves names (host:port); challtestsrv when null.</param>
    public static async Task<PebbleServer> StartAsync(int nonceRejectPercent = 0, bool requireEab = false, int? httpPort = null, string? dnsServer = null)
    {
        foreach (var tool in new[] { "/usr/bin/pebble", "/usr/bin/pebble-challtestsrv" })
            if (!File.Exists(tool))
                Assert.Fail($"{tool} is missing: install the Debian package pebble (apt-get install pebble)");

        var dir = Directory.CreateTempSubdirectory("lb-pebble-").FullName;
        var ca = new TestCa();
        File.WriteAllText(Path.Combine(dir, "cert.pem"), ca.ServerCertPem);
        File.WriteAllText(Path.Combine(dir, "key.pem"), ca.ServerKeyPem);
        int acmePort = Ports.FreeTcp(), managementPort = Ports.FreeTcp(), http = httpPort ?? Ports.FreeTcp(), tls = Ports.FreeTcp();
        int dnsPort = Ports.FreeUdpAndTcp(), challPort = Ports.FreeTcp();
        var pebbleConfig = new JsonObject
        {
            ["pebble"] = new JsonObject
            {
                ["listenAddress"] = $"127.0.0.1:{acmePort}",
                ["managementListenAddress"] = $"127.0.0.1:{managementPort}",
                ["certificate"] = Path.Combine(dir, "cert.pem"),
                ["privateKey"] = Path.Combine(dir, "key.pem"),
                ["httpPort"] = http,
                ["tlsPort"] = tls,
                ["ocspResponderURL"] = "",
                ["externalAccountBindingRequired"] = requireEab,
                ["externalAccountMACKeys"] = new JsonObject { [EabKeyId] = EabMacKey },
            },
        };
        var configPath = Path.Combine(dir, "pebble.json");
        File.WriteAllText(configPath, pebbleConfig.ToJsonString());

        var output = new StringBuilder();
        var chall = Launch("/usr/bin/pebble-challtestsrv",
            ["-management", $"127.0.0.1:{challPort}", "-dns01", $"127.0.0.1:{dnsPort}", "-http01", "", "-https01", "", "-tlsalpn01", "",
             "-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""], [], output, "challtestsrv");
        var pebble = Launch("/usr/bin/pebble", ["-config", configPath, "-dnsserver", dnsServer ?? $"127.0.0.1:{dnsPort}"],
            [("PEBBLE_VA_NOSLEEP", "1"), ("PEBBLE_WFE_NONCEREJECT", nonceRejectPercent.ToString(System.Globalization.CultureInfo.InvariantCulture))],
            output, "pebble");
        var instance = new PebbleServer(dir, pebble, chall, acmePort, managementPort, http, dnsPort, challPort, ca);
        lock (output) instance._output.Append(output);
        try
        {
            await instance.WaitReadyAsync(output);
        }
        catch
        {
            await instance.DisposeAsync(); // never leave a pebble running behind a failed start
            throw;
        }
        return instance;
    }

    private static Process Launch(string exe, string[] args, (string, string)[] env, StringBuilder output, string tag)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in env)
            psi.Environment[k] = v;
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine($"[{tag}] {e.Data}"); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine($"[{tag}] {e.Data}"); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private async Task WaitReadyAsync(StringBuilder output)
    {
        using var http = new HttpClient(Handler()) { Timeout = TimeSpan.FromSeconds(2) };
        using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < until)
        {
            try
            {
                if ((await http.GetAsync(DirectoryUrl)).IsSuccessStatusCode && (await plain.PostAsync(new Uri(ChallengeServerUrl, "set-default-ipv4"), Json(new JsonObject { ["ip"] = "127.0.0.1" }))).IsSuccessStatusCode)
                    return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            if (_pebble.HasExited || _challtestsrv.HasExited)
                break;
            await Task.Delay(100);
        }
        string log;
        lock (output) log = output.ToString();
        Assert.Fail("pebble did not start:\n" + log);
    }

    /// <summary>pebble's root for the certificates it issues (new on every start), from its management API.</summary>
    public async Task<string> RootPemAsync()
    {
        using var http = new HttpClient(Handler());
        return await http.GetStringAsync(new Uri(ManagementUrl, "roots/0"));
    }

    /// <summary>Sets the TXT record challtestsrv answers for <paramref name="fqdn"/> (no trailing dot).</summary>
    public async Task SetTxtAsync(string fqdn, string value, CancellationToken ct)
    {
        using var http = new HttpClient();
        (await http.PostAsync(new Uri(ChallengeServerUrl, "set-txt"), Json(new JsonObject { ["host"] = fqdn + ".", ["value"] = value }), ct)).EnsureSuccessStatusCode();
    }

    public async Task ClearTxtAsync(string fqdn, CancellationToken ct)
    {
        using var http = new HttpClient();
        (await http.PostAsync(new Uri(ChallengeServerUrl, "clear-txt"), Json(new JsonObject { ["host"] = fqdn + "." }), ct)).EnsureSuccessStatusCode();
    }

    private static StringContent Json(JsonObject o) => new(o.ToJsonString(), Encoding.UTF8, "application/json");

    public async ValueTask DisposeAsync()
    {
        foreach (var p in new[] { _pebble, _challtestsrv })
        {
            try
            {
                if (!p.HasExited)
                {
                    p.Kill();
                    await p.WaitForExitAsync();
                }
            }
            catch (InvalidOperationException)
            {
            }
            p.Dispose();
        }
        _ca.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
