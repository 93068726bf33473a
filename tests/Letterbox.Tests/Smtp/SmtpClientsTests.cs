using System.Text;
using Letterbox.Tests.Harness;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Letterbox.Tests.Smtp;

/// <summary>
/// Real SMTP clients (swaks, Python's smtplib, MailKit) deliver to `letterbox dev` on its MX
/// port, and the test reads the Maildir file the message landed in.
/// </summary>
public sealed class SmtpClientsTests : IDisposable
{
    private readonly DevAppliance _lb = new();

    public void Dispose() => _lb.Dispose();

    private static string Only(string[] files) => Assert.Single(files);

    [Fact]
    public void Swaks_delivers_over_starttls_and_the_maildir_file_has_trace_headers_and_the_body()
    {
        var body = "Hello from swaks.\r\nA second line.\r\n.leading dot stays\r\n";
        var r = Tool.Run("swaks", ["--server", "127.0.0.1", "--port", _lb.SmtpPort.ToString(), "--tls", "--helo", "client.example.org",
            "--from", "alice@example.org", "--to", "demo@example.test", "--header", "Subject: swaks test", "--body", body, "--hide-all"]);

        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        var text = File.ReadAllText(Only(_lb.Delivered()));
        Assert.StartsWith("Return-Path: <alice@example.org>\r\nDelivered-To: demo@example.test\r\nReceived: from client.example.org ([127.0.0.1])\r\n", text);
        Assert.Matches(@"with ESMTPS id \S+\r\n\t\(using TLSv1\.[23] with cipher TLS_\w+\)\r\n\tfor <demo@example.test>;", text);
        Assert.Contains("Subject: swaks test\r\n", text);
        Assert.Contains("\r\n\r\n" + body, text); // swaks ends the body with one more CRLF of its own
    }

    [Fact]
    public void Python_smtplib_delivers_the_exact_bytes_it_sent()
    {
        var script = """
            import smtplib, ssl, sys
            msg = b"From: bob@example.org\r\nTo: demo@example.test\r\nSubject: smtplib\r\n\r\nline one\r\n\xc3\xa9t\xc3\xa9 8-bit\r\n"
            with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as s:
                s.ehlo("py.example.org")
                s.starttls(context=ssl._create_unverified_context())
                s.ehlo("py.example.org")
                s.sendmail("bob@example.org", ["demo@example.test"], msg, mail_options=["BODY=8BITMIME"])
            """;
        var r = Tool.Run("/usr/bin/python3", ["-c", script, _lb.SmtpPort.ToString()]);

        Assert.True(r.ExitCode == 0, r.Stderr);
        var bytes = File.ReadAllBytes(Only(_lb.Delivered()));
        var expected = "From: bob@example.org\r\nTo: demo@example.test\r\nSubject: smtplib\r\n\r\nline one\r\n"u8.ToArray()
            .Concat("\u00e9t\u00e9 8-bit\r\n"u8.ToArray()).ToArray();
        Assert.True(bytes.AsSpan().EndsWith(expected), Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public async Task MailKit_sends_with_chunking_to_two_recipients_and_each_gets_its_own_copy()
    {
        var alias = Tool.Run(LetterboxProcess.BinaryPath, ["user", "add", "second@example.test", "--data", _lb.DataDirectory, "--password-stdin"], stdin: "another-password-1\n");
        Assert.True(alias.ExitCode == 0, alias.Stderr);

        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Carol", "carol@example.org"));
        message.To.Add(new MailboxAddress("Demo", "demo@example.test"));
        message.To.Add(new MailboxAddress("Second", "second@example.test"));
        message.Subject = "MailKit test";
        message.Body = new TextPart("plain") { Text = "Sent by MailKit with BDAT." };

        using (var client = new SmtpClient())
        {
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
            await client.ConnectAsync("127.0.0.1", _lb.SmtpPort, SecureSocketOptions.StartTls);
            Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Chunking));
            Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
            Assert.Equal(25L * 1024 * 1024, (long)client.MaxSize);
            await client.SendAsync(message);
            await client.DisconnectAsync(true);
        }

        var demo = File.ReadAllText(Only(_lb.Delivered()));
        var second = File.ReadAllText(Only(_lb.Delivered("second")));
        Assert.Contains("Delivered-To: demo@example.test\r\n", demo);
        Assert.Contains("Delivered-To: second@example.test\r\n", second);
        Assert.DoesNotContain("\tfor <", demo); // two recipients: the trace header names neither
        Assert.Contains("Sent by MailKit with BDAT.", demo);
        Assert.Equal(demo[demo.IndexOf("Received:", StringComparison.Ordinal)..], second[second.IndexOf("Received:", StringComparison.Ordinal)..]);
    }

    [Fact]
    public void Postmaster_and_abuse_reach_the_first_user_of_the_domain()
    {
        foreach (var role in new[] { "postmaster@example.test", "abuse@example.test" })
        {
            var r = Tool.Run("swaks", ["--server", "127.0.0.1", "--port", _lb.SmtpPort.ToString(), "--from", "x@example.org", "--to", role, "--hide-all"]);
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        }
        Assert.Equal(2, _lb.Delivered().Length);
    }

    [Fact]
    public void An_unknown_user_is_refused_at_rcpt_with_550_5_1_1()
    {
        var r = Tool.Run("swaks", ["--server", "127.0.0.1", "--port", _lb.SmtpPort.ToString(), "--from", "x@example.org", "--to", "nobody@example.test"]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("<** 550 5.1.1", r.Stdout);
        Assert.Empty(_lb.Delivered());
    }

    [Fact]
    public void Mail_for_another_domain_is_refused_never_relayed()
    {
        var r = Tool.Run("swaks", ["--server", "127.0.0.1", "--port", _lb.SmtpPort.ToString(), "--from", "demo@example.test", "--to", "someone@gmail.com"]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("<** 554 5.7.1", r.Stdout);
        Assert.Contains("Relay access denied", r.Stdout);
    }
}
