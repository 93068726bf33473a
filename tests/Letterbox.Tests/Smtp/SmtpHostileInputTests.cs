using System.Text;
using Letterbox.Tests.Harness;

namespace Letterbox.Tests.Smtp;

/// <summary>
/// Raw SMTP transcripts with what real clients never send: out-of-order commands, monster lines,
/// floods, smuggling, injection after STARTTLS, vanishing clients. Each gets the right reply or a
/// clean close; the server keeps serving, and no mailbox ever holds a half-written message.
/// </summary>
public sealed class SmtpHostileInputTests : IDisposable
{
    private readonly DevAppliance _lb = new("[smtp]\nmax_errors = 50\n");

    public void Dispose() => _lb.Dispose();

    private SmtpTranscript Open(string ehlo = "EHLO test.example.org")
    {
        var t = new SmtpTranscript(_lb.SmtpPort);
        Assert.StartsWith("220 mail.example.test ESMTP", t.Reply());
        Assert.StartsWith("250-mail.example.test", t.Command(ehlo));
        return t;
    }

    private void AssertStillServing()
    {
        using var t = Open();
        Assert.StartsWith("250 ", t.Command("NOOP"));
        Assert.StartsWith("221 ", t.Command("QUIT"));
        Assert.DoesNotContain(_lb.Process.Lines, l => l.Contains("daemon exited"));
    }

    [Fact]
    public void Commands_out_of_order_get_503()
    {
        using var t = new SmtpTranscript(_lb.SmtpPort);
        t.Reply();
        Assert.StartsWith("503 5.5.1", t.Command("MAIL FROM:<a@example.org>"));
        Assert.StartsWith("250", t.Command("EHLO x.example.org"));
        Assert.StartsWith("503 5.5.1", t.Command("DATA"));
        Assert.StartsWith("503 5.5.1", t.Command("RCPT TO:<demo@example.test>"));
        Assert.StartsWith("250 2.1.0", t.Command("MAIL FROM:<a@example.org>"));
        Assert.StartsWith("503 5.5.1", t.Command("MAIL FROM:<a@example.org>"));
        Assert.StartsWith("503 5.5.1", t.Command("DATA"));
        Assert.StartsWith("250 2.0.0", t.Command("RSET"));
        Assert.StartsWith("503 5.5.1", t.Command("RCPT TO:<demo@example.test>"));
    }

    [Theory]
    [InlineData("MAIL FROM:<@:a@b>", "501 5.1.7")]
    [InlineData("MAIL FROM:<@route,:a@b>", "501 5.1.7")]
    [InlineData("MAIL FROM:<a@b", "501 5.1.7")]
    [InlineData("MAIL FROM:a@b>", "501 5.1.7")]
    [InlineData("MAIL FROM:<<a@b>>", "501 5.1.7")]
    [InlineData("MAIL FROM:<a@b> SIZE=99999999999", "552 5.3.4")]
    [InlineData("MAIL FROM:<a@b> FROB=1", "555 5.5.4")]
    [InlineData("FROBNICATE", "500 5.5.1")]
    public void Malformed_commands_get_a_clear_error(string command, string expected)
    {
        using var t = Open();
        Assert.StartsWith(expected, t.Command(command));
        AssertStillServing();
    }

    [Fact]
    public void A_well_formed_source_route_is_accepted_and_ignored()
    {
        // RFC 5321 §4.1.2 and appendix C: servers SHOULD accept source routes and ignore them.
        using var t = Open();
        Assert.StartsWith("250", t.Command("MAIL FROM:<@relay.example.org:a@example.org>"));
        Assert.StartsWith("250", t.Command("RCPT TO:<@hop1.example.org,@hop2.example.org:demo@example.test>"));
        Assert.StartsWith("354", t.Command("DATA"));
        Assert.StartsWith("250", t.Command("Subject: routed\r\n\r\nx\r\n."));
        Assert.StartsWith("Return-Path: <a@example.org>\r\nDelivered-To: demo@example.test\r\n", File.ReadAllText(Assert.Single(_lb.Delivered())));
    }

    [Fact]
    public void A_300_byte_local_part_and_non_utf8_addresses_are_refused()
    {
        using var t = Open();
        Assert.StartsWith("250", t.Command("MAIL FROM:<a@example.org> SMTPUTF8"));
        Assert.StartsWith("501 5.1.3", t.Command($"RCPT TO:<{new string('a', 300)}@example.test>"));
        t.Send(Encoding.Latin1.GetBytes("RCPT TO:<\u00ff\u00fe@example.test>\r\n"));
        Assert.StartsWith("501 5.1.3", t.Reply());
    }

    [Fact]
    public void A_megabyte_line_gets_500_and_the_session_continues()
    {
        using var t = Open();
        t.Send("NOOP " + new string('x', 1 << 20) + "\r\n");
        Assert.StartsWith("500 5.5.2", t.Reply());
        Assert.StartsWith("250", t.Command("NOOP"));
    }

    [Fact]
    public async Task Memory_stays_bounded_under_parallel_floods()
    {
        // Eight clients at once each send 16 MB as one line, 16 MB of pipelined commands, and a
        // message past the size limit: a server that buffered any of it would pass 256 MB of RSS.
        const int clients = 8, megabytes = 16;
        var chunk = Encoding.ASCII.GetBytes(new string('x', 1 << 20));
        var rcpts = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("RCPT TO:<demo@example.test>\r\n", (1 << 20) / 29)));
        var floods = Enumerable.Range(0, clients).Select(i => Task.Run(async () =>
        {
            using var t = Open();
            for (int m = 0; m < megabytes; m++)
                t.Send(chunk);
            t.Send("\r\n");
            Assert.StartsWith("500 5.5.2 Line too long", t.Reply());
            Assert.StartsWith("250 ", t.Command("MAIL FROM:<a@example.org>"));
            var reader = Task.Run(() => { while (!t.Closed()) { } });   // drain replies as they come
            try
            {
                for (int m = 0; m < megabytes; m++)
                    t.Send(rcpts);
                t.Send("QUIT\r\n");
            }
            catch (IOException)
            {
                // Past the recipient limit every RCPT is an error, and after max_errors the server hangs up.
            }
            await reader.WaitAsync(TimeSpan.FromMinutes(2)); // the server answered the flood and closed
        })).ToArray();
        await Task.WhenAll(floods).WaitAsync(TimeSpan.FromMinutes(4));

        long peak = Native.PeakRssBytes(Native.DaemonPid("smtp", _lb.DataDirectory));
        Assert.True(peak < 256L << 20, $"peak RSS of the smtp daemon: {peak >> 20} MiB");
        AssertStillServing();
    }

    [Fact]
    public void Binary_garbage_gets_errors_then_a_clean_close()
    {
        using var t = new SmtpTranscript(_lb.SmtpPort);
        t.Reply();
        var rng = new Random(7);
        var junk = new byte[64 * 1024];
        rng.NextBytes(junk);
        t.Send(junk);
        t.Send("\r\n");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!t.Closed() && DateTime.UtcNow < deadline)
        {
        }
        AssertStillServing();
    }

    [Fact]
    public void Ten_thousand_recipients_are_capped_at_the_limit()
    {
        using var t = Open();
        var sb = new StringBuilder("MAIL FROM:<a@example.org>\r\n");
        for (int i = 0; i < 10_000; i++)
            sb.Append("RCPT TO:<demo@example.test>\r\n");
        t.Send(sb.ToString()); // pipelined: one write
        Assert.StartsWith("250", t.Reply());
        int accepted = 0, tooMany = 0;
        for (int i = 0; i < 10_000; i++)
        {
            var reply = t.Reply();
            if (reply.StartsWith("250"))
                accepted++;
            else if (reply.StartsWith("452 4.5.3"))
                tooMany++;
            else
            {
                Assert.StartsWith("421 4.5.0", reply); // the error limit ends the flood
                break;
            }
        }
        Assert.Equal(100, accepted);
        Assert.Equal(50, tooMany);
        AssertStillServing();
    }

    [Fact]
    public void Bare_newline_smuggling_does_not_end_data_and_the_message_is_refused()
    {
        using var t = Open();
        Assert.StartsWith("250", t.Command("MAIL FROM:<a@example.org>"));
        Assert.StartsWith("250", t.Command("RCPT TO:<demo@example.test>"));
        Assert.StartsWith("354", t.Command("DATA"));
        // The classic smuggling payload: "\n.\n" then a second transaction, all inside one DATA.
        t.Send("Subject: one\r\n\r\nbody\n.\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<demo@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\n");
        Assert.StartsWith("550 5.5.2", t.Reply());
        Assert.StartsWith("250", t.Command("NOOP")); // the next reply is for our NOOP: nothing was smuggled
        Assert.Empty(_lb.Delivered());
    }

    [Fact]
    public void Plaintext_pipelined_after_starttls_is_discarded()
    {
        using var t = Open();
        // CVE-2011-0411: an attacker in the middle appends a command to STARTTLS in plaintext.
        t.Send("STARTTLS\r\nMAIL FROM:<injected@example.org>\r\n");
        Assert.StartsWith("220 2.0.0", t.Reply());
        t.StartTls();
        Assert.StartsWith("250-mail.example.test", t.Command("EHLO x.example.org"));
        // Had the injected MAIL run, RCPT would be accepted; it must say no MAIL was given.
        Assert.StartsWith("503 5.5.1", t.Command("RCPT TO:<demo@example.test>"));
        Assert.Contains(_lb.Process.Lines, l => l.Contains("discarded plaintext pipelined after STARTTLS"));
    }

    [Fact]
    public void Starttls_twice_is_refused()
    {
        using var t = Open();
        Assert.StartsWith("220", t.Command("STARTTLS"));
        t.StartTls();
        var ehlo = t.Command("EHLO x.example.org");
        Assert.DoesNotContain("STARTTLS", ehlo);
        Assert.StartsWith("503 5.5.1", t.Command("STARTTLS"));
    }

    [Fact]
    public void A_client_that_vanishes_mid_data_leaves_nothing_in_any_mailbox()
    {
        using (var t = Open())
        {
            t.Command("MAIL FROM:<a@example.org>");
            t.Command("RCPT TO:<demo@example.test>");
            Assert.StartsWith("354", t.Command("DATA"));
            t.Send("Subject: half\r\n\r\n" + new string('x', 100_000));
        }
        AssertStillServing();
        Assert.Empty(_lb.Delivered());
        // The partial file (in the mailbox's tmp/ for one recipient) is removed once the server sees the close.
        var tmp = Path.Combine(_lb.Maildir(), "tmp");
        var spool = Path.Combine(_lb.DataDirectory, "spool", "tmp");
        static int Count(string dir) => Directory.Exists(dir) ? Directory.GetFiles(dir).Length : 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Count(tmp) + Count(spool) > 0 && DateTime.UtcNow < deadline)
            Thread.Sleep(100);
        Assert.Equal(0, Count(tmp));
        Assert.Equal(0, Count(spool));
        Assert.Empty(_lb.Delivered());
    }

    [Fact]
    public void A_message_over_the_size_limit_is_read_to_its_end_then_refused_with_552()
    {
        using var t = Open();
        t.Command("MAIL FROM:<a@example.org>");
        t.Command("RCPT TO:<demo@example.test>");
        Assert.StartsWith("354", t.Command("DATA"));
        var line = new string('y', 998) + "\r\n";
        var chunk = new StringBuilder();
        for (int i = 0; i < 1024; i++)
            chunk.Append(line);
        for (int i = 0; i < 26; i++) // 26 MB > 25 MB
            t.Send(chunk.ToString());
        t.Send(".\r\n");
        Assert.StartsWith("552 5.3.4", t.Reply());
        Assert.StartsWith("250", t.Command("NOOP"));
        Assert.Empty(_lb.Delivered());
    }

    [Fact]
    public void Nul_bytes_in_a_message_are_refused()
    {
        using var t = Open();
        t.Command("MAIL FROM:<a@example.org>");
        t.Command("RCPT TO:<demo@example.test>");
        Assert.StartsWith("354", t.Command("DATA"));
        t.Send("Subject: nul\r\n\r\na\0b\r\n.\r\n");
        Assert.StartsWith("554 5.6.0", t.Reply());
        Assert.Empty(_lb.Delivered());
    }
}

/// <summary>Limits that need their own configuration: early talkers, connections per client, slow clients.</summary>
public sealed class SmtpLimitsTests : IDisposable
{
    private readonly DevAppliance _lb = new("[smtp]\ngreet_pause = \"1s\"\nmax_connections_per_ip = 2\ndata_timeout = \"10s\"\n");

    public void Dispose() => _lb.Dispose();

    [Fact]
    public void An_early_talker_is_refused_with_554()
    {
        using var t = new SmtpTranscript(_lb.SmtpPort);
        t.Send("EHLO hasty.example.org\r\n");
        Assert.StartsWith("554 5.5.0", t.Reply());
        Assert.True(t.Closed());
    }

    [Fact]
    public void A_third_connection_from_one_client_gets_421()
    {
        // From 127.0.0.2: the supervisor's health probe connects from 127.0.0.1 and, held by the
        // 1 s greet pause, can count as one of that address's two connections (it failed once in CI).
        var client = System.Net.IPAddress.Parse("127.0.0.2");
        using var a = new SmtpTranscript(_lb.SmtpPort, client);
        using var b = new SmtpTranscript(_lb.SmtpPort, client);
        Assert.StartsWith("220", a.Reply());
        Assert.StartsWith("220", b.Reply());
        using var c = new SmtpTranscript(_lb.SmtpPort, client);
        Assert.StartsWith("421 4.7.0", c.Reply());
    }

    [Fact]
    public void A_client_that_trickles_data_is_cut_off_at_the_data_timeout()
    {
        using var t = new SmtpTranscript(_lb.SmtpPort);
        Assert.StartsWith("220", t.Reply());
        t.Command("EHLO slow.example.org");
        t.Command("MAIL FROM:<a@example.org>");
        t.Command("RCPT TO:<demo@example.test>");
        Assert.StartsWith("354", t.Command("DATA"));
        string? reply = null;
        // One byte every half second: never idle long, but never done. Bounded at 60 bytes.
        for (int i = 0; i < 60 && reply is null; i++)
        {
            try
            {
                t.Send("x");
            }
            catch (IOException)
            {
                break;
            }
            Thread.Sleep(500);
            if (i > 18)
                reply = t.Reply();
        }
        Assert.StartsWith("421 4.4.2", reply);
        Assert.Empty(_lb.Delivered());
    }
}
