using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using Letterbox.Tests.Harness;
using Letterbox.Tests.Pebble;

namespace Letterbox.Tests.Acme;

/// <summary>
/// The published binary in ACME mode against pebble: `letterbox dev` with tls.mode = acme gets
/// its certificate over http-01 through its own HTTP daemon, and openssl then verifies the
/// IMAPS and SMTP handshakes against pebble's root. A renewal is picked up by new connections
/// while a connection opened before it keeps working.
/// </summary>
public sealed class AcmeDevTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private PebbleServer _pebble = null!;
    private LetterboxProcess? _lb;
    private int _offset;
    private string _root = "";

    private string Data => Path.Combine(_dir.Path, "data");

    public async Task InitializeAsync()
    {
        Tool.Require("openssl");
        _offset = LetterboxProcess.FreePortOffset();
        // pebble checks http-01 on the port where `letterbox dev` runs its HTTP daemon; its DNS (challtestsrv) says 127.0.0.1 for every name.
        _pebble = await PebbleServer.StartAsync(httpPort: _offset + 80);
        try
        {
            _root = _dir.File("pebble-root.pem", await _pebble.RootPemAsync());
            var ca = _dir.File("pebble-listener-ca.pem", _pebble.ListenerRootPem);
            var config = _dir.File("acme.toml", $"""
                [tls]
                mode = "acme"
                acme_directory = "{_pebble.DirectoryUrl}"
                acme_ca_file = "{ca}"
                acme_challenge = "http-01"
                acme_email = "postmaster@example.test"
                """);
            _lb = LetterboxProcess.Start(Data, ["dev", "--data", Data, "--port-offset", _offset.ToString(), "--config", config]);
            _lb.WaitForLine("appliance ready");
        }
        catch
        {
            // xunit does not call DisposeAsync when InitializeAsync fails: stop what was started.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        _lb?.Dispose();
        await _pebble.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>Waits (bounded) until a fresh IMAPS handshake presents a certificate issued by pebble, not the self-signed one.</summary>
    private X509Certificate2 WaitForIssuedCertificate(string? notSerial = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var cert = Handshake(_offset + 993);
            if (cert.Issuer != cert.Subject && cert.SerialNumber != notSerial)
                return cert;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"still serving {cert.Subject} from {cert.Issuer}:\n{_lb!.Output}\n{_pebble.Output}");
            Thread.Sleep(500);
        }
    }

    private static X509Certificate2 Handshake(int port)
    {
        using var tcp = new TcpClient("127.0.0.1", port);
        using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        tls.AuthenticateAsClient("mail.example.test");
        return new X509Certificate2(tls.RemoteCertificate!);
    }

    private Tool.Result OpenSsl(params string[] extra) => Tool.Run("openssl",
        ["s_client", "-verify_return_error", "-CAfile", _root, "-verify_hostname", "mail.example.test", "-servername", "mail.example.test", .. extra],
        TimeSpan.FromSeconds(20), stdin: "");

    [Fact]
    public void The_appliance_gets_a_certificate_from_pebble_and_openssl_verifies_imaps_and_smtp_against_pebbles_root()
    {
        using var issued = WaitForIssuedCertificate();
        Assert.Contains("Pebble", issued.Issuer);
        var names = issued.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames().ToList();
        Assert.Equal(["mail.example.test", "mta-sts.example.test", "autoconfig.example.test"], names);

        var imaps = OpenSsl("-connect", $"127.0.0.1:{_offset + 993}");
        Assert.True(imaps.ExitCode == 0, imaps.Stdout + imaps.Stderr);
        Assert.Contains("Verify return code: 0 (ok)", imaps.Stdout);

        var smtp = OpenSsl("-starttls", "smtp", "-connect", $"127.0.0.1:{_offset + 25}");
        Assert.True(smtp.ExitCode == 0, smtp.Stdout + smtp.Stderr);
        Assert.Contains("Verify return code: 0 (ok)", smtp.Stdout);

        // Submission with implicit TLS (465) and POP3S serve the same issued certificate.
        foreach (int port in (int[])[_offset + 465, _offset + 995])
        {
            var implicitTls = OpenSsl("-connect", $"127.0.0.1:{port}");
            Assert.True(implicitTls.ExitCode == 0, implicitTls.Stdout + implicitTls.Stderr);
            Assert.Contains("Verify return code: 0 (ok)", implicitTls.Stdout);
        }

        var status = Tool.Run(LetterboxProcess.BinaryPath, ["cert", "status", "--data", Data]);
        Assert.True(status.ExitCode == 0, status.Stderr);
        Assert.Contains("mode: acme", status.Stdout);
        Assert.Contains("mta-sts.example.test (http-01)", status.Stdout);
        Assert.True(Regex.IsMatch(status.Stdout, @"ecdsa:\n  subject: .*\n  names: mail\.example\.test, mta-sts\.example\.test, autoconfig\.example\.test\n  issuer: CN=Pebble Intermediate"), status.Stdout);
        Assert.Contains("key: ECDSA P-256", status.Stdout);
        Assert.Contains("key: RSA 2048", status.Stdout);
        Assert.DoesNotContain("not issued yet", status.Stdout);

        var show = Tool.Run(LetterboxProcess.BinaryPath, ["cert", "show", "--kind", "rsa", "--data", Data]);
        Assert.True(show.ExitCode == 0, show.Stderr);
        Assert.Contains("key: RSA 2048", show.Stdout);
        Assert.Equal(2, Regex.Matches(show.Stdout, "-----BEGIN CERTIFICATE-----").Count); // leaf and pebble's intermediate

        // The expiry gauge reaches /metrics: refreshed every 10 s and reported every 5 s, so at most ~20 s old.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        Match expiry;
        while (!(expiry = Regex.Match(Tool.Curl($"http://127.0.0.1:{_offset + 80}/metrics").Body, @"letterbox_tls_certificate_expiry_seconds\{kind=""ecdsa""\} (\d+)")).Success && DateTime.UtcNow < deadline)
            Thread.Sleep(500);
        Assert.True(expiry.Success, "no letterbox_tls_certificate_expiry_seconds on /metrics");
        Assert.InRange(double.Parse(expiry.Groups[1].Value), (issued.NotAfter.ToUniversalTime() - DateTime.UtcNow).TotalSeconds - 5, (issued.NotAfter.ToUniversalTime() - DateTime.UtcNow).TotalSeconds + 60);

        // /healthz tells a remote monitor which certificate is served now.
        var tls = System.Text.Json.JsonDocument.Parse(Tool.Curl($"http://127.0.0.1:{_offset + 80}/healthz").Body).RootElement.GetProperty("tls");
        Assert.Equal("acme", tls.GetProperty("certificate").GetString());
        Assert.Equal(issued.NotAfter.ToUniversalTime(), tls.GetProperty("not_after").GetDateTimeOffset().UtcDateTime, TimeSpan.FromSeconds(1));

        var key = Path.Combine(Data, "certs", "ecdsa.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Data, "acme", "account.key")));
    }

    [Fact]
    public void A_renewal_reaches_new_connections_while_one_opened_before_it_keeps_working()
    {
        using var first = WaitForIssuedCertificate();

        using var tcp = new TcpClient("127.0.0.1", _offset + 993);
        using var old = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        old.AuthenticateAsClient("mail.example.test");
        var reader = new StreamReader(old, Encoding.ASCII);
        Assert.StartsWith("* OK", reader.ReadLine());
        Assert.Equal(first.SerialNumber, new X509Certificate2(old.RemoteCertificate!).SerialNumber);

        var renew = Tool.Run(LetterboxProcess.BinaryPath, ["cert", "renew", "--data", Data, "--wait", "90"], TimeSpan.FromSeconds(120));
        Assert.True(renew.ExitCode == 0, renew.Stdout + renew.Stderr + _lb!.Output);
        Assert.Contains("ecdsa: renewed", renew.Stdout);

        using var second = WaitForIssuedCertificate(notSerial: first.SerialNumber);
        Assert.NotEqual(first.SerialNumber, second.SerialNumber);

        old.Write("a1 CAPABILITY\r\n"u8);
        old.Flush();
        string? line;
        do
            line = reader.ReadLine();
        while (line is not null && !line.StartsWith("a1 ", StringComparison.Ordinal));
        Assert.StartsWith("a1 OK", line);
    }

    [Fact]
    public void Clients_that_offer_no_ecdsa_get_the_rsa_certificate_and_every_client_verifies()
    {
        using var ecdsa = WaitForIssuedCertificate();
        string[] rsaOnly13 = ["-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:RSA+SHA256", "-connect", $"127.0.0.1:{_offset + 993}"];
        string[] rsaOnly12 = ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-connect", $"127.0.0.1:{_offset + 993}"];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        Tool.Result rsa;
        // The RSA certificate follows the ECDSA one by a moment.
        while (!(rsa = OpenSsl(rsaOnly13)).Stdout.Contains("Server public key is 2048 bit") && DateTime.UtcNow < deadline)
            Thread.Sleep(500);
        Assert.True(rsa.ExitCode == 0, rsa.Stdout + rsa.Stderr);
        Assert.Contains("Server public key is 2048 bit", rsa.Stdout);
        Assert.Contains("Verify return code: 0 (ok)", rsa.Stdout);

        var rsa12 = OpenSsl(rsaOnly12);
        Assert.True(rsa12.ExitCode == 0, rsa12.Stdout + rsa12.Stderr);
        Assert.Contains("Server public key is 2048 bit", rsa12.Stdout);

        var modern = OpenSsl("-connect", $"127.0.0.1:{_offset + 993}");
        Assert.Contains("Server public key is 256 bit", modern.Stdout);
        Assert.Contains("Verify return code: 0 (ok)", modern.Stdout);
        var starttls = OpenSsl("-starttls", "smtp", "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-connect", $"127.0.0.1:{_offset + 25}");
        Assert.Contains("Verify return code: 0 (ok)", starttls.Stdout);
        Assert.Contains("Server public key is 2048 bit", starttls.Stdout);
    }

    [Fact]
    public void The_http_daemon_serves_no_challenge_for_a_token_it_does_not_have_and_refuses_hostile_ones()
    {
        foreach (var token in new[] { "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "..%2F..%2Fetc%2Fpasswd", "../../../etc/passwd", "a" })
        {
            var (code, _) = Tool.Curl($"http://127.0.0.1:{_offset + 80}/.well-known/acme-challenge/{token}", "--path-as-is");
            Assert.Equal(404, code);
        }
    }
}

/// <summary>
/// dns-01 end to end: pebble resolves through Letterbox's own DNS daemon, which serves the TXT
/// records the acme daemon publishes under &lt;data&gt;/dns/challenges/ (tls.acme_challenge = auto
/// picks dns-01 because the dns daemon serves example.test).
/// </summary>
public sealed class AcmeDns01DevTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private PebbleServer _pebble = null!;
    private LetterboxProcess? _lb;
    private int _offset;

    private string Data => Path.Combine(_dir.Path, "data");

    public async Task InitializeAsync()
    {
        _offset = LetterboxProcess.FreePortOffset();
        // No http-01 port is reachable (nothing listens at pebble's httpPort): only dns-01 can succeed.
        _pebble = await PebbleServer.StartAsync(dnsServer: $"127.0.0.1:{_offset + 53}");
        try
        {
            var ca = _dir.File("pebble-listener-ca.pem", _pebble.ListenerRootPem);
            var config = _dir.File("acme.toml", $"""
                [tls]
                mode = "acme"
                acme_directory = "{_pebble.DirectoryUrl}"
                acme_ca_file = "{ca}"
                """);
            _lb = LetterboxProcess.Start(Data, ["dev", "--data", Data, "--port-offset", _offset.ToString(), "--config", config]);
            _lb.WaitForLine("appliance ready");
        }
        catch
        {
            // xunit does not call DisposeAsync when InitializeAsync fails: stop what was started.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        _lb?.Dispose();
        await _pebble.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task The_certificate_is_issued_over_dns01_through_letterboxs_own_dns_server()
    {
        _lb!.WaitForLine("dns-01 authorization valid for mail.example.test", TimeSpan.FromSeconds(90));
        _lb!.WaitForLine("certificate issued.*kind=ecdsa", TimeSpan.FromSeconds(60));

        var status = Tool.Run(LetterboxProcess.BinaryPath, ["cert", "status", "--data", Data]);
        Assert.Contains("mail.example.test (dns-01)", status.Stdout);
        Assert.Contains("issuer: CN=Pebble Intermediate", status.Stdout);
        var root = _dir.File("pebble-root.pem", await _pebble.RootPemAsync());
        var verify = Tool.Run("openssl", ["verify", "-CAfile", root, "-untrusted", Path.Combine(Data, "certs", "ecdsa.pem"), Path.Combine(Data, "certs", "ecdsa.pem")]);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        // The challenge records are withdrawn once the order is done.
        Assert.Empty(Directory.Exists(Path.Combine(Data, "dns", "challenges")) ? Directory.GetFiles(Path.Combine(Data, "dns", "challenges")) : []);
    }
}

/// <summary>A CA that cannot validate: the appliance keeps serving its self-signed certificate and says why, with the next try.</summary>
public sealed class AcmeFailureDevTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private PebbleServer _pebble = null!;
    private LetterboxProcess? _lb;
    private int _offset;

    private string Data => Path.Combine(_dir.Path, "data");

    public async Task InitializeAsync()
    {
        _offset = LetterboxProcess.FreePortOffset();
        // pebble looks for http-01 answers on a port where nothing listens.
        _pebble = await PebbleServer.StartAsync(httpPort: Ports.FreeTcp());
        try
        {
            var ca = _dir.File("pebble-listener-ca.pem", _pebble.ListenerRootPem);
            var config = _dir.File("acme.toml", $"""
                [tls]
                mode = "acme"
                acme_directory = "{_pebble.DirectoryUrl}"
                acme_ca_file = "{ca}"
                acme_challenge = "http-01"
                """);
            _lb = LetterboxProcess.Start(Data, ["dev", "--data", Data, "--port-offset", _offset.ToString(), "--config", config]);
            _lb.WaitForLine("appliance ready");
        }
        catch
        {
            // xunit does not call DisposeAsync when InitializeAsync fails: stop what was started.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        _lb?.Dispose();
        await _pebble.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public void A_failed_challenge_is_reported_with_its_reason_and_the_next_attempt_and_tls_keeps_working()
    {
        // The daemon's own error line comes after the pass has recorded both kinds.
        _lb!.WaitForLine("error acme msg=\"certificate not issued\".*rsa: http-01 challenge for .* failed", TimeSpan.FromSeconds(60));

        var status = Tool.Run(LetterboxProcess.BinaryPath, ["cert", "status", "--data", Data]);
        Assert.Contains("not issued yet: the listeners serve the self-signed certificate", status.Stdout);
        Assert.Matches(new Regex(@"failures: 1, next attempt \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"), status.Stdout);
        Assert.Matches(new Regex(@"last error: http-01 challenge for \S+\.example\.test failed: connection: "), status.Stdout);

        using var tcp = new TcpClient("127.0.0.1", _offset + 993);
        using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        tls.AuthenticateAsClient("mail.example.test");
        var served = new X509Certificate2(tls.RemoteCertificate!);
        Assert.Equal(served.Subject, served.Issuer); // still the self-signed one
    }
}
