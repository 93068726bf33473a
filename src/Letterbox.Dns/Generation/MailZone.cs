using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Generation;

/// <summary>A DKIM public key to publish: selector and the TXT value ("v=DKIM1; k=rsa; p=...").</summary>
public sealed record DkimPublicKey(string Selector, string TxtValue);

/// <summary>The ports clients are told about in SRV records (RFC 6186), the served ones.</summary>
public sealed record MailPorts(int Submission, int Submissions, int Imap, int Imaps, int Pop3s);

/// <summary>Everything a mail domain's records are made from.</summary>
/// <param name="Domain">The mail domain, the zone apex.</param>
/// <param name="Hostname">The mail host (MX target, primary name server, SOA MNAME).</param>
/// <param name="HostAddresses">The mail host's public addresses (A/AAAA of the host and of mta-sts).</param>
/// <param name="ExtraNameServers">Secondary name servers' names, listed after the host in NS.</param>
/// <param name="RelayHost">The smarthost all mail leaves through, if any: SPF must allow it.</param>
/// <param name="Dkim">Active DKIM selectors.</param>
/// <param name="CaaIssuer">The CA allowed to issue for the domain (CAA "issue"), if known.</param>
/// <param name="Ports">Ports for the RFC 6186 SRV records.</param>
public sealed record MailZoneInput(
    string Domain,
    string Hostname,
    IReadOnlyList<IPAddress> HostAddresses,
    IReadOnlyList<string> ExtraNameServers,
    string? RelayHost,
    IReadOnlyList<DkimPublicKey> Dkim,
    string? CaaIssuer,
    MailPorts Ports);

/// <summary>
/// The records a mail domain needs, consistent with the host's addresses and keys: the list
/// users would otherwise copy by hand into a provider's web form, and get wrong.
/// </summary>
public static class MailZone
{
    public const uint DefaultTtl = 3600;

    /// <summary>RFC 2308 §5: how long resolvers cache "no such name"; short, so a new record shows up soon.</summary>
    public const uint NegativeTtl = 300;

    /// <summary>An SOA with serial 0; <see cref="ZoneSerials"/> gives the real one.</summary>
    public static SoaRData Soa(DnsName apex, DnsName primary) =>
        // RFC 2142 §7: hostmaster@ is the DNS contact; RFC 1912 §2.2 suggests the timers.
        new(primary, apex.Prepend("hostmaster"), 0, refresh: 3600, retry: 900, expire: 1209600, minimum: NegativeTtl);

    public static List<ResourceRecord> Records(MailZoneInput input)
    {
        var apex = DnsName.Parse(input.Domain + ".");
        var host = DnsName.Parse(input.Hostname + ".");
        var records = new List<ResourceRecord>();
        void Add(DnsName name, RData data, uint ttl = DefaultTtl) => records.Add(new ResourceRecord(name, ttl, data));
        DnsName Sub(string relative) => DnsName.Parse(relative, apex);

        Add(apex, Soa(apex, host));
        Add(apex, new NameRData(DnsType.NS, host));
        foreach (var ns in input.ExtraNameServers)
            Add(apex, new NameRData(DnsType.NS, DnsName.Parse(ns.TrimEnd('.') + ".")));

        // The host's own addresses, when its name is in this zone (they are glue for the NS too).
        if (host.IsAtOrBelow(apex))
            foreach (var a in input.HostAddresses)
                Add(host, new AddressRData(a));

        // RFC 5321 §5.1: where mail for the domain goes.
        Add(apex, new MxRData(10, host));

        // RFC 7208: only our MX (and the smarthost, if mail leaves through one) may send for the domain.
        Add(apex, TxtRData.FromValue(Spf(input.RelayHost)));

        // RFC 7489 §6.3: receivers quarantine mail that fails both SPF and DKIM alignment.
        Add(Sub("_dmarc"), TxtRData.FromValue("v=DMARC1; p=quarantine"));

        // RFC 6376 §3.6.2.1: one TXT per selector under _domainkey.
        foreach (var key in input.Dkim.OrderBy(k => k.Selector, StringComparer.Ordinal))
            Add(Sub($"{key.Selector}._domainkey"), TxtRData.FromValue(key.TxtValue));

        // RFC 8461 §3.1: the policy id changes whenever the policy (our MX host) does.
        Add(Sub("_mta-sts"), TxtRData.FromValue($"v=STSv1; id={PolicyId(input.Hostname)}"));
        foreach (var a in input.HostAddresses)
            Add(Sub("mta-sts"), new AddressRData(a));

        // RFC 8460 §3: where senders report TLS failures.
        Add(Sub("_smtp._tls"), TxtRData.FromValue($"v=TLSRPTv1; rua=mailto:postmaster@{input.Domain}"));

        // RFC 6186 §3, with RFC 8314 §5.1: implicit TLS ports preferred (lower priority value).
        Add(Sub("_submissions._tcp"), new SrvRData(0, 1, (ushort)input.Ports.Submissions, host));
        Add(Sub("_submission._tcp"), new SrvRData(10, 1, (ushort)input.Ports.Submission, host));
        Add(Sub("_imaps._tcp"), new SrvRData(0, 1, (ushort)input.Ports.Imaps, host));
        Add(Sub("_imap._tcp"), new SrvRData(10, 1, (ushort)input.Ports.Imap, host));
        Add(Sub("_pop3s._tcp"), new SrvRData(10, 1, (ushort)input.Ports.Pop3s, host));

        // Thunderbird (autoconfig) and Outlook (autodiscover) look these hosts up; the HTTP daemon answers there.
        if (!Sub("autoconfig").Equals(host))
            Add(Sub("autoconfig"), new NameRData(DnsType.CNAME, host));
        if (!Sub("autodiscover").Equals(host))
            Add(Sub("autodiscover"), new NameRData(DnsType.CNAME, host));

        // RFC 8659: only our ACME CA may issue certificates for the domain.
        if (input.CaaIssuer is { } ca)
            Add(apex, new CaaRData(0, "issue", Encoding.ASCII.GetBytes(ca)));
        return records;
    }

    public static string Spf(string? relayHost)
    {
        if (relayHost is null)
            return "v=spf1 mx -all";
        string mechanism = IPAddress.TryParse(relayHost, out var ip)
            ? (ip.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6:" : "ip4:") + ip
            : "a:" + relayHost;
        return $"v=spf1 mx {mechanism} -all";
    }

    /// <summary>A short id that changes exactly when the MTA-STS policy (its mx line) does.</summary>
    public static string PolicyId(string hostname) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("mx: " + hostname)))[..16].ToLowerInvariant();

    /// <summary>The CA domain for CAA from an ACME directory URL, when we know it.</summary>
    public static string? CaaIssuerFor(Uri acmeDirectory)
    {
        var host = acmeDirectory.Host.ToLowerInvariant();
        if (host.EndsWith("letsencrypt.org", StringComparison.Ordinal))
            return "letsencrypt.org";
        if (host.EndsWith("zerossl.com", StringComparison.Ordinal))
            return "sectigo.com";
        if (host.EndsWith("pki.goog", StringComparison.Ordinal))
            return "pki.goog";
        if (host.EndsWith("buypass.com", StringComparison.Ordinal))
            return "buypass.com";
        return null;
    }
}
