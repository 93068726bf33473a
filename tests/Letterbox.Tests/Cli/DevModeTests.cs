using Letterbox.Tests.Harness;

namespace Letterbox.Tests.Cli;

/// <summary>What `letterbox dev` promises a newcomer: a table of what listens where, and a self-signed certificate.</summary>
public sealed class DevModeTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public void Dev_prints_what_listens_where_with_a_command_to_try()
    {
        using var lb = LetterboxProcess.StartDev(_data, out int offset);

        var row = lb.WaitForLine(@"^\s+http\s");
        Assert.Contains($"127.0.0.1:{offset + 80}/tcp", row);
        Assert.Contains($"curl http://127.0.0.1:{offset + 80}/healthz", row);
        Assert.Contains(lb.Lines, l => l.Contains("Letterbox dev: mail.example.test for example.test"));
    }

    [Fact]
    public void Dev_makes_a_self_signed_certificate_for_the_host_with_a_private_key_only_its_owner_reads()
    {
        using var lb = LetterboxProcess.StartDev(_data, out _);

        var cert = Path.Combine(_data.Path, "tls", "self-signed.pem");
        var key = Path.Combine(_data.Path, "tls", "self-signed.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));

        var x509 = Tool.Run("openssl", ["x509", "-in", cert, "-noout", "-subject", "-ext", "subjectAltName", "-checkend", "86400"]);
        Assert.True(x509.ExitCode == 0, x509.Stdout + x509.Stderr);
        Assert.Contains("CN = mail.example.test", x509.Stdout);
        Assert.Contains("DNS:mail.example.test", x509.Stdout);
        Assert.Contains("DNS:example.test", x509.Stdout);

        var match = Tool.Run("openssl", ["pkey", "-in", key, "-pubout"]);
        var certKey = Tool.Run("openssl", ["x509", "-in", cert, "-noout", "-pubkey"]);
        Assert.Equal(certKey.Stdout, match.Stdout);
    }

    [Fact]
    public void A_second_start_reuses_the_certificate()
    {
        var cert = Path.Combine(_data.Path, "tls", "self-signed.pem");
        using (var first = LetterboxProcess.StartDev(_data, out _))
        {
            first.Signal(Native.SIGTERM);
            first.WaitForExit(TimeSpan.FromSeconds(30));
        }
        var before = File.ReadAllText(cert);
        using var second = LetterboxProcess.StartDev(_data, out _);
        Assert.Equal(before, File.ReadAllText(cert));
    }
}
