using Letterbox.Tests.Harness;

namespace Letterbox.Tests.Imap;

/// <summary>
/// [imap] and [pop3] connection limits: per client address at accept, per user and address at
/// login (Dovecot's mail_max_userip_connections), each refusal in the protocol's own words and
/// counted on /metrics; a slot freed is usable again.
/// </summary>
public sealed class ConnectionLimitTests : IDisposable
{
    private const string User = "demo@example.test";
    private readonly DevAppliance _lb = new("""
        [imap]
        max_connections_per_ip = 4
        max_connections_per_user_ip = 2

        [pop3]
        max_connections_per_ip = 2
        max_connections_per_user_ip = 1
        """);

    public void Dispose() => _lb.Dispose();

    private ImapTranscript LoggedIn(out string reply)
    {
        var t = new ImapTranscript(_lb.Offset + 993);
        t.StartTls();
        t.ReadLine();
        reply = t.Command("a", $"LOGIN {User} \"{_lb.DemoPassword}\"").Split('\n')[^1];
        return t;
    }

    private string Metrics(string needle)
    {
        // Daemons report to the supervisor every few seconds; poll (bounded) for the line.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string body = "";
        while (DateTime.UtcNow < deadline)
        {
            body = Tool.Curl($"http://127.0.0.1:{_lb.HttpPort}/metrics").Body;
            if (body.Contains(needle, StringComparison.Ordinal))
                return body;
            Thread.Sleep(500);
        }
        Assert.Fail($"no {needle} in /metrics:\n{body}");
        return body;
    }

    [Fact]
    public void Imap_refuses_a_third_login_of_one_user_from_one_address_and_a_fifth_connection_from_it()
    {
        using var first = LoggedIn(out var r1);
        using var second = LoggedIn(out var r2);
        Assert.StartsWith("a OK", r1);
        Assert.StartsWith("a OK", r2);
        using (var third = LoggedIn(out var r3))
        {
            Assert.StartsWith("a NO [LIMIT]", r3);
            // Still not logged in: the session may try again once a slot is free.
            Assert.Matches("^b (NO|BAD)", third.Command("b", "SELECT INBOX"));
            second.Command("z", "LOGOUT");
            second.Dispose();
            Thread.Sleep(300); // the server notices the close
            Assert.StartsWith("c OK", third.Command("c", $"LOGIN {User} \"{_lb.DemoPassword}\"").Split('\n')[^1]);

            // Two connections open (first, third); the fourth and fifth are allowed, a sixth from this address is not.
            using var fourth = new ImapTranscript(_lb.Offset + 143);
            Assert.StartsWith("* OK", fourth.ReadLine());
            using var fifth = new ImapTranscript(_lb.Offset + 143);
            Assert.StartsWith("* OK", fifth.ReadLine());
            using var sixth = new ImapTranscript(_lb.Offset + 143);
            Assert.StartsWith("* BYE [UNAVAILABLE]", sixth.ReadLine());
            Assert.Null(sixth.ReadLine());
        }
        Metrics("letterbox_imap_logins_refused_total{reason=\"user_ip\"} 1");
        Metrics("outcome=\"toomanyfromclient\"} 1");
    }

    [Fact]
    public void Pop3_refuses_a_second_login_of_one_user_from_one_address_and_a_third_connection()
    {
        using var first = new ImapTranscript(_lb.Offset + 110);
        Assert.StartsWith("+OK", first.ReadLine());
        using var second = new ImapTranscript(_lb.Offset + 110);
        Assert.StartsWith("+OK", second.ReadLine());
        using var third = new ImapTranscript(_lb.Offset + 110);
        Assert.StartsWith("-ERR [SYS/TEMP]", third.ReadLine());

        var script = """
            import poplib, ssl, sys
            ctx = ssl._create_unverified_context()
            a = poplib.POP3_SSL("127.0.0.1", int(sys.argv[1]), context=ctx)
            a.user("demo@example.test"); a.pass_(sys.argv[2])
            print("first", a.stat()[0])
            b = poplib.POP3_SSL("127.0.0.1", int(sys.argv[1]), context=ctx)
            b.user("demo@example.test")
            try:
                b.pass_(sys.argv[2]); print("second logged in")
            except poplib.error_proto as e:
                print("second", e.args[0].decode())
            a.quit()
            """;
        first.Dispose();
        second.Dispose();
        Thread.Sleep(300);
        var r = Tool.Run("/usr/bin/python3", ["-c", script, (_lb.Offset + 995).ToString(), _lb.DemoPassword]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("first 0", r.Stdout);
        Assert.Contains("second -ERR [IN-USE] too many sessions", r.Stdout);
        Metrics("letterbox_pop3_logins_refused_total{reason=\"user_ip\"} 1");
    }
}
