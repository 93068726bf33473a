using System.Text;
using System.Text.Json;
using Letterbox.Config.Tests;
using Letterbox.Tests.Harness;
using Letterbox.Tests.Pebble;

namespace Letterbox.Tests.Acme;

/// <summary>
/// ACME in appliance mode: `letterbox run` as root with user = nobody, so the acme daemon that
/// writes the account key, the http-01 token and the certificate, and the HTTP daemon that serves
/// the token, run unprivileged, as in production. pebble must issue, and /healthz must say so.
/// </summary>
public sealed class AcmeRunTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Unprivileged_daemons_obtain_and_serve_the_certificate_in_appliance_mode()
    {
        Assert.True(Environment.UserName == "root", "this test checks the privilege drop and must run as root (CI does)");
        int offset = LetterboxProcess.FreePortOffset();
        await using var pebble = await PebbleServer.StartAsync(httpPort: offset + 80);
        // Daemons run as nobody and must walk to the data directory and read pebble's listener CA.
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)0b111_101_101);
        var ca = _dir.File("pebble-listener-ca.pem", pebble.ListenerRootPem);
        File.SetUnixFileMode(ca, (UnixFileMode)0b110_100_100);
        await using var imds = new FakeImds
        {
            UserData = Encoding.UTF8.GetBytes($"""
                hostname = "mail.example.test"
                domains = ["example.test"]
                user = "nobody"
                [network]
                listen = ["127.0.0.1"]
                port_offset = {offset}
                [tls]
                mode = "acme"
                acme_directory = "{pebble.DirectoryUrl}"
                acme_ca_file = "{ca}"
                acme_challenge = "http-01"
                acme_email = "postmaster@example.test"
                [dns]
                resolvers = ["127.0.0.1:9"]
                """),
        };
        var data = Path.Combine(_dir.Path, "data");
        using var lb = LetterboxProcess.Start(data, ["run", "--data", data], new Dictionary<string, string>
        {
            ["LETTERBOX_IMDS_ENDPOINT"] = imds.Endpoint.ToString(),
        });
        lb.WaitForLine("appliance ready");

        JsonElement tls = default;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            var (code, body) = Tool.Curl($"http://127.0.0.1:{offset + 80}/healthz");
            if (code is 200 or 503 && JsonDocument.Parse(body).RootElement.TryGetProperty("tls", out tls)
                && tls.ValueKind == JsonValueKind.Object && tls.GetProperty("certificate").GetString() == "acme")
                break;
            await Task.Delay(500);
        }
        Assert.True(tls.ValueKind == JsonValueKind.Object && tls.GetProperty("certificate").GetString() == "acme", lb.Output);

        var acme = JsonDocument.Parse(Tool.Curl($"http://127.0.0.1:{offset + 80}/healthz").Body).RootElement.GetProperty("daemons").GetProperty("acme");
        Assert.Equal(65534, Native.Uid(acme.GetProperty("pid").GetInt32()));
        foreach (var key in new[] { Path.Combine(data, "certs", "ecdsa.key"), Path.Combine(data, "acme", "account.key") })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
            Assert.Equal("65534", Tool.Run("stat", ["-c", "%u", key]).Stdout.Trim()); // nobody's, not root's
        }
    }
}
