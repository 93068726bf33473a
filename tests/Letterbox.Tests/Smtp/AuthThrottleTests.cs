using System.Text.RegularExpressions;
using Letterbox.Tests.Harness;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Letterbox.Tests.Smtp;

/// <summary>
/// Wrong passwords on port 587 are throttled (issue 4): after three free failures each further one
/// is answered later and later, after ten the client is refused even with the right password, and
/// /metrics counts every failed and blocked attempt. MailKit's SmtpClient plays the guessing client.
/// </summary>
public sealed class AuthThrottleTests : IDisposable
{
    private readonly DevAppliance _lb = new("""
        [dns]
        resolvers = ["127.0.0.1:9"]
        """);

    public void Dispose() => _lb.Dispose();

    private SmtpClient Connect()
    {
        var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 60_000 };
        client.Connect("127.0.0.1", _lb.Offset + 587, SecureSocketOptions.StartTls);
        return client;
    }

    [Fact]
    public async Task Ten_wrong_passwords_slow_down_then_block_the_client_and_reach_metrics()
    {
        // Ten guesses at once, each in its own session with one AUTH PLAIN (MailKit would try LOGIN
        // next on its own): the server's delays (up to 15 s each) overlap instead of adding up.
        var guesses = Enumerable.Range(0, 10).Select(i => Task.Run(() =>
        {
            using var client = Connect();
            var e = Assert.Throws<AuthenticationException>(() =>
                client.Authenticate(new SaslMechanismPlain("demo@example.test", $"wrong-guess-{i}")));
            Assert.Contains("Authentication credentials invalid", e.Message);
        }));
        await Task.WhenAll(guesses);

        // The eleventh try has the right password, and is refused before it is checked.
        using (var t = new SmtpTranscript(_lb.Offset + 587))
        {
            Assert.StartsWith("220 ", t.Reply());
            t.Command("EHLO client.example.org");
            Assert.StartsWith("220 ", t.Command("STARTTLS"));
            t.StartTls();
            t.Command("EHLO client.example.org");
            string plain = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("\0demo@example.test\0" + _lb.DemoPassword));
            Assert.StartsWith("454 4.7.0 Too many failed logins", t.Command("AUTH PLAIN " + plain));
        }

        // Each failure was answered after the delay its rank earns: none for the first three, then
        // doubling from 1 s, capped at 15 s (the log says what the session waited).
        var delays = Regex.Matches(_lb.Process.Output, "msg=\"login failed\" protocol=submission .*delay_ms=(\\d+)")
            .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
        Assert.Equal([0, 0, 0, 1000, 2000, 4000, 8000, 15000, 15000, 15000], delays);
        _lb.Process.WaitForLine("msg=\"login blocked\" protocol=submission");

        // /metrics (reported by the SMTP daemon every few seconds) counts them by result.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string body = "";
        while (DateTime.UtcNow < until)
        {
            body = Tool.Curl($"http://127.0.0.1:{_lb.HttpPort}/metrics").Body;
            if (Count(body, "failed") == 10 && Count(body, "blocked") == 1)
                break;
            await Task.Delay(500);
        }
        Assert.Equal(10, Count(body, "failed"));
        Assert.Equal(1, Count(body, "blocked"));
        Assert.Equal(0, Count(body, "ok"));
    }

    private static int Count(string metrics, string result)
    {
        var m = Regex.Match(metrics, "(?m)^letterbox_auth_total\\{protocol=\"submission\",result=\"" + result + "\"\\} (\\d+)$");
        return m.Success ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }
}
