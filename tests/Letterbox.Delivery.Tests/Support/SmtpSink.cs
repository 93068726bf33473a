using System.Diagnostics;

namespace Letterbox.Delivery.Tests.Support;

/// <summary>
/// A remote MX played by Python's aiosmtpd (Debian's python3-aiosmtpd) on a loopback port, with
/// STARTTLS (a self-signed certificate made by openssl). What it does depends on the recipient:
/// <c>reject*@</c> gets 550 5.1.1 at RCPT, <c>later*@</c> gets 451 4.3.0 at the end of DATA the first
/// time a message (by Message-ID) is seen and 250 after; everyone else 250. Each accepted message
/// is saved as <c>N.eml</c> with <c>N.env</c> beside it (MAIL FROM, RCPT TOs, TLS version, AUTH login, client address and port).
/// </summary>
public sealed class SmtpSink : IDisposable
{
    private const string Script = """
        import asyncio, os, sys, ssl, uuid, threading
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
        port, out, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
        user = sys.argv[5] if len(sys.argv) > 5 else None
        password = sys.argv[6] if len(sys.argv) > 6 else None
        idle = float(os.environ.get('SINK_IDLE_TIMEOUT', '300'))
        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok, auth_data=auth_data)
        seen = set()
        lock = threading.Lock()
        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address.lower().startswith('reject'):
                    return '550 5.1.1 <%s>: Recipient address rejected: no such user' % address
                envelope.rcpt_tos.append(address)
                return '250 2.1.5 OK'
            async def handle_DATA(self, server, session, envelope):
                data = envelope.original_content or envelope.content
                mid = b''
                for line in data.split(b'\r\n'):
                    if line.lower().startswith(b'message-id:'):
                        mid = line
                        break
                    if line == b'':
                        break
                if any(r.lower().startswith('later') for r in envelope.rcpt_tos):
                    with lock:
                        first = mid not in seen
                        seen.add(mid)
                    if first:
                        return '451 4.3.0 Try again later'
                name = uuid.uuid4().hex
                tls = session.ssl.get('cipher', ('', 'none'))[1] if session.ssl else 'none'
                with open(os.path.join(out, name + '.tmp'), 'wb') as f:
                    f.write(data)
                with open(os.path.join(out, name + '.env'), 'w') as f:
                    f.write('from ' + envelope.mail_from + '\n')
                    for r in envelope.rcpt_tos:
                        f.write('rcpt ' + r + '\n')
                    f.write('tls ' + str(tls) + '\n')
                    f.write('peer %s:%s\n' % (session.peer[0], session.peer[1]))
                    a = getattr(session, 'auth_data', None)
                    f.write('auth ' + (a.login.decode() if isinstance(a, LoginPassword) else 'none') + '\n')
                os.rename(os.path.join(out, name + '.tmp'), os.path.join(out, name + '.eml'))
                return '250 2.0.0 Ok: queued as ' + name
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        class C(Controller):
            def factory(self):
                if user:
                    # A relay host: TLS before anything, then AUTH (PLAIN/LOGIN) before MAIL.
                    return SMTP(self.handler, tls_context=ctx, require_starttls=True, auth_required=True, auth_require_tls=True,
                                authenticator=authenticator, decode_data=False, hostname='relay.remote.test')
                return SMTP(self.handler, tls_context=ctx, require_starttls=False, decode_data=False, hostname='mx.remote.test', timeout=idle)
        c = C(Handler(), hostname='127.0.0.1', port=port)
        c.start()
        print('ready', flush=True)
        try:
            sys.stdin.read()
        finally:
            c.stop()
        """;

    private readonly TempDir dir = new();
    private readonly Process process;

    /// <param name="relayUser">When set, the sink is a relay host: STARTTLS required, then AUTH as this user.</param>
    /// <param name="relayPassword">The password it accepts.</param>
    /// <param name="idleTimeout">Seconds an idle connection is kept before the sink hangs up (aiosmtpd's default: 300).</param>
    public SmtpSink(string? relayUser = null, string? relayPassword = null, double? idleTimeout = null)
    {
        Tool.RequirePython("aiosmtpd", "python3-aiosmtpd");
        Tool.Require("/usr/bin/openssl", "openssl");
        Directory.CreateDirectory(Inbox);
        File.WriteAllText(dir.File("sink.py"), Script);
        var (code, _, err) = Tool.Run("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=mx.remote.test", "-keyout", dir.File("key.pem"), "-out", dir.File("cert.pem")], TimeSpan.FromSeconds(60));
        Assert.True(code == 0, err);
        Port = Loopback.FreePort();
        var psi = new ProcessStartInfo(Tool.Python) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dir.File("sink.py"), Port.ToString(), Inbox, dir.File("cert.pem"), dir.File("key.pem") })
            psi.ArgumentList.Add(a);
        if (idleTimeout is { } seconds)
            psi.Environment["SINK_IDLE_TIMEOUT"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (relayUser is not null)
        {
            psi.ArgumentList.Add(relayUser);
            psi.ArgumentList.Add(relayPassword ?? "");
        }
        process = Process.Start(psi)!;
        process.BeginErrorReadLine();
        var ready = process.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(30)) || ready.Result != "ready")
            Assert.Fail("aiosmtpd sink did not start");
    }

    public int Port { get; }

    /// <summary>The sink's self-signed certificate (PEM), for a client that checks it.</summary>
    public string CertificatePath => dir.File("cert.pem");

    public string Inbox => dir.File("inbox");

    /// <summary>Messages accepted so far: (envelope lines, bytes).</summary>
    public IReadOnlyList<(string[] Envelope, byte[] Message)> Received() =>
        Directory.EnumerateFiles(Inbox, "*.eml")
            .Select(p => (File.ReadAllLines(Path.ChangeExtension(p, ".env")), File.ReadAllBytes(p)))
            .ToList();

    public int Count => Directory.EnumerateFiles(Inbox, "*.eml").Count();

    public async Task<IReadOnlyList<(string[] Envelope, byte[] Message)>> WaitForAsync(int count, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (Count < count && DateTime.UtcNow < until)
            await Task.Delay(100);
        return Received();
    }

    public void Dispose()
    {
        try
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(5000))
                process.Kill();
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
        dir.Dispose();
    }
}
