using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Letterbox.Logging;
using Letterbox.Monitoring;
using Letterbox.Net.Tls;
using Letterbox.Protocol.Smtp;
using Letterbox.Store;

namespace Letterbox.Daemons.Smtp;

/// <summary>
/// One SMTP connection (RFC 5321), read top to bottom: greet, then read commands and answer them
/// until QUIT, a limit, a timeout or the peer goes. Parsing is the protocol layer's; this class
/// holds the state, decides what each command may do in that state, and does the I/O.
/// Handlers are in SmtpSession.Commands.cs and, for the message itself, SmtpSession.Data.cs.
/// </summary>
public sealed partial class SmtpSession
{
    private enum State { Connected, Greeted, Mail, Rcpt }
    private enum Mode { Command, AuthResponse, Data, Bdat, Quit }

    private readonly SmtpServerOptions _options;
    private readonly SmtpRole _role;
    private readonly Submission _submission;
    private readonly MailStore _store;
    private readonly CertificateSource? _certificate;
    private readonly Metrics _metrics;
    private readonly Log _log;
    private readonly Socket _socket;
    private readonly IPAddress _client;
    private readonly string _id;
    private readonly ArrayBufferWriter<byte> _out = new(4096);
    private readonly SmtpLineReader _lines;
    private readonly DateTime _started = DateTime.UtcNow;

    private Stream _stream;
    private PipeReader _reader;
    private State _state = State.Connected;
    private Mode _mode = Mode.Command;
    private string? _helo;
    private bool _esmtp;
    private SslStream? _tls;
    private int _commands, _errors, _messages;

    public SmtpSession(Socket socket, SmtpRole role, SmtpServerOptions options, MailStore store, CertificateSource? certificate,
        Submission submission, Metrics metrics, Log log)
    {
        _socket = socket;
        _role = role;
        _submission = submission;
        _options = options;
        _store = store;
        _certificate = certificate;
        _metrics = metrics;
        _log = log;
        _client = TcpAcceptor.ClientAddress(socket);
        _id = SessionIds.Next();
        _lines = new SmtpLineReader(options.MaxLineLength);
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
    }

    private SmtpExtensions Enabled =>
        _options.Extensions & ~(_certificate is null ? SmtpExtensions.StartTls : 0) | (_role == SmtpRole.Mx ? 0 : SmtpExtensions.Auth);

    private SmtpExtensions Advertised => SmtpEhloReply.Advertised(Enabled, _tls is not null, OfferedMechanisms.Count > 0);

    public async Task RunAsync(CancellationToken stopping)
    {
        _log.Info("connect", ("conn", _id), ("client", _client), ("port", _role.ToString().ToLowerInvariant()));
        try
        {
            // RFC 8314 §3.3: on port 465 TLS starts at once, before the banner.
            if (_role == SmtpRole.Submissions && (_certificate is null || !await StartTlsAsync(0, stopping)))
                return;
            if (!await GreetAsync(stopping))
                return;
            await ServeAsync(stopping);
        }
        finally
        {
            _transaction?.Dispose();
            await _reader.CompleteAsync();
            _log.Info("disconnect", ("conn", _id), ("client", _client), ("tls", _tls?.SslProtocol.ToString() ?? "no"),
                ("messages", _messages), ("commands", _commands), ("errors", _errors),
                ("ms", (int)(DateTime.UtcNow - _started).TotalMilliseconds));
            if (_tls is not null)
                await _tls.DisposeAsync();
        }
    }

    /// <summary>
    /// The banner, after the greet pause. A client that sends anything before it is an "early
    /// talker": real SMTP clients wait for the 220 (RFC 5321 §3.1), spam engines often do not.
    /// </summary>
    private async Task<bool> GreetAsync(CancellationToken stopping)
    {
        if (_options.GreetPause > TimeSpan.Zero && _role == SmtpRole.Mx)
            await Task.Delay(_options.GreetPause, stopping);
        if (_socket.Available > 0)
        {
            _metrics.Increment("letterbox_smtp_rejected_total", 1, ("reason", "early_talker"));
            _log.Info("early talker refused", ("conn", _id), ("client", _client));
            Reply(554, EnhancedStatus.OtherProtocol, $"{_options.Hostname} Protocol error: talked before the greeting");
            await FlushAsync(stopping);
            return false;
        }
        Reply(220, null, $"{_options.Hostname} ESMTP Letterbox");
        return true;
    }

    private async Task ServeAsync(CancellationToken stopping)
    {
        while (_mode != Mode.Quit)
        {
            await FlushAsync(stopping);
            var timeout = _mode == Mode.Command ? _options.CommandTimeout : RemainingDataTime();
            ReadResult read;
            using (var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            {
                cts.CancelAfter(timeout);
                try
                {
                    read = await _reader.ReadAsync(cts.Token);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    Reply(421, EnhancedStatus.OtherMailSystem, $"{_options.Hostname} Service shutting down, try again later");
                    await FlushAsync(CancellationToken.None);
                    return;
                }
                catch (OperationCanceledException)
                {
                    // RFC 5321 §4.5.3.2: the server closes an idle session; §3.8 says with 421.
                    _metrics.Increment("letterbox_smtp_timeouts_total", 1, ("phase", _mode == Mode.Command ? "command" : "data"));
                    Reply(421, EnhancedStatus.BadConnection, $"{_options.Hostname} Error: timeout exceeded, closing connection");
                    await FlushAsync(CancellationToken.None);
                    return;
                }
            }

            var buffer = read.Buffer;
            var consumed = buffer.Start;
            bool startTls = false;
            long pipelined = 0;
            try
            {
                (consumed, startTls) = await ProcessAsync(buffer);
                if (startTls)
                    pipelined = buffer.Slice(consumed).Length;
            }
            finally
            {
                _reader.AdvanceTo(consumed, buffer.End);
            }

            if (startTls)
            {
                if (!await StartTlsAsync(pipelined, stopping))
                    return;
                continue;
            }
            if (read.IsCompleted)
            {
                if (_mode is Mode.Data or Mode.Bdat)
                    _log.Info("client vanished mid-message; nothing delivered", ("conn", _id), ("client", _client));
                return;
            }
        }
        await FlushAsync(CancellationToken.None);
    }

    /// <summary>
    /// Handles everything complete in the buffer. Returns how far it got, and whether the last
    /// command was a successful STARTTLS (the caller then switches the stream).
    /// </summary>
    private async Task<(SequencePosition Consumed, bool StartTls)> ProcessAsync(ReadOnlySequence<byte> buffer)
    {
        while (_mode != Mode.Quit)
        {
            if (_mode is Mode.Data or Mode.Bdat)
            {
                var (used, complete) = ReadMessageContent(buffer);
                buffer = buffer.Slice(used);
                if (!complete)
                    return (buffer.Start, false);
                await FinishMessageAsync();
                continue;
            }

            var line = _lines.Read(buffer);
            if (_mode == Mode.AuthResponse)
            {
                if (line.Status == SmtpLineStatus.NeedMore)
                    return (buffer.Slice(line.Consumed).Start, false);
                var response = buffer.Slice(0, line.LineLength);
                buffer = buffer.Slice(line.Consumed);
                if (line.Status == SmtpLineStatus.LineTooLong)
                {
                    _mode = Mode.Command;
                    _authMechanism = null;
                    Error(500, EnhancedStatus.AuthenticationLineTooLong, "Authentication exchange line is too long");
                }
                else
                {
                    await OnAuthResponseAsync(response);
                }
                continue;
            }
            if (line.Status == SmtpLineStatus.NeedMore)
            {
                buffer = buffer.Slice(line.Consumed); // a too-long line is dropped as it arrives
                return (buffer.Start, false);
            }
            var commandLine = buffer.Slice(0, line.LineLength);
            buffer = buffer.Slice(line.Consumed);
            if (line.Status == SmtpLineStatus.LineTooLong)
            {
                Error(SmtpReplies.LineTooLong);
                continue;
            }
            if (++_commands > _options.MaxCommands)
            {
                _log.Info("too many commands", ("conn", _id), ("client", _client));
                Reply(421, EnhancedStatus.OtherProtocol, $"{_options.Hostname} Error: too many commands, closing connection");
                _mode = Mode.Quit;
                break;
            }
            if (await HandleCommandAsync(commandLine) == CommandOutcome.StartTls)
                return (buffer.Start, true);
            if (_errors >= _options.MaxErrors && _mode != Mode.Quit)
            {
                _log.Info("too many errors", ("conn", _id), ("client", _client));
                Reply(421, EnhancedStatus.OtherProtocol, $"{_options.Hostname} Error: too many errors, closing connection");
                _mode = Mode.Quit;
            }
        }
        return (buffer.Start, false);
    }

    /// <summary>
    /// RFC 3207 §4: after "220 Ready to start TLS" the handshake starts, and anything the client
    /// had already sent in plaintext is discarded unread (the CVE-2011-0411 command-injection
    /// class); after the handshake the session starts over, before EHLO.
    /// </summary>
    private async Task<bool> StartTlsAsync(long pipelinedBytes, CancellationToken stopping)
    {
        await FlushAsync(stopping);
        if (pipelinedBytes > 0)
        {
            _metrics.Increment("letterbox_smtp_rejected_total", 1, ("reason", "starttls_injection"));
            _log.Warn("discarded plaintext pipelined after STARTTLS", ("conn", _id), ("client", _client), ("bytes", pipelinedBytes));
        }
        await _reader.CompleteAsync();
        var (tls, error) = await TlsPolicy.AcceptAsync(_stream, _certificate!, _options.CommandTimeout, stopping);
        if (tls is null)
        {
            _metrics.Increment("letterbox_smtp_tls_failures_total");
            _log.Info("TLS handshake failed", ("conn", _id), ("client", _client), ("error", error));
            return false;
        }
        _tls = tls;
        _stream = tls;
        _reader = PipeReader.Create(tls, new StreamPipeReaderOptions(leaveOpen: true));
        _lines.Reset();
        ResetTransaction();
        _state = State.Connected;
        _helo = null;
        _metrics.Increment("letterbox_smtp_tls_sessions_total", 1, ("protocol", tls.SslProtocol.ToString()));
        _log.Info("TLS", ("conn", _id), ("protocol", tls.SslProtocol), ("cipher", tls.NegotiatedCipherSuite));
        return true;
    }

    private void Reply(int code, EnhancedStatusCode? status, params string[] lines) => Reply(new SmtpReply(code, status, lines));

    private void Reply(SmtpReply reply) => reply.WriteTo(_out);

    /// <summary>An error reply, counted against the session's error limit.</summary>
    private void Error(SmtpReply reply)
    {
        _errors++;
        Reply(reply);
    }

    private void Error(int code, EnhancedStatusCode status, string text) => Error(new SmtpReply(code, status, text));

    /// <summary>Replies are batched while pipelined commands are in the buffer, and sent before we wait for more (RFC 2920 §3.2).</summary>
    private async Task FlushAsync(CancellationToken ct)
    {
        if (_out.WrittenCount == 0)
            return;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_options.CommandTimeout);
        await _stream.WriteAsync(_out.WrittenMemory, cts.Token);
        await _stream.FlushAsync(cts.Token);
        _out.ResetWrittenCount();
    }
}

/// <summary>Short, unique, sortable ids for log lines and Received headers.</summary>
public static class SessionIds
{
    private static long _counter;
    private static readonly string Prefix = Environment.ProcessId.ToString("x", System.Globalization.CultureInfo.InvariantCulture);

    public static string Next() =>
        $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds():x}{Prefix}{Interlocked.Increment(ref _counter):x}";
}
