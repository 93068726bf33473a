using System.Text;
using System.Text.RegularExpressions;
using Letterbox.Tests.Harness;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Letterbox.Tests.Smtp;

/// <summary>
/// Submission on 587 (STARTTLS, RFC 6409) and 465 (implicit TLS, RFC 8314): real clients log in
/// as the demo user and send; the message reaches a local mailbox signed with both DKIM keys
/// (checked by python3-dkim's verifier) or the outbound queue. No resolver is reachable here
/// (dns.resolvers points at a closed loopback port), so queued mail stays queued.
/// </summary>
public sealed class SubmissionTests : IDisposable
{
    private readonly DevAppliance _lb = new("""
        [dns]
        resolvers = ["127.0.0.1:9"]
        """);

    public void Dispose() => _lb.Dispose();

    private int SubmissionPort => _lb.Offset + 587;
    private int SubmissionsPort => _lb.Offset + 465;
    private string AuthPlain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    /// <summary>A session on 587 (of this test's appliance unless another port is given), after STARTTLS and before EHLO.</summary>
    private SmtpTranscript OpenTls(int? port = null)
    {
        var t = new SmtpTranscript(port ?? SubmissionPort);
        Assert.StartsWith("220 ", t.Reply());
        t.Command("EHLO client.example.org");
        Assert.StartsWith("220 ", t.Command("STARTTLS"));
        t.StartTls();
        return t;
    }

    [Fact]
    public void Port_587_offers_AUTH_only_after_STARTTLS_and_refuses_it_before()
    {
        using var t = new SmtpTranscript(SubmissionPort);
        Assert.StartsWith("220 ", t.Reply());
        var ehlo = t.Command("EHLO client.example.org");
        Assert.Contains("STARTTLS", ehlo);
        Assert.DoesNotContain("AUTH", ehlo);

        Assert.StartsWith("530 5.7.0 Must issue a STARTTLS command first", t.Command("AUTH PLAIN " + AuthPlain("demo@example.test", _lb.DemoPassword)));
        Assert.StartsWith("530 5.7.0 Authentication required", t.Command("MAIL FROM:<demo@example.test>"));

        Assert.StartsWith("220 ", t.Command("STARTTLS"));
        t.StartTls();
        var secure = t.Command("EHLO client.example.org");
        Assert.Matches("(?m)^250[- ]AUTH PLAIN LOGIN$", secure);
        Assert.DoesNotContain("STARTTLS", secure);
    }

    [Fact]
    public void Bad_AUTH_exchanges_get_the_RFC_4954_replies()
    {
        using var t = OpenTls();
        t.Command("EHLO client.example.org");

        Assert.StartsWith("504 5.5.4", t.Command("AUTH CRAM-MD5"));
        Assert.StartsWith("501 5.5.2", t.Command("AUTH PLAIN not*base64"));
        Assert.StartsWith("334 ", t.Command("AUTH PLAIN"));
        Assert.StartsWith("501 5.5.4 Authentication cancelled", t.Command("*"));
        Assert.StartsWith("334 VXNlcm5hbWU6", t.Command("AUTH LOGIN"));       // "Username:"
        Assert.StartsWith("501 5.5.4", t.Command("%%%"));
        Assert.StartsWith("535 5.7.8", t.Command("AUTH PLAIN " + AuthPlain("demo@example.test", "wrong")));
        Assert.StartsWith("530 5.7.0 Authentication required", t.Command("MAIL FROM:<demo@example.test>"));

        // Still usable after all that, with the right password, over AUTH LOGIN.
        Assert.StartsWith("334 ", t.Command("AUTH LOGIN " + Convert.ToBase64String("demo@example.test"u8)));
        Assert.StartsWith("235 2.7.0", t.Command(Convert.ToBase64String(Encoding.UTF8.GetBytes(_lb.DemoPassword))));
        Assert.StartsWith("503 5.5.1 Error: already authenticated", t.Command("AUTH PLAIN " + AuthPlain("demo@example.test", _lb.DemoPassword)));
    }

    [Fact]
    public void A_user_cannot_send_as_someone_else()
    {
        Assert.Equal(0, Tool.Run(LetterboxProcess.BinaryPath, ["user", "add", "other@example.test", "--password-stdin", "--data", _lb.DataDirectory], stdin: "other-password\n").ExitCode);
        using var t = OpenTls();
        t.Command("EHLO client.example.org");
        Assert.StartsWith("235 ", t.Command("AUTH PLAIN " + AuthPlain("demo@example.test", _lb.DemoPassword)));

        Assert.StartsWith("553 5.7.1", t.Command("MAIL FROM:<other@example.test>"));
        Assert.StartsWith("553 5.7.1", t.Command("MAIL FROM:<demo@elsewhere.example>"));
        Assert.StartsWith("553 5.7.1", t.Command("MAIL FROM:<>"));
        Assert.StartsWith("250 ", t.Command("MAIL FROM:<demo+lists@example.test>"));
        Assert.StartsWith("250 ", t.Command("RCPT TO:<demo@example.test>"));
        Assert.StartsWith("354 ", t.Command("DATA"));
        // The envelope is hers, but the From header would make our signature vouch for another.
        t.Send("From: other@example.test\r\nSubject: spoof\r\n\r\nhello\r\n.\r\n");
        Assert.StartsWith("550 5.7.1", t.Reply());
        Assert.Empty(_lb.Delivered());
    }

    [Fact]
    public async Task MailKit_submits_on_587_and_the_local_copy_passes_dkimverify_for_both_signatures()
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("demo@example.test"));
        message.To.Add(MailboxAddress.Parse("demo@example.test"));
        message.Subject = "signed by letterbox";
        message.Body = new TextPart("plain") { Text = "Hello through submission.\r\n" };
        message.Headers.Remove(HeaderId.MessageId);
        message.Headers.Remove(HeaderId.Date);

        using (var client = new SmtpClient())
        {
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
            await client.ConnectAsync("127.0.0.1", SubmissionPort, SecureSocketOptions.StartTls);
            Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Authentication));
            await client.AuthenticateAsync("demo@example.test", _lb.DemoPassword);
            await client.SendAsync(message);
            await client.DisconnectAsync(true);
        }

        var file = Assert.Single(_lb.Delivered());
        var text = File.ReadAllText(file);
        Assert.Matches(@"with ESMTPSA id", text);
        Assert.Matches(@"(?m)^DKIM-Signature: .*a=rsa-sha256", Unfold(text));
        Assert.Matches(@"(?m)^DKIM-Signature: .*a=ed25519-sha256", Unfold(text));
        Assert.Matches(@"(?m)^Message-ID: <[^@>]+@", text);   // added, since the client sent none
        Assert.Matches(@"(?m)^Date: ", text);
        Assert.Equal(2, DkimVerify(file));
    }

    [Fact]
    public void Python_smtplib_submits_on_465_with_implicit_TLS_and_remote_mail_is_queued()
    {
        var script = """
            import smtplib, ssl, sys
            msg = b"From: demo@example.test\r\nTo: friend@remote.test\r\nSubject: out\r\nMessage-ID: <m1@example.test>\r\nDate: Wed, 25 Nov 2026 12:00:00 +0000\r\n\r\nto the world\r\n"
            with smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[1]), context=ssl._create_unverified_context()) as s:
                s.login("demo@example.test", sys.argv[2])
                refused = s.sendmail("demo@example.test", ["friend@remote.test", "demo@example.test"], msg)
                assert refused == {}, refused
            """;
        var r = Tool.Run("/usr/bin/python3", ["-c", script, SubmissionsPort.ToString(), _lb.DemoPassword]);
        Assert.True(r.ExitCode == 0, r.Stderr);

        // The local recipient has it already; the remote one waits in the queue, with the signed bytes.
        var local = File.ReadAllText(Assert.Single(_lb.Delivered()));
        Assert.Contains("Message-ID: <m1@example.test>", local);
        var list = Tool.Run(LetterboxProcess.BinaryPath, ["queue", "list", "--data", _lb.DataDirectory]);
        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Contains("friend@remote.test", list.Stdout);
        var copy = File.ReadAllText(Assert.Single(Directory.GetFiles(Path.Combine(_lb.DataDirectory, "queue", "msg"))));
        Assert.Contains("Message-ID: <m1@example.test>", copy);
        Assert.StartsWith("DKIM-Signature: ", copy);
        Assert.Contains("to the world", copy);
    }

    [Fact]
    public void The_hourly_send_limit_stops_a_user_with_451()
    {
        using var lb = new DevAppliance("""
            [smtp]
            max_messages_per_hour = 2
            [dns]
            resolvers = ["127.0.0.1:9"]
            """);
        using var t = OpenTls(lb.Offset + 587);
        t.Command("EHLO client.example.org");
        Assert.StartsWith("235 ", t.Command("AUTH PLAIN " + AuthPlain("demo@example.test", lb.DemoPassword)));
        for (int i = 0; i < 2; i++)
        {
            Assert.StartsWith("250 ", t.Command("MAIL FROM:<demo@example.test>"));
            Assert.StartsWith("250 ", t.Command("RCPT TO:<demo@example.test>"));
            Assert.StartsWith("354 ", t.Command("DATA"));
            Assert.StartsWith("250 ", t.Command($"From: demo@example.test\r\nSubject: {i}\r\n\r\nbody\r\n."));
        }

        Assert.StartsWith("451 4.7.1 Sending rate limit exceeded", t.Command("MAIL FROM:<demo@example.test>"));
        Assert.Equal(2, lb.Delivered().Length);
    }

    [Fact]
    public void Port_25_still_refuses_AUTH_and_relaying()
    {
        using var t = new SmtpTranscript(_lb.SmtpPort);
        Assert.StartsWith("220 ", t.Reply());
        Assert.DoesNotContain("AUTH", t.Command("EHLO client.example.org"));
        Assert.StartsWith("503 ", t.Command("AUTH PLAIN " + AuthPlain("demo@example.test", _lb.DemoPassword)));
        Assert.StartsWith("250 ", t.Command("MAIL FROM:<demo@example.test>"));
        Assert.StartsWith("554 5.7.1", t.Command("RCPT TO:<friend@remote.test>"));
    }

    [Fact]
    public void An_alias_that_forwards_elsewhere_is_accepted_on_port_25_and_queued()
    {
        var add = Tool.Run(LetterboxProcess.BinaryPath, ["alias", "add", "fwd@example.test", "friend@remote.test", "demo@example.test", "--data", _lb.DataDirectory]);
        Assert.True(add.ExitCode == 0, add.Stderr);
        using var t = new SmtpTranscript(_lb.SmtpPort);
        Assert.StartsWith("220 ", t.Reply());
        t.Command("EHLO client.example.org");
        Assert.StartsWith("250 ", t.Command("MAIL FROM:<someone@example.org>"));
        Assert.StartsWith("250 ", t.Command("RCPT TO:<fwd@example.test>"));
        Assert.StartsWith("354 ", t.Command("DATA"));
        Assert.StartsWith("250 ", t.Command("From: someone@example.org\r\nSubject: forwarded\r\n\r\nfor the alias\r\n."));

        Assert.Contains("Subject: forwarded", File.ReadAllText(Assert.Single(_lb.Delivered())));
        var list = Tool.Run(LetterboxProcess.BinaryPath, ["queue", "list", "--data", _lb.DataDirectory]);
        Assert.Contains("friend@remote.test", list.Stdout);
        Assert.Contains("someone@example.org", list.Stdout);
    }

    [Fact]
    public void A_client_in_trusted_networks_relays_through_port_25_without_logging_in()
    {
        using var lb = new DevAppliance("""
            [smtp]
            trusted_networks = ["127.0.0.2/32"]
            [dns]
            resolvers = ["127.0.0.1:9"]
            """);
        // Same server, two source addresses: only the listed one may relay.
        using (var stranger = new SmtpTranscript(lb.SmtpPort))
        {
            stranger.Reply();
            stranger.Command("EHLO client.example.org");
            stranger.Command("MAIL FROM:<printer@example.test>");
            Assert.StartsWith("554 5.7.1", stranger.Command("RCPT TO:<friend@remote.test>"));
        }
        var r = Tool.Run("swaks", ["--server", "127.0.0.1", "--port", lb.SmtpPort.ToString(), "--local-interface", "127.0.0.2",
            "--from", "printer@example.test", "--to", "friend@remote.test", "--hide-all"]);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("friend@remote.test", Tool.Run(LetterboxProcess.BinaryPath, ["queue", "list", "--data", lb.DataDirectory]).Stdout);
        // It claims one of our domains, so it leaves signed like a user's mail.
        var queued = Directory.GetFiles(Path.Combine(lb.DataDirectory, "queue", "msg")).Single();
        Assert.StartsWith("DKIM-Signature: ", File.ReadAllText(queued));
    }

    [Fact]
    public void A_message_with_more_than_50_Received_fields_is_a_loop_and_refused()
    {
        using var t = new SmtpTranscript(_lb.SmtpPort);
        Assert.StartsWith("220 ", t.Reply());
        t.Command("EHLO client.example.org");
        t.Command("MAIL FROM:<someone@example.org>");
        t.Command("RCPT TO:<demo@example.test>");
        Assert.StartsWith("354 ", t.Command("DATA"));
        var hops = string.Concat(Enumerable.Range(0, 50).Select(i => $"Received: from hop{i}.example.org by x; Wed, 25 Nov 2026 12:00:00 +0000\r\n"));
        Assert.StartsWith("554 5.4.6", t.Command(hops + "Subject: loop\r\n\r\nround and round\r\n."));

        // 49 earlier hops plus ours is still fine.
        t.Command("MAIL FROM:<someone@example.org>");
        t.Command("RCPT TO:<demo@example.test>");
        t.Command("DATA");
        Assert.StartsWith("250 ", t.Command(hops[(hops.IndexOf("\r\n") + 2)..] + "Subject: ok\r\n\r\nfine\r\n."));
        Assert.Single(_lb.Delivered());
    }

    private static string Unfold(string text) => Regex.Replace(text, "\r\n[ \t]+", " ");

    /// <summary>Verifies every DKIM-Signature with python3-dkim, keys from `letterbox dkim show`; returns how many passed.</summary>
    private int DkimVerify(string file)
    {
        var records = Tool.Run(LetterboxProcess.BinaryPath, ["dkim", "show", "example.test", "--data", _lb.DataDirectory]);
        Assert.True(records.ExitCode == 0, records.Stderr);
        var script = """
            import dkim, re, sys
            records = {}
            for line in open(sys.argv[2]):
                m = re.match(r'^(\S+)\s+\d+\s+IN\s+TXT\s+(.*)$', line.strip())
                if m:
                    records[m.group(1).lower()] = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))).encode()
            def dnsfunc(name, timeout=5):
                return records.get(name.decode().lower())
            msg = open(sys.argv[1], "rb").read()
            count = len(re.findall(rb'(?mi)^DKIM-Signature:', msg))
            passed = sum(1 for i in range(count) if dkim.DKIM(msg).verify(idx=i, dnsfunc=dnsfunc))
            print(passed)
            """;
        var keys = Path.Combine(_lb.DataDirectory, "dkim-records.txt");
        File.WriteAllText(keys, records.Stdout);
        var r = Tool.Run("/usr/bin/python3", ["-c", script, file, keys]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return int.Parse(r.Stdout.Trim());
    }
}
