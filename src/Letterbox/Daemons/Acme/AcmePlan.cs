using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Letterbox.Acme;
using Letterbox.Acme.Certificates;
using Letterbox.Acme.Challenges;
using Letterbox.Acme.Jws;
using Letterbox.Config;
using Letterbox.Dns.Challenges;
using Letterbox.Protocol.Dns;
using Letterbox.Store;

namespace Letterbox.Daemons.Acme;

/// <summary>
/// What the acme daemon (and `letterbox cert`) derive from the config: the certificate names,
/// the challenge for each name, the account files, and the HTTP trust for the directory.
/// </summary>
public sealed class AcmePlan(LetterboxConfig config, string dataDirectory)
{
    public static readonly IReadOnlyList<CertificateKind> Kinds = [CertificateKind.EcdsaP256, CertificateKind.Rsa2048];

    public LetterboxConfig Config { get; } = config;
    public string DataDirectory { get; } = dataDirectory;
    public string AccountKeyPath => Path.Combine(DataDirectory, "acme", "account.key");
    public string RenewRequestPath => Path.Combine(DataDirectory, "acme", "renew-request");
    public CertificateStore Store { get; } = new(dataDirectory);

    /// <summary>The mail domains: the config's, plus any added with `letterbox domain add`.</summary>
    public IReadOnlyList<string> HostedDomains()
    {
        var domains = new List<string>(Config.Domains);
        try
        {
            if (File.Exists(Path.Combine(DataDirectory, AccountStore.DatabaseFileName)))
                domains.AddRange(AccountStore.Open(DataDirectory).Domains().Where(d => d.AliasOf is null).Select(d => d.Name));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // The config's domains are enough to go on with.
        }
        return [.. domains.Select(d => d.ToLowerInvariant()).Distinct()];
    }

    /// <summary>Host name first (it is also the CN), then mta-sts.D and autoconfig.D per domain, then tls.acme_names.</summary>
    public IReadOnlyList<string> Names()
    {
        var names = new List<string> { Config.Hostname };
        foreach (var domain in HostedDomains())
        {
            names.Add("mta-sts." + domain);
            names.Add("autoconfig." + domain);
        }
        names.AddRange(Config.Tls.AcmeNames ?? []);
        return [.. names.Select(n => n.ToLowerInvariant()).Distinct()];
    }

    /// <summary>
    /// dns-01 when our DNS server answers for the name (the dns daemon runs and the name is in a
    /// mail domain's zone), else http-01 on port 80; tls.acme_challenge overrides.
    /// </summary>
    public ChallengeKind ChallengeFor(string name) => Config.Tls.AcmeChallenge switch
    {
        "dns-01" => ChallengeKind.Dns01,
        "http-01" => ChallengeKind.Http01,
        _ => Config.Daemons.Runs(Daemon.Dns) && HostedDomains().Any(d => name == d || name.EndsWith("." + d, StringComparison.Ordinal))
            ? ChallengeKind.Dns01
            : ChallengeKind.Http01,
    };

    public Func<string, IChallengeResponder> Responders()
    {
        var http = new Http01Responder(new Http01Store(DataDirectory));
        var dns = new Dns01Responder(new ChallengeRecordsPublisher(DataDirectory, OwnDnsServer()));
        return name => ChallengeFor(name) == ChallengeKind.Dns01 ? dns : http;
    }

    /// <summary>Where our DNS daemon answers (first listen address, port 53 + offset), when it runs.</summary>
    public IPEndPoint? OwnDnsServer()
    {
        if (!Config.Daemons.Runs(Daemon.Dns) || Config.Network.Listen.Count == 0)
            return null;
        var address = Config.Network.Listen[0];
        if (address.Equals(IPAddress.Any))
            address = IPAddress.Loopback;
        else if (address.Equals(IPAddress.IPv6Any))
            address = IPAddress.IPv6Loopback;
        return new IPEndPoint(address, 53 + Config.Network.PortOffset);
    }

    /// <summary>The external account binding, when both of its keys are set.</summary>
    public ExternalAccountKey? ExternalAccount()
    {
        var (kid, file) = (Config.Tls.AcmeEabKid, Config.Tls.AcmeEabHmacKeyFile);
        if (kid is null && file is null)
            return null;
        if (kid is null || file is null)
            throw new AcmeException("external account binding needs both tls.acme_eab_kid and tls.acme_eab_hmac_key_file");
        try
        {
            return ExternalAccountKey.FromBase64Url(kid, File.ReadAllText(file).Trim());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AcmeException($"cannot read tls.acme_eab_hmac_key_file {file}: {e.Message}");
        }
    }

    /// <summary>Client options; with tls.acme_ca_file the directory's HTTPS must chain to that root and no other.</summary>
    public AcmeClientOptions ClientOptions()
    {
        if (Config.Tls.AcmeCaFile is not { } caFile)
            return new AcmeClientOptions();
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(caFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new AcmeException($"cannot read tls.acme_ca_file {caFile}: {e.Message}");
        }
        if (roots.Count == 0)
            throw new AcmeException($"tls.acme_ca_file {caFile} holds no PEM certificate");
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.AddRange(roots);
        return new AcmeClientOptions { Handler = new SocketsHttpHandler { SslOptions = { CertificateChainPolicy = policy } } };
    }
}

/// <summary>
/// dns-01 through the DNS daemon's challenge files (Letterbox.Dns owns the file contract). The
/// daemon picks a change up within about a second; a CA that looks at once (pebble does, a real
/// CA may too) would see nothing yet, so after publishing we ask our own server until it answers
/// with the value, as ACME clients do with the zone's authoritative servers before they answer
/// the challenge (RFC 8555 §8.4 leaves propagation to the client).
/// </summary>
public sealed class ChallengeRecordsPublisher(string dataDirectory, IPEndPoint? ownServer) : IDns01Publisher
{
    public static readonly TimeSpan VisibleWithin = TimeSpan.FromSeconds(15);

    public async Task PublishAsync(string fqdn, string value, CancellationToken ct)
    {
        ChallengeRecords.Publish(dataDirectory, fqdn, value);
        if (ownServer is null)
            return;
        var deadline = DateTime.UtcNow + VisibleWithin;
        while (DateTime.UtcNow < deadline && !await ServesAsync(ownServer, fqdn, value, ct))
            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        // Not visible in time: answer the challenge anyway; the CA's verdict then says what it saw.
    }

    public Task WithdrawAsync(string fqdn, string value, CancellationToken ct)
    {
        ChallengeRecords.Withdraw(dataDirectory, fqdn, value);
        return Task.CompletedTask;
    }

    /// <summary>One UDP TXT query to our own server; true when <paramref name="value"/> is among the answers.</summary>
    public static async Task<bool> ServesAsync(IPEndPoint server, string fqdn, string value, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            using var udp = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            await udp.ConnectAsync(server, timeout.Token);
            var id = (ushort)Random.Shared.Next(1, 65535);
            await udp.SendAsync(DnsMessage.Query(id, DnsName.Parse(fqdn.TrimEnd('.') + "."), DnsType.TXT), SocketFlags.None, timeout.Token);
            var buffer = new byte[4096];
            int n = await udp.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            var answer = DnsMessage.Parse(buffer.AsSpan(0, n));
            return answer.Header.Id == id && answer.Answers.Any(r => r.Data is TxtRData txt
                && Encoding.UTF8.GetString([.. txt.Strings.SelectMany(b => b)]) == value);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or DnsFormatException)
        {
            return ct.IsCancellationRequested ? throw new OperationCanceledException(ct) : false;
        }
    }
}
