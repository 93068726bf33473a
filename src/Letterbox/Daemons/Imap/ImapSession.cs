using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Letterbox.Logging;
using Letterbox.Monitoring;
using Letterbox.Net.Tls;
using Letterbox.Protocol.Imap;
using Letterbox.Protocol.Sasl;
using Letterbox.Store;

namespace Letterbox.Daemons.Imap;

/// <summary>
/// One IMAP connection (RFC 9051 IMAP4rev2, RFC 3501 IMAP4rev1): not authenticated until a login
/// over TLS (port 993, or STARTTLS on 143), then authenticated, selected, logout (RFC 9051 §3).
/// The command table in <see cref="Allowed"/> says which command is valid in which state.
/// Split by family: this file (loop, TLS, login), Mailboxes, Fetch, Messages.
/// </summary>
public sealed partial class ImapSession
{
    private enum State { NotAuthenticated, Authenticated, Selected, Logout }

    private static readonly TimeSpan IdleBeforeLogin = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan IdleAfterLogin = TimeSpan.FromMinutes(30); // RFC 9051 §5.4: at least 30 minutes
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(2);
    private const int MaxErrors = 20;
    private const long AppendLimit = 64L * 1024 * 1024;

    private readonly Socket _socket;
    private readonly string _hostname;
    private readonly MailAccess _access;
    private readonly AccountStore _accounts;
    private readonly CertificateSource? _certificate;
    private readonly Metrics _metrics;
    private readonly Log _log;
    private readonly IPAddress _client;
    private readonly string _id = Smtp.SessionIds.Next();
    private readonly ImapCommandReader _reader = new(new ImapReaderLimits { MaxMessageSize = AppendLimit });
    private readonly ArrayBufferWriter<byte> _out = new(8192);
    private readonly ImapResponseWriter _w;

    private Stream _stream;
    private PipeReader _pipe;
    private SslStream? _tls;
    private DeflateDuplexStream? _deflate; // RFC 4978, after COMPRESS DEFLATE
    private Task<ReadResult>? _pendingRead;
    private State _state = State.NotAuthenticated;
    private UserAccount? _account;
    private MailFolders? _folders;
    private MailFolder? _view;
    private int _errors;
    private bool _rev2;
    private bool _condStore;
    private bool _qresync;      // RFC 7162 §3.2.3: after ENABLE QRESYNC
    private bool _utf8;         // RFC 6855: after ENABLE UTF8=ACCEPT (or IMAP4rev2)
    private HashSet<uint> _saved = []; // RFC 5182: the UIDs of the last SEARCH RETURN (SAVE)
    private bool _synced;       // this command caught the view up already (STORE, APPEND, MOVE) and reported it
    private string? _saslTag;   // AUTHENTICATE waiting for the client's response line
    private string? _idleTag;   // IDLE waiting for DONE
    private ImapAppendCommand? _append;
    private FileStream? _appendSink;
    private IDisposable? _userLease;

    public ImapSession(Socket socket, bool implicitTls, string hostname, MailAccess access, Metrics metrics, Log log)
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
        _pipe = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        _w = new ImapResponseWriter(_out);
        ImplicitTls = implicitTls;
    }

    private bool ImplicitTls { get; }

    private ImapParseOptions ParseOptions => _rev2 || _utf8 ? new ImapParseOptions { Utf8MailboxNames = true } : ImapParseOptions.Default;

    /// <summary>The saved search result as a UID set (RFC 5182), for the places that want ranges.</summary>
    private ImapSequenceSet SavedAsSet() => _saved.Count == 0
        ? ImapSequenceSet.Of(new ImapSequenceRange(uint.MaxValue, uint.MaxValue))
        : ImapSequenceSet.Of(_saved.Order().Select(u => new ImapSequenceRange(u, u)).ToArray());

    public async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            if (ImplicitTls && !await HandshakeAsync(stopping))
                return;
            Untagged($"OK [CAPABILITY {Capabilities()}] {_hostname} IMAP4rev2 Letterbox ready");
            await FlushAsync(stopping);
            await LoopAsync(stopping);
        }
        catch (IOException)
        {
            // The client went away; nothing to answer.
        }
        catch (InvalidDataException)
        {
            // Not DEFLATE data after COMPRESS (RFC 4978): nothing more can be understood; close.
            _log.Info("invalid compressed data", ("conn", _id), ("client", _client));
        }
        finally
        {
            DropAppend();
            _userLease?.Dispose();
            try
            {
                await _pipe.CompleteAsync();
            }
            catch (InvalidOperationException)
            {
                // a read is still pending on a connection we are leaving
            }
            _deflate?.Dispose();
            if (_tls is not null)
                await _tls.DisposeAsync();
            _log.Info("disconnect", ("conn", _id), ("client", _client), ("user", _account?.Address));
        }
    }

    /// <summary>CAPABILITY (RFC 9051 §7.2.2), one name a line with its RFC in <see cref="ImapCapability"/>.</summary>
    private string Capabilities()
    {
        var caps = new List<string> { ImapCapability.Imap4Rev1, ImapCapability.Imap4Rev2 };
        if (_state == State.NotAuthenticated)
        {
            if (_tls is null)
            {
                if (_certificate is not null)
                    caps.Add(ImapCapability.StartTls);
                caps.Add(ImapCapability.LoginDisabled); // RFC 9051 §6.2.3: no LOGIN in the clear
            }
            else
            {
                caps.Add(ImapCapability.Auth(SaslPlain.Mechanism));
                caps.Add(ImapCapability.SaslIr);
            }
        }
        caps.AddRange([
            ImapCapability.LiteralMinus, ImapCapability.Id, ImapCapability.Enable, ImapCapability.Idle,
            ImapCapability.Namespace, ImapCapability.UidPlus, ImapCapability.Move, ImapCapability.Unselect,
            ImapCapability.Children, ImapCapability.SpecialUse, ImapCapability.CondStore, ImapCapability.QResync,
            ImapCapability.ESearch, ImapCapability.SearchRes, ImapCapability.Utf8Accept,
            ImapCapability.Quota, ImapCapability.QuotaResStorage, ImapCapability.CompressDeflate,
            ImapCapability.ListExtended, ImapCapability.ListStatus, ImapCapability.StatusSize, ImapCapability.AppendLimitOf(AppendLimit),
        ]);
        return string.Join(' ', caps);
    }

    private async Task LoopAsync(CancellationToken stopping)
    {
        while (_state != State.Logout)
        {
            _pendingRead ??= _pipe.ReadAsync(stopping).AsTask();
            var timeout = _idleTag is not null ? IdlePoll : _state == State.NotAuthenticated ? IdleBeforeLogin : IdleAfterLogin;
            var deadline = DateTime.UtcNow + (_idleTag is not null ? IdleAfterLogin : timeout);
            while (!await ReadWithinAsync(timeout, stopping))
            {
                if (stopping.IsCancellationRequested)
                {
                    Untagged("BYE [UNAVAILABLE] server shutting down");
                    await FlushAsync(CancellationToken.None);
                    return;
                }
                if (_idleTag is not null && DateTime.UtcNow < deadline)
                {
                    await IdlePollAsync(stopping);
                    continue;
                }
                Untagged("BYE autologout: idle too long"); // RFC 9051 §5.4
                await FlushAsync(stopping);
                return;
            }
            ReadResult read;
            try
            {
                read = await _pendingRead;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            _pendingRead = null;
            var buffer = read.Buffer;
            var consumed = buffer.Start;
            bool startTls = false;
            bool midCommand = false;
            try
            {
                while (_state != State.Logout && !startTls)
                {
                    var rest = buffer.Slice(consumed);
                    var r = _saslTag is not null || _idleTag is not null ? _reader.ReadLine(rest) : _reader.Read(rest);
                    if (r.Status == ImapReadStatus.MessageData)
                    {
                        foreach (var segment in rest.Slice(0, r.Consumed))
                            await _appendSink!.WriteAsync(segment, stopping);
                    }
                    consumed = rest.GetPosition(r.Consumed);
                    if (r.Status == ImapReadStatus.NeedMore)
                    {
                        midCommand = _appendSink is not null || !buffer.Slice(consumed).IsEmpty;
                        break;
                    }
                    startTls = await OnReadAsync(r, stopping);
                    if (_errors > MaxErrors)
                    {
                        Untagged("BYE too many errors");
                        _state = State.Logout;
                    }
                }
            }
            finally
            {
                _pipe.AdvanceTo(consumed, buffer.End);
            }
            await FlushAsync(stopping);
            if (midCommand)
                AcknowledgeNow();
            if (startTls && _state != State.NotAuthenticated)
            {
                // COMPRESS (RFC 4978 §3): everything after the OK is DEFLATE both ways. The client
                // waits for the OK before sending more, so nothing buffered belongs to the new layer.
                await _pipe.CompleteAsync();
                _reader.Reset();
                _deflate = new DeflateDuplexStream(_stream);
                _stream = _deflate;
                _pipe = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
                continue;
            }
            if (startTls)
            {
                // RFC 9051 §6.2.1: plaintext pipelined after STARTTLS is discarded, never read as commands.
                await _pipe.CompleteAsync();
                _reader.Reset();
                if (!await HandshakeAsync(stopping))
                    return;
                continue;
            }
            if (read.IsCompleted)
                return;
        }
    }

    /// <summary>
    /// Half a command is in (a literal without its closing CRLF, a line cut by the network): the
    /// client's rest is often a small write held back by its Nagle algorithm until what it sent
    /// is acknowledged, and Linux delays that ACK by up to 40 ms (we owe an answer, so it waits to
    /// piggyback). imaplib, for one, sends a literal and its CRLF as two writes: every APPEND
    /// then stalled 40 ms. TCP_QUICKACK sends the pending ACK now. Linux only; elsewhere a no-op.
    /// </summary>
    private void AcknowledgeNow()
    {
        if (!OperatingSystem.IsLinux())
            return;
        try
        {
            _socket.SetRawSocketOption(IpProtoTcp, TcpQuickAck, QuickAckOn);
        }
        catch (SocketException)
        {
            // Closed meanwhile, or not TCP: nothing to acknowledge.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private const int IpProtoTcp = 6;  // IPPROTO_TCP
    private const int TcpQuickAck = 12; // TCP_QUICKACK, linux/tcp.h
    private static readonly byte[] QuickAckOn = BitConverter.GetBytes(1);

    /// <summary>Waits for the pending read up to <paramref name="timeout"/>; the timer is dropped either way.</summary>
    private async Task<bool> ReadWithinAsync(TimeSpan timeout, CancellationToken stopping)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var delay = Task.Delay(timeout, timer.Token);
        bool read = await Task.WhenAny(_pendingRead!, delay) == _pendingRead;
        await timer.CancelAsync();
        return read;
    }

    /// <summary>Acts on one reader result; true when the TLS handshake is to start.</summary>
    private async Task<bool> OnReadAsync(ImapReadResult r, CancellationToken ct)
    {
        switch (r.Status)
        {
            case ImapReadStatus.Continuation:
                _w.Continuation("Ready for literal data");
                await FlushAsync(ct);
                return false;
            case ImapReadStatus.MessageLiteral:
                OnAppendLiteral(r);
                await FlushAsync(ct);
                return false;
            case ImapReadStatus.Error:
                _errors++;
                DropAppend();
                _w.Status(r.Response!);
                if (r.CloseConnection)
                    _state = State.Logout;
                return false;
            case ImapReadStatus.Line when _saslTag is not null:
                await OnSaslResponseAsync(ct);
                return false;
            case ImapReadStatus.Line:
                await OnIdleLineAsync(ct);
                return false;
            case ImapReadStatus.Command:
                return await OnCommandAsync(ct);
            default:
                return false;
        }
    }

    private async Task<bool> OnCommandAsync(CancellationToken ct)
    {
        var parsed = ImapCommandParser.Parse(_reader.Frame, ParseOptions);
        if (!parsed.IsSuccess)
        {
            _errors++;
            DropAppend();
            _w.Status(parsed.Error);
            return false;
        }
        var command = parsed.Command;
        if (!Allowed(command.Kind, _state))
        {
            DropAppend();
            Reply(ImapStatusResponse.Bad(command.Tag, $"{command.Kind.ToString().ToUpperInvariant()} not allowed now"));
            return false;
        }
        ImapStatusResponse reply;
        _synced = false;
        try
        {
            reply = await DispatchAsync(command, ct);
            if (reply.Status == ImapStatus.Ok && _view is not null && !_synced && command.Kind is not (ImapCommandKind.Select or ImapCommandKind.Examine or ImapCommandKind.Idle or ImapCommandKind.Logout))
            {
                // RFC 9051 §7.4.1 / §5.5: no EXPUNGE during FETCH, STORE or SEARCH. After the
                // read-only FETCH and SEARCH only what came through the index (other sessions'
                // changes), not a listing of the folder: new deliveries show at the next NOOP,
                // IDLE or changing command, as with Dovecot's fast sync.
                bool reads = command.Kind is ImapCommandKind.Fetch or ImapCommandKind.Search;
                bool expunges = !reads && command.Kind is not ImapCommandKind.Store;
                Report(_view.Sync(reportExpunges: expunges, scan: !reads));
            }
        }
        catch (MailFolderException e)
        {
            DropAppend();
            _log.Info("folder operation refused", ("conn", _id), ("command", command.Kind), ("reason", e.Reason), ("error", e.Message));
            if (e.Reason == MailFolderError.Invalidated)
            {
                Untagged("BYE Mailbox UIDVALIDITY changed, please reconnect"); // RFC 9051 §2.3.1.1
                _state = State.Logout;
                return false;
            }
            reply = ImapStatusResponse.No(command.Tag, FolderErrorText(e.Reason), FolderErrorCode(e.Reason, command.Kind));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException or InvalidDataException)
        {
            DropAppend();
            _log.Warn("IMAP command failed", ("conn", _id), ("command", command.Kind), ("error", e.Message));
            reply = ImapStatusResponse.No(command.Tag, "Server error, try again", ImapResponseCode.ServerBug);
        }
        // RFC 5182 §2.1: a SEARCH ... RETURN (SAVE) that fails leaves the saved result empty.
        if (command is ImapSearchCommand { Return: var r } && r.HasFlag(ImapSearchReturn.Save) && reply.Status != ImapStatus.Ok)
            _saved = [];
        if (reply.Tag is not null)
            Reply(reply);
        // STARTTLS (not authenticated) or COMPRESS (authenticated): the stream changes after this reply.
        return command.Kind is ImapCommandKind.StartTls or ImapCommandKind.Compress && reply.Status == ImapStatus.Ok;
    }

    /// <summary>The command table: which command in which state (RFC 9051 §6).</summary>
    private static bool Allowed(ImapCommandKind kind, State state) => kind switch
    {
        ImapCommandKind.Capability or ImapCommandKind.Noop or ImapCommandKind.Logout or ImapCommandKind.Id => true,
        ImapCommandKind.StartTls or ImapCommandKind.Authenticate or ImapCommandKind.Login => state == State.NotAuthenticated,
        ImapCommandKind.Check or ImapCommandKind.Close or ImapCommandKind.Unselect or ImapCommandKind.Expunge
            or ImapCommandKind.Search or ImapCommandKind.Fetch or ImapCommandKind.Store or ImapCommandKind.Copy
            or ImapCommandKind.Move => state == State.Selected,
        ImapCommandKind.Unknown => false,
        _ => state is State.Authenticated or State.Selected,
    };

    private Task<ImapStatusResponse> DispatchAsync(ImapCommand c, CancellationToken ct)
    {
        _metrics.Increment("letterbox_imap_commands_total", 1, ("command", c.Kind.ToString().ToLowerInvariant()));
        return c switch
        {
            { Kind: ImapCommandKind.Capability } => Done(OnCapability(c)),
            { Kind: ImapCommandKind.Noop or ImapCommandKind.Check } => Done(ImapStatusResponse.Ok(c.Tag, c.Kind.ToString().ToUpperInvariant() + " completed")),
            { Kind: ImapCommandKind.Logout } => Done(OnLogout(c)),
            { Kind: ImapCommandKind.StartTls } => Done(OnStartTls(c)),
            ImapCompressCommand compress => Done(OnCompress(compress)),
            ImapLoginCommand login => OnLoginAsync(login, ct),
            ImapAuthenticateCommand a => OnAuthenticateAsync(a, ct),
            ImapIdCommand id => Done(OnId(id)),
            ImapEnableCommand e => Done(OnEnable(e)),
            { Kind: ImapCommandKind.Namespace } => Done(OnNamespace(c)),
            { Kind: ImapCommandKind.Idle } => Done(OnIdle(c)),
            ImapFetchCommand fetch => OnFetchAsync(fetch, ct),
            _ => Done(DispatchMailbox(c)),
        };
    }

    /// <summary>Returned by a command whose tagged reply comes later (IDLE, AUTHENTICATE without initial response).</summary>
    private static readonly ImapStatusResponse Pending = ImapStatusResponse.Ok(null, "pending");

    private static Task<ImapStatusResponse> Done(ImapStatusResponse r) => Task.FromResult(r);

    private ImapStatusResponse OnCapability(ImapCommand c)
    {
        Untagged("CAPABILITY " + Capabilities());
        return ImapStatusResponse.Ok(c.Tag, "CAPABILITY completed");
    }

    private ImapStatusResponse OnLogout(ImapCommand c)
    {
        Untagged("BYE " + _hostname + " logging out");
        _state = State.Logout;
        return ImapStatusResponse.Ok(c.Tag, "LOGOUT completed");
    }

    private ImapStatusResponse OnStartTls(ImapCommand c)
    {
        if (_tls is not null || _certificate is null)
            return ImapStatusResponse.Bad(c.Tag, _tls is not null ? "Already under TLS" : "TLS not available");
        return ImapStatusResponse.Ok(c.Tag, "Begin TLS negotiation now");
    }

    private ImapStatusResponse OnCompress(ImapCompressCommand c)
    {
        if (_deflate is not null)
            return ImapStatusResponse.No(c.Tag, "DEFLATE already active", ImapResponseCode.CompressionActive);
        if (c.Algorithm != "DEFLATE")
            return ImapStatusResponse.No(c.Tag, "Unknown compression algorithm", ImapResponseCode.Cannot);
        return ImapStatusResponse.Ok(c.Tag, "DEFLATE active");
    }

    private ImapStatusResponse OnId(ImapIdCommand c)
    {
        Untagged("ID (\"name\" \"Letterbox\")");
        return ImapStatusResponse.Ok(c.Tag, "ID completed");
    }

    private ImapStatusResponse OnEnable(ImapEnableCommand c)
    {
        var enabled = new List<string>();
        foreach (var cap in c.Capabilities)
        {
            if (cap.Equals(ImapCapability.Imap4Rev2, StringComparison.OrdinalIgnoreCase))
            {
                _rev2 = true;
                _w.Utf8 = true;
                enabled.Add(ImapCapability.Imap4Rev2);
            }
            else if (cap.Equals(ImapCapability.CondStore, StringComparison.OrdinalIgnoreCase))
            {
                _condStore = true;
                enabled.Add(ImapCapability.CondStore);
            }
            else if (cap.Equals(ImapCapability.QResync, StringComparison.OrdinalIgnoreCase))
            {
                // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE.
                _qresync = _condStore = true;
                enabled.Add(ImapCapability.QResync);
            }
            else if (cap.Equals(ImapCapability.Utf8Accept, StringComparison.OrdinalIgnoreCase))
            {
                // RFC 6855 §3: UTF-8 in mailbox names and quoted strings from here on, both ways.
                _utf8 = true;
                _w.Utf8 = true;
                enabled.Add(ImapCapability.Utf8Accept);
            }
        }
        Untagged("ENABLED" + string.Concat(enabled.Select(e => " " + e)));
        return ImapStatusResponse.Ok(c.Tag, "ENABLE completed");
    }

    private ImapStatusResponse OnNamespace(ImapCommand c)
    {
        Untagged("NAMESPACE ((\"\" \"/\")) NIL NIL"); // RFC 2342: one personal namespace
        return ImapStatusResponse.Ok(c.Tag, "NAMESPACE completed");
    }

    private async Task<ImapStatusResponse> OnLoginAsync(ImapLoginCommand c, CancellationToken ct)
    {
        if (_tls is null)
            return ImapStatusResponse.No(c.Tag, "TLS required: use STARTTLS first, or port 993", ImapResponseCode.PrivacyRequired);
        return await LoginAsync(c.Tag, c.UserName, c.Password, ct);
    }

    private async Task<ImapStatusResponse> OnAuthenticateAsync(ImapAuthenticateCommand c, CancellationToken ct)
    {
        if (_tls is null)
            return ImapStatusResponse.No(c.Tag, "TLS required: use STARTTLS first, or port 993", ImapResponseCode.PrivacyRequired);
        if (!c.Mechanism.Equals(SaslPlain.Mechanism, StringComparison.OrdinalIgnoreCase))
            return ImapStatusResponse.No(c.Tag, "Unsupported mechanism (PLAIN is)", ImapResponseCode.Cannot);
        if (c.InitialResponse is null)
        {
            _w.Challenge([]); // RFC 9051 §6.2.2: empty challenge, the response comes on the next line
            _saslTag = c.Tag;
            return Pending;
        }
        return await FinishPlainAsync(c.Tag, c.InitialResponse, ct);
    }

    private async Task OnSaslResponseAsync(CancellationToken ct)
    {
        string tag = _saslTag!;
        _saslTag = null;
        ImapStatusResponse reply;
        if (!ImapCommandParser.TryParseSaslResponse(_reader.Line, out bool cancelled, out var data))
            reply = ImapStatusResponse.Bad(tag, "Invalid base64 response");
        else if (cancelled)
            reply = ImapStatusResponse.Bad(tag, "Authentication cancelled");
        else
            reply = await FinishPlainAsync(tag, data!, ct);
        Reply(reply);
    }

    private async Task<ImapStatusResponse> FinishPlainAsync(string tag, byte[] response, CancellationToken ct)
    {
        var credentials = SaslPlain.Parse(response);
        if (credentials is null || (credentials.AuthorizationId.Length > 0 && credentials.AuthorizationId != credentials.AuthenticationId))
            return ImapStatusResponse.No(tag, "Malformed PLAIN response", ImapResponseCode.AuthenticationFailed);
        return await LoginAsync(tag, credentials.AuthenticationId, credentials.Password, ct);
    }

    private async Task<ImapStatusResponse> LoginAsync(string tag, string user, string password, CancellationToken ct)
    {
        var result = await _access.LoginAsync("imap", _client, user, password, ct);
        if (result.Outcome == Authenticator.Outcome.Blocked)
            return ImapStatusResponse.No(tag, "Too many failed logins, try again later", ImapResponseCode.Unavailable);
        if (result.User is null)
            return ImapStatusResponse.No(tag, "Invalid user name or password", ImapResponseCode.AuthenticationFailed);
        // imap.max_connections_per_user_ip (Dovecot's mail_max_userip_connections); the session stays unauthenticated.
        _userLease = _access.Users.TryEnter(result.User.Address, _client);
        if (_userLease is null)
        {
            _access.CountUserLimit();
            return ImapStatusResponse.No(tag, "Too many sessions for this user from your address", ImapResponseCode.Limit);
        }
        _account = result.User;
        _folders = new MailFolders(_accounts, result.User.Mailbox);
        _state = State.Authenticated;
        return ImapStatusResponse.Ok(tag, "Logged in", "CAPABILITY " + Capabilities());
    }

    private ImapStatusResponse OnIdle(ImapCommand c)
    {
        _w.Continuation("idling"); // RFC 2177 §3
        _idleTag = c.Tag;
        return Pending;
    }

    private async Task IdlePollAsync(CancellationToken ct)
    {
        if (_view is null)
            return;
        try
        {
            Report(_view.Sync());
        }
        catch (MailFolderException e) when (e.Reason == MailFolderError.Invalidated || e.Reason == MailFolderError.NoSuchFolder)
        {
            Untagged("BYE mailbox gone, please reconnect");
            _state = State.Logout;
        }
        await FlushAsync(ct);
    }

    private Task OnIdleLineAsync(CancellationToken ct)
    {
        string tag = _idleTag!;
        _idleTag = null;
        if (!ImapCommandParser.IsIdleDone(_reader.Line))
        {
            _errors++;
            Reply(ImapStatusResponse.Bad(tag, "Expected DONE"));
            return Task.CompletedTask;
        }
        if (_view is not null)
            Report(_view.Sync());
        Reply(ImapStatusResponse.Ok(tag, "IDLE terminated"));
        return Task.CompletedTask;
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
        _pipe = PipeReader.Create(tls, new StreamPipeReaderOptions(leaveOpen: true));
        return true;
    }

    private static string FolderErrorText(MailFolderError reason) => reason switch
    {
        MailFolderError.NoSuchFolder => "No such mailbox",
        MailFolderError.AlreadyExists => "Mailbox already exists",
        MailFolderError.InvalidName => "Invalid mailbox name",
        MailFolderError.NotAllowed => "Not allowed for this mailbox",
        MailFolderError.ReadOnly => "Mailbox is read-only",
        MailFolderError.KeywordLimit => "Too many keywords in this mailbox",
        MailFolderError.OverQuota => "Over quota",
        MailFolderError.Busy => "Mailbox busy, try again",
        _ => "Mailbox state changed",
    };

    private static string? FolderErrorCode(MailFolderError reason, ImapCommandKind kind) => reason switch
    {
        MailFolderError.NoSuchFolder when kind is ImapCommandKind.Append or ImapCommandKind.Copy or ImapCommandKind.Move => ImapResponseCode.TryCreate,
        MailFolderError.NoSuchFolder => ImapResponseCode.NonExistent,
        MailFolderError.AlreadyExists => ImapResponseCode.AlreadyExists,
        MailFolderError.InvalidName or MailFolderError.NotAllowed => ImapResponseCode.Cannot,
        MailFolderError.KeywordLimit => ImapResponseCode.Limit,
        MailFolderError.OverQuota => ImapResponseCode.OverQuota,
        MailFolderError.Busy => ImapResponseCode.InUse,
        _ => null,
    };

    private void Untagged(string text) => _w.Raw(Encoding.UTF8.GetBytes("* " + text + "\r\n"));

    private void Reply(ImapStatusResponse response)
    {
        if (response.Status is ImapStatus.No or ImapStatus.Bad)
            _errors++;
        else if (response.Status == ImapStatus.Ok)
            _errors = Math.Max(0, _errors - 1);
        _w.Status(response);
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        if (_out.WrittenCount == 0)
            return;
        await _stream.WriteAsync(_out.WrittenMemory, ct);
        await _stream.FlushAsync(ct);
        _out.ResetWrittenCount();
    }
}
