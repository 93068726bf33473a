using System.Text;
using System.Text.Json;
using Letterbox.Config.Tests;
using Letterbox.Tests.Harness;

namespace Letterbox.Tests.Cli;

/// <summary>
/// Configuration as the binary applies it: `config check`, `config show`, and `run` reading an
/// /etc file and EC2 user-data and tags from a fake IMDSv2 server on loopback.
/// </summary>
public sealed class ConfigCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Tool.Result Letterbox(IDictionary<string, string>? env, params string[] args)
    {
        var environment = LetterboxProcess.PinnedEnvironment();
        if (env is not null)
            foreach (var (k, v) in env)
                environment[k] = v;
        return Tool.Run("/usr/bin/env", [.. environment.Select(kv => $"{kv.Key}={kv.Value}"), LetterboxProcess.BinaryPath, .. args]);
    }

    [Fact]
    public void Config_check_reports_every_problem_on_its_own_line_and_exits_two()
    {
        var file = _dir.File("bad.toml", """
            hostname = "example.com"
            domains = ["example.com"]
            [smtp]
            max_mesage_size = "10M"
            max_recipients = "lots"
            """);

        var r = Letterbox(null, "config", "check", file);

        Assert.Equal(2, r.ExitCode);
        var lines = r.Stderr.Trim().Split('\n');
        Assert.Contains(lines, l => l.StartsWith("error: hostname") && l.Contains("mail.example.com"));
        Assert.Contains(lines, l => l.StartsWith("error: smtp.max_recipients") && l.Contains($"{file}:5"));
        Assert.Contains(lines, l => l.StartsWith("warning: ") && l.Contains("did you mean smtp.max_message_size?"));
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void Config_check_accepts_a_good_file()
    {
        var file = _dir.File("good.toml", "hostname = \"mail.example.com\"\ndomains = [\"example.com\"]\n");
        var r = Letterbox(null, "config", "check", file);
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("ok:", r.Stdout);
    }

    /// <summary>A certificate/key pair in PEM files (key 0600), valid from..until, optionally signed by another key than the one written.</summary>
    private (string Cert, string Key) Pair(string name, DateTimeOffset from, DateTimeOffset until, bool wrongKey = false)
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        using var other = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=mail.example.com", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(from, until);
        var cert = _dir.File($"{name}.pem", certificate.ExportCertificatePem());
        var keyFile = _dir.File($"{name}.key", (wrongKey ? other : key).ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return (cert, keyFile);
    }

    private Tool.Result CheckWithFiles((string Cert, string Key) pair) =>
        Letterbox(null, "config", "check", _dir.File("files.toml", $"""
            hostname = "mail.example.com"
            domains = ["example.com"]
            [tls]
            mode = "files"
            cert_file = "{pair.Cert}"
            key_file = "{pair.Key}"
            """));

    [Fact]
    public void Config_check_reports_unusable_certificate_files_of_their_own_tls()
    {
        var now = DateTimeOffset.UtcNow;
        var good = Pair("good", now.AddDays(-1), now.AddDays(90));
        Assert.Equal(0, CheckWithFiles(good).ExitCode);

        var expired = CheckWithFiles(Pair("expired", now.AddDays(-90), now.AddDays(-1)));
        Assert.Equal(2, expired.ExitCode);
        Assert.Contains("expired on", expired.Stderr);

        var mismatched = CheckWithFiles(Pair("mismatched", now.AddDays(-1), now.AddDays(90), wrongKey: true));
        Assert.Equal(2, mismatched.ExitCode);
        Assert.Contains("not a certificate and its private key", mismatched.Stderr);

        var open = Pair("open", now.AddDays(-1), now.AddDays(90));
        File.SetUnixFileMode(open.Key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var readable = CheckWithFiles(open);
        Assert.Equal(2, readable.ExitCode);
        Assert.Contains("mode 0644 lets others read the private key", readable.Stderr);
        Assert.DoesNotContain("   at ", expired.Stderr + mismatched.Stderr + readable.Stderr);
    }

    [Fact]
    public void Config_check_of_a_missing_file_is_a_usage_error()
    {
        var r = Letterbox(null, "config", "check", Path.Combine(_dir.Path, "absent.toml"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no such file", r.Stderr);
    }

    [Fact]
    public async Task Config_show_merges_etc_file_user_data_and_tags_with_their_sources()
    {
        await using var imds = new FakeImds
        {
            UserData = Encoding.UTF8.GetBytes("hostname = \"mail.example.com\"\ndomains = [\"example.com\"]\n[smtp]\nmax_message_size = \"10M\"\n[relay]\nhost = \"smtp.relay.example:587\"\nusername = \"u\"\npassword_file = \"/etc/letterbox/relay.secret\"\n"),
            Tags = new() { ["letterbox:smtp:max_message_size"] = "20M", ["Name"] = "ignored" },
            PublicIpv4 = "192.0.2.10",
        };
        var etc = _dir.File("etc.toml", "domains = [\"example.org\"]\n[log]\nlevel = \"debug\"\n");

        var r = Letterbox(new Dictionary<string, string>
        {
            ["LETTERBOX_ETC_CONFIG"] = etc,
            ["LETTERBOX_IMDS_ENDPOINT"] = imds.Endpoint.ToString(),
        }, "config", "show");

        Assert.True(r.ExitCode == 0, r.Stderr);
        var lines = r.Stdout.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("smtp.max_message_size = ") && l.Contains("ec2 tag letterbox:smtp:max_message_size"));
        Assert.Contains(lines, l => l.StartsWith("domains = ") && l.Contains("example.com") && l.Contains("user-data"));
        Assert.Contains(lines, l => l.StartsWith("log.level = ") && l.Contains(etc));
        Assert.Contains(lines, l => l.StartsWith("network.public_ipv4 = ") && l.Contains("192.0.2.10"));
        Assert.Contains(lines, l => l.StartsWith("relay.password_file = ********"));
        Assert.DoesNotContain("relay.secret", r.Stdout);
        Assert.Contains(imds.Requests, q => q.StartsWith("PUT /latest/api/token -> 200"));
    }

    [Fact]
    public void An_absent_metadata_service_is_skipped()
    {
        int closed = LetterboxProcess.FreePortOffset() + 80;
        var etc = _dir.File("etc.toml", "hostname = \"mail.example.com\"\ndomains = [\"example.com\"]\n");

        var r = Letterbox(new Dictionary<string, string>
        {
            ["LETTERBOX_ETC_CONFIG"] = etc,
            ["LETTERBOX_IMDS_ENDPOINT"] = $"http://127.0.0.1:{closed}/",
        }, "config", "show");

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("hostname = \"mail.example.com\"", r.Stdout);
    }

    [Fact]
    public async Task Run_refuses_user_data_that_is_not_a_config_document_and_starts_nothing()
    {
        await using var imds = new FakeImds { UserData = Encoding.UTF8.GetBytes("#!/bin/bash\napt-get install -y postfix\n") };
        int offset = LetterboxProcess.FreePortOffset();
        var etc = _dir.File("etc.toml", $"hostname = \"mail.example.com\"\ndomains = [\"example.com\"]\n[network]\nlisten = [\"127.0.0.1\"]\nport_offset = {offset}\n");

        var r = Letterbox(new Dictionary<string, string>
        {
            ["LETTERBOX_ETC_CONFIG"] = etc,
            ["LETTERBOX_IMDS_ENDPOINT"] = imds.Endpoint.ToString(),
        }, "run", "--data", Path.Combine(_dir.Path, "data"));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("not a Letterbox config document", r.Stderr);
        Assert.Contains("nothing was started", r.Stderr);
        Assert.True(LetterboxProcess.IsFree(offset + 80));
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "data")));
    }

    [Fact]
    public async Task Run_as_root_takes_user_data_and_runs_daemons_as_the_unprivileged_user()
    {
        Assert.True(Environment.UserName == "root", "this test checks the privilege drop and must run as root (CI does)");
        int offset = LetterboxProcess.FreePortOffset();
        await using var imds = new FakeImds
        {
            UserData = Encoding.UTF8.GetBytes($"hostname = \"mail.example.com\"\ndomains = [\"example.com\"]\nuser = \"nobody\"\n[network]\nlisten = [\"127.0.0.1\"]\nport_offset = {offset}\n[tls]\nmode = \"self-signed\"\n"),
        };
        // Daemons run as nobody and must be able to walk to the data directory (a temp dir is 0700).
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)0b111_101_101);
        var data = Path.Combine(_dir.Path, "data");

        using var lb = LetterboxProcess.Start(data, ["run", "--data", data], new Dictionary<string, string>
        {
            ["LETTERBOX_IMDS_ENDPOINT"] = imds.Endpoint.ToString(),
        });
        lb.WaitForLine("appliance ready");

        var (code, body) = Tool.Curl($"http://127.0.0.1:{offset + 80}/healthz");
        Assert.Equal(200, code);
        var health = JsonDocument.Parse(body).RootElement;
        Assert.Equal("appliance", health.GetProperty("mode").GetString());
        int pid = health.GetProperty("daemons").GetProperty("http").GetProperty("pid").GetInt32();
        Assert.Equal(65534, Native.Uid(pid)); // nobody
        Assert.Equal(0, Native.Uid(lb.Pid));  // the supervisor keeps root to bind and restart
        Assert.Contains("mail.example.com", File.ReadAllText(Path.Combine(data, "run", "effective.toml")));
    }

    [Fact]
    public void Run_with_an_unknown_user_says_how_to_create_it()
    {
        Assert.True(Environment.UserName == "root", "this test checks the privilege drop and must run as root (CI does)");
        var etc = _dir.File("etc.toml", $"hostname = \"mail.example.com\"\ndomains = [\"example.com\"]\nuser = \"no-such-user-lb\"\n[network]\nlisten = [\"127.0.0.1\"]\nport_offset = {LetterboxProcess.FreePortOffset()}\n");
        var r = Letterbox(new Dictionary<string, string> { ["LETTERBOX_ETC_CONFIG"] = etc }, "run", "--data", Path.Combine(_dir.Path, "data"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("useradd --system", r.Stderr);
    }

    [Fact]
    public void Run_refuses_a_data_directory_the_daemon_user_cannot_reach()
    {
        Assert.True(Environment.UserName == "root", "this test checks the privilege drop and must run as root (CI does)");
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)0b111_000_000); // 0700, as temp directories are
        var etc = _dir.File("etc.toml", $"hostname = \"mail.example.com\"\ndomains = [\"example.com\"]\nuser = \"nobody\"\n[network]\nlisten = [\"127.0.0.1\"]\nport_offset = {LetterboxProcess.FreePortOffset()}\n");
        var r = Letterbox(new Dictionary<string, string> { ["LETTERBOX_ETC_CONFIG"] = etc }, "run", "--data", Path.Combine(_dir.Path, "data"));
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"error: data directory {Path.Combine(_dir.Path, "data")} cannot be reached by user nobody: {_dir.Path} is not searchable by others (chmod o+x {_dir.Path}, or choose another --data)", r.Stderr.Trim());
    }
}
