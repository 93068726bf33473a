using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Letterbox.Logging;
using Letterbox.Monitoring;
using Letterbox.Net.Tls;
using Letterbox.Protocol.Pop3;
using Letterbox.Protocol.Sasl;
using Letterbox.Store;

namespace Letterbox.Daemons.Pop3;

/// <summary>
/// One POP3 connection (RFC 1939, CAPA RFC 2449, STLS RFC 2595, AUTH PLAIN RFC 5034): AUTHORIZATION
/// until a login over TLS, then TRANSACTION on a locked maildrop, and UPDATE at QUIT. Passwords are
/// accepted only under TLS: port 995, or after STLS on 110.
/// </summary>
public sealed class Pop3Session
{
    private enum State { Authorization, Transaction, Done }

    private static readonly TimeSpan IdleBeforeLogin = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan IdleAfterLogin = TimeSpan.FromMinutes(10); // RFC 1939 §3: at least 10 minutes
    private const int MaxErrors = 10;

    private readonly Socket _socket;
    private readonly string _hostname;
    private readonly MailAccess _access;
    private readonly AccountStore _accounts;
    private readonly CertificateSource? _certificate;
    private readonly Metrics _metrics;
    private readonly Log _log;
    private readonly IPAddress _client;
    private readonly string _id = Smtp.SessionIds.Next();

    private Stream _stream;
    private PipeReader _reader;
    private SslStream? _tls;
    private State _state = State.Authorization;
    private string? _user;
    private UserAccount? _account;
    private Maildrop? _maildrop;
    private FileStream? _lock;
    private IDisposable? _userLease;
    private int _errors;
    private bool _awaitingSaslResponse;

    public Pop3Session(Socket socket, bool implicitTls, string hostname, MailAccess access, Metrics metrics, Log log)
    {
        _socket = socket;
        _hostname = hostname;
        _access = access;
        _accounts = access.Accounts;
        _certificate = access.Certificate;
        _metrics = metrics;
        _log = log;
        _client = TcpAcceptor.ClientAddress(socket);
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        ImplicitTls = implicitTls;
    }

    private bool ImplicitTls { get; }

    public async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            if (ImplicitTls && !await HandshakeAsync(stopping))
                return;
            await SendAsync($"+OK {_hostname} POP3 Letterbox ready", stopping);
            await LoopAsync(stopping);
        }
        finally
        {
            _lock?.Dispose();
            _userLease?.Dispose();
            await _reader.CompleteAsync();
            if (_tls is not null)
                await _tls.DisposeAsync();
            _log.Info("disconnect", ("conn", _id), ("client", _client), ("user", _account?.Address));
        }
    }

    private async Task LoopAsync(CancellationToken stopping)
    {
        while (_state != State.Done)
        {
            ReadResult read;
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            {
                idle.CancelAfter(_state == State.Authorization ? IdleBeforeLogin : IdleAfterLogin);
                try
                {
                    read = await _reader.ReadAsync(idle.Token);
                }
                catch (OperationCanceledException)
                {
                    // An autologout timer (RFC 1939 §3) ends the session without entering UPDATE.
                    await SendAsync(stopping.IsCancellationRequested ? "-ERR [SYS/TEMP] server shutting down" : "-ERR autologout: idle too long", CancellationToken.None);
                    return;
                }
            }
            var buffer = read.Buffer;
            var consumed = buffer.Start;
            bool startTls = false;
            try
            {
                while (_state != State.Done && !startTls)
                {
                    var span = buffer.Slice(consumed).IsSingleSegment ? buffer.Slice(consumed).FirstSpan : buffer.Slice(consumed).ToArray();
                    var status = Pop3CommandParser.NextLine(span, out int length, out int used);
                    if (status == Pop3CommandParser.Status.NeedMore)
                        break;
                    if (status == Pop3CommandParser.Status.TooLong)
                    {
                        await SendAsync("-ERR line too long", stopping);
                        _state = State.Done;
                        break;
                    }
                    var line = span[..length].ToArray();
                    consumed = buffer.GetPosition(used, consumed);
                    if (_awaitingSaslResponse)
                    {
                        // RFC 5034 §4: the line after "+ " is the client's response, not a command.
                        _awaitingSaslResponse = false;
                        await FinishPlainAsync(Encoding.ASCII.GetString(line), stopping);
                        continue;
                    }
                    startTls = await HandleAsync(Pop3CommandParser.Parse(line), stopping);
                    if (_errors > MaxErrors)
                        _state = State.Done; // a client that only errs is not a mail client
                }
            }
            finally
            {
                _reader.AdvanceTo(consumed, buffer.End);
            }
            if (startTls && !await StartTlsAsync(stopping))
                return;
            if (read.IsCompleted)
                return;
        }
    }

    private async Task<bool> HandleAsync(Pop3Command? command, CancellationToken ct)
    {
        if (command is null)
        {
            await ErrAsync("invalid command line", ct);
            return false;
        }
        switch (command.Verb)
        {
            case Pop3Verb.Capa:
                await OkAsync("Capability list follows", ct);
                var caps = new List<string> { "TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "USER", "SASL PLAIN", "IMPLEMENTATION Letterbox" };
                if (_tls is null && _certificate is not null && _state == State.Authorization)
                    caps.Add("STLS");
                await SendAsync(string.Join("\r\n", caps) + "\r\n.", ct);
                return false;
            case Pop3Verb.Quit:
                await QuitAsync(ct);
                return false;
            case Pop3Verb.Noop when _state == State.Transaction:
                await OkAsync("", ct);
                return false;
        }
        if (_state == State.Authorization)
            return await AuthorizationAsync(command, ct);
        await TransactionAsync(command, ct);
        return false;
    }

    private async Task<bool> AuthorizationAsync(Pop3Command command, CancellationToken ct)
    {
        switch (command.Verb)
        {
            case Pop3Verb.Stls:
                if (_tls is not null || _certificate is null)
                {
                    await ErrAsync(_tls is not null ? "already under TLS" : "[SYS/TEMP] TLS not available", ct);
                    return false;
                }
                await OkAsync("Begin TLS negotiation", ct);
                return true;
            case Pop3Verb.User or Pop3Verb.Pass or Pop3Verb.Auth when _tls is null:
                // RFC 8314 §3 and our secure default: no password ever crosses in the clear.
                await ErrAsync("[AUTH] TLS required: use STLS first, or port 995", ct);
                return false;
            case Pop3Verb.User:
                if (command.Arguments.Count != 1)
                {
                    await ErrAsync("usage: USER name", ct);
                    return false;
                }
                _user = command.Arguments[0];
                await OkAsync("send PASS", ct);
                return false;
            case Pop3Verb.Pass:
                if (_user is null)
                {
                    await ErrAsync("USER first", ct);
                    return false;
                }
                await LoginAsync(_user, command.Rest, ct);
                return false;
            case Pop3Verb.Auth:
                await AuthAsync(command, ct);
                return false;
            default:
                await ErrAsync("not allowed before login", ct);
                return false;
        }
    }

    private async Task AuthAsync(Pop3Command command, CancellationToken ct)
    {
        if (command.Arguments.Count == 0 || !command.Arguments[0].Equals(SaslPlain.Mechanism, StringComparison.OrdinalIgnoreCase))
        {
            await ErrAsync("unsupported mechanism (PLAIN is)", ct);
            return;
        }
        if (command.Arguments.Count < 2)
        {
            await SendAsync("+ ", ct); // RFC 5034 §4: an empty challenge; the response comes on the next line
            _awaitingSaslResponse = true;
            return;
        }
        await FinishPlainAsync(command.Arguments[1], ct);
    }

    private async Task FinishPlainAsync(string response, CancellationToken ct)
    {
        if (response == "*")
        {
            await ErrAsync("authentication cancelled", ct);
            return;
        }
        var credentials = SaslPlain.Decode(response);
        if (credentials is null || (credentials.AuthorizationId.Length > 0 && credentials.AuthorizationId != credentials.AuthenticationId))
        {
            await ErrAsync("malformed PLAIN response", ct);
            return;
        }
        await LoginAsync(credentials.AuthenticationId, credentials.Password, ct);
    }

    private async Task LoginAsync(string user, string password, CancellationToken ct)
    {
        var result = await _access.LoginAsync("pop3", _client, user, password, ct);
        _user = null;
        if (result.Outcome == Authenticator.Outcome.Blocked)
        {
            await ErrAsync("[LOGIN-DELAY] too many failed logins, try again later", ct);
            return;
        }
        if (result.User is null)
        {
            await ErrAsync("[AUTH] invalid user name or password", ct);
            return;
        }
        // pop3.max_connections_per_user_ip; RFC 2449 §8.1.2 [IN-USE]: the client may try again later.
        var lease = _access.Users.TryEnter(result.User.Address, _client);
        if (lease is null)
        {
            _access.CountUserLimit();
            await ErrAsync("[IN-USE] too many sessions for this user from your address", ct);
            return;
        }
        // RFC 1939 §8: the maildrop is locked for the session; a second session gets [IN-USE].
        try
        {
            _lock = new FileStream(Path.Combine(result.User.Mailbox.Directory, "letterbox-pop3.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            lease.Dispose();
            await ErrAsync("[IN-USE] maildrop already locked by another POP3 session", ct);
            return;
        }
        try
        {
            _maildrop = new Maildrop(new MailFolders(_accounts, result.User.Mailbox));
        }
        catch (MailFolderException e)
        {
            _lock.Dispose();
            _lock = null;
            lease.Dispose();
            _log.Info("maildrop not opened", ("conn", _id), ("user", result.User.Address), ("reason", e.Reason));
            await ErrAsync("[SYS/TEMP] mailbox busy, try again", ct);
            return;
        }
        _userLease = lease;
        _account = result.User;
        _state = State.Transaction;
        await OkAsync($"maildrop has {_maildrop.Messages.Count} messages", ct);
    }

    private async Task TransactionAsync(Pop3Command command, CancellationToken ct)
    {
        var drop = _maildrop!;
        switch (command.Verb)
        {
            case Pop3Verb.Stat:
                await OkAsync($"{drop.Live.Count()} {drop.Live.Sum(m => m.Size)}", ct);
                return;
            case Pop3Verb.List or Pop3Verb.Uidl when command.Arguments.Count == 0:
                await OkAsync(command.Verb == Pop3Verb.List ? "scan listing follows" : "unique-id listing follows", ct);
                var sb = new StringBuilder();
                foreach (var m in drop.Live)
                    sb.Append(m.Number.ToString(CultureInfo.InvariantCulture)).Append(' ')
                      .Append(command.Verb == Pop3Verb.List ? m.Size.ToString(CultureInfo.InvariantCulture) : m.Uid).Append("\r\n");
                await SendAsync(sb.Append('.').ToString(), ct);
                return;
            case Pop3Verb.List or Pop3Verb.Uidl:
            {
                var m = Message(command, 0);
                if (m is null)
                    await ErrAsync("no such message", ct);
                else
                    await OkAsync($"{m.Number} {(command.Verb == Pop3Verb.List ? m.Size.ToString(CultureInfo.InvariantCulture) : m.Uid)}", ct);
                return;
            }
            case Pop3Verb.Retr or Pop3Verb.Top:
            {
                var m = Message(command, 0);
                int? lines = command.Verb == Pop3Verb.Top ? command.Arguments.Count == 2 && int.TryParse(command.Arguments[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : -1 : null;
                using var file = m is null || lines == -1 ? null : drop.Open(m);
                if (m is null || file is null || lines == -1)
                {
                    await ErrAsync(m is null || lines != -1 ? "no such message" : "usage: TOP msg n", ct);
                    return;
                }
                var content = new byte[file.Length];
                await file.ReadExactlyAsync(content, ct);
                await OkAsync($"{m.Size} octets", ct);
                using var output = new MemoryStream(content.Length + content.Length / 50 + 16);
                Pop3CommandParser.DotStuff(content, output, lines);
                await _stream.WriteAsync(output.GetBuffer().AsMemory(0, (int)output.Length), ct);
                await _stream.FlushAsync(ct);
                if (command.Verb == Pop3Verb.Retr)
                    drop.MarkSeen(m);
                _metrics.Increment("letterbox_pop3_retrieved_total", 1, ("command", command.Keyword));
                return;
            }
            case Pop3Verb.Dele:
            {
                var m = Message(command, 0);
                if (m is null)
                {
                    await ErrAsync("no such message", ct);
                    return;
                }
                m.Deleted = true;
                await OkAsync($"message {m.Number} deleted", ct);
                return;
            }
            case Pop3Verb.Rset:
                foreach (var m in drop.Messages)
                    m.Deleted = false;
                await OkAsync($"maildrop has {drop.Messages.Count} messages", ct);
                return;
            default:
                await ErrAsync("unknown command", ct);
                return;
        }
    }

    private Maildrop.Message? Message(Pop3Command command, int index) =>
        command.Number(index) is { } n ? _maildrop!.Find(n) : null;

    private async Task QuitAsync(CancellationToken ct)
    {
        if (_state == State.Transaction)
        {
            try
            {
                _maildrop!.Commit();
            }
            catch (Exception e) when (e is IOException or MailFolderException)
            {
                _log.Warn("POP3 update failed", ("conn", _id), ("user", _account?.Address), ("error", e.Message));
                await ErrAsync("some deleted messages not removed", ct);
                _state = State.Done;
                return;
            }
        }
        await OkAsync($"{_hostname} signing off", ct);
        _state = State.Done;
    }

    private async Task<bool> StartTlsAsync(CancellationToken ct)
    {
        // Like SMTP's STARTTLS: anything pipelined after STLS in plaintext is discarded.
        await _reader.CompleteAsync();
        if (!await HandshakeAsync(ct))
            return false;
        return true;
    }

    private async Task<bool> HandshakeAsync(CancellationToken ct)
    {
        if (_certificate is null)
            return false;
        var (tls, error) = await TlsPolicy.AcceptAsync(_stream, _certificate, TimeSpan.FromSeconds(30), ct);
        if (tls is null)
        {
            _log.Info("TLS handshake failed", ("conn", _id), ("client", _client), ("error", error));
            return false;
        }
        _tls = tls;
        _stream = tls;
        _reader = PipeReader.Create(tls, new StreamPipeReaderOptions(leaveOpen: true));
        return true;
    }

    private Task OkAsync(string text, CancellationToken ct) => SendAsync(text.Length == 0 ? "+OK" : "+OK " + text, ct);

    private Task ErrAsync(string text, CancellationToken ct)
    {
        _errors++;
        return SendAsync("-ERR " + text, ct);
    }

    private async Task SendAsync(string line, CancellationToken ct)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"), ct);
        await _stream.FlushAsync(ct);
    }
}
