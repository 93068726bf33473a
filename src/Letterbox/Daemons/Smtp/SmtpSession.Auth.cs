using System.Buffers;
using System.Text;
using Letterbox.Protocol.Sasl;
using Letterbox.Protocol.Smtp;
using Letterbox.Store;

namespace Letterbox.Daemons.Smtp;

/// <summary>
/// AUTH (RFC 4954) on the submission ports: PLAIN (RFC 4616) and LOGIN, only under TLS, through
/// the login throttle IMAP and POP3 share. A session authenticates once; MAIL requires it.
/// </summary>
public sealed partial class SmtpSession
{
    private static readonly string[] Mechanisms = [SaslPlain.Mechanism, "LOGIN"];

    /// <summary>The mechanisms offered now: none on the MX port, none before TLS, none once logged in.</summary>
    private IReadOnlyList<string> OfferedMechanisms =>
        _role != SmtpRole.Mx && _tls is not null && _user is null ? Mechanisms : [];

    private UserAccount? _user;

    /// <summary>A mechanism waiting for the client's next line: its name, and what LOGIN got so far.</summary>
    private string? _authMechanism;
    private string? _loginUser;

    private async Task OnAuthAsync(AuthCommand auth)
    {
        if (_role == SmtpRole.Mx)
        {
            // Port 25 takes mail for our users from anyone; logging in happens on 587/465.
            Error(503, EnhancedStatus.InvalidCommand, "Error: authentication not enabled on this port, use port 587 or 465");
            return;
        }
        if (_tls is null)
        {
            // RFC 3207 §4 / RFC 4954 §4: no password crosses the network in the clear.
            _metrics.Increment("letterbox_smtp_rejected_total", 1, ("reason", "auth_without_tls"));
            Error(530, EnhancedStatus.OtherSecurity, "Must issue a STARTTLS command first");
            return;
        }
        if (_user is not null)
        {
            Error(503, EnhancedStatus.InvalidCommand, "Error: already authenticated");
            return;
        }
        if (_transaction is not null)
        {
            Error(503, EnhancedStatus.InvalidCommand, "Error: AUTH not permitted during a mail transaction");
            return;
        }
        _authMechanism = auth.Mechanism;
        _loginUser = null;
        switch (auth.Mechanism)
        {
            case SaslPlain.Mechanism when auth.InitialResponse is null:
                Challenge("");
                return;
            case SaslPlain.Mechanism:
                await FinishPlainAsync(auth.InitialResponse);
                return;
            case "LOGIN" when auth.InitialResponse is null:
                Challenge("Username:");
                return;
            case "LOGIN":
                OnLoginUser(auth.InitialResponse);
                return;
            default:
                _authMechanism = null;
                Error(504, EnhancedStatus.InvalidArguments, "Unrecognized authentication type");
                return;
        }
    }

    /// <summary>One line from the client in the middle of an exchange (RFC 4954 §4): base64, or "*" to cancel.</summary>
    private async Task OnAuthResponseAsync(ReadOnlySequence<byte> line)
    {
        _mode = Mode.Command;
        string text = Encoding.ASCII.GetString(line);
        if (text == "*")
        {
            _authMechanism = null;
            Error(501, EnhancedStatus.InvalidArguments, "Authentication cancelled");
            return;
        }
        if (_authMechanism == SaslPlain.Mechanism)
            await FinishPlainAsync(text);
        else if (_loginUser is null)
            OnLoginUser(text);
        else
            await FinishLoginAsync(text);
    }

    private async Task FinishPlainAsync(string response)
    {
        _authMechanism = null;
        var credentials = response == "=" ? null : SaslPlain.Decode(response);
        if (credentials is null)
        {
            Error(501, EnhancedStatus.InvalidArguments, "Cannot decode AUTH PLAIN response");
            return;
        }
        // RFC 4616 §2: an authorization identity other than the user itself is not ours to grant.
        if (credentials.AuthorizationId.Length > 0 && !credentials.AuthorizationId.Equals(credentials.AuthenticationId, StringComparison.OrdinalIgnoreCase))
        {
            Error(535, EnhancedStatus.AuthenticationCredentialsInvalid, "Authentication credentials invalid");
            return;
        }
        await LoginAsync(credentials.AuthenticationId, credentials.Password);
    }

    private void OnLoginUser(string response)
    {
        string? user = DecodeField(response);
        if (user is null)
        {
            _authMechanism = null;
            Error(501, EnhancedStatus.InvalidArguments, "Cannot decode AUTH LOGIN response");
            return;
        }
        _loginUser = user;
        Challenge("Password:");
    }

    private async Task FinishLoginAsync(string response)
    {
        _authMechanism = null;
        string? password = DecodeField(response);
        if (password is null)
        {
            Error(501, EnhancedStatus.InvalidArguments, "Cannot decode AUTH LOGIN response");
            return;
        }
        await LoginAsync(_loginUser!, password);
    }

    private async Task LoginAsync(string user, string password)
    {
        var result = await _submission.Authenticator.LoginAsync("submission", _client, user, password, CancellationToken.None);
        switch (result.Outcome)
        {
            case Authenticator.Outcome.Ok:
                _user = result.User;
                Reply(235, EnhancedStatus.OtherSecurity, "Authentication successful");
                break;
            case Authenticator.Outcome.Blocked:
                // A temporary refusal: the client may come back once the block has run out.
                Error(454, EnhancedStatus.OtherSecurity, "Too many failed logins, try again later");
                break;
            default:
                Error(535, EnhancedStatus.AuthenticationCredentialsInvalid, "Authentication credentials invalid");
                break;
        }
    }

    /// <summary>A 334 continuation with its base64 text (RFC 4954 §4); the next line is the client's answer.</summary>
    private void Challenge(string text)
    {
        // RFC 4954 §4: continue-req = "334" SP [base64] CRLF, the space even when the text is empty.
        _out.Write(Encoding.ASCII.GetBytes("334 " + Convert.ToBase64String(Encoding.ASCII.GetBytes(text)) + "\r\n"));
        _mode = Mode.AuthResponse;
    }

    /// <summary>A LOGIN field: base64 of UTF-8, at most 255 bytes, no NUL or line breaks.</summary>
    private static string? DecodeField(string base64)
    {
        if (base64.Length == 0 || base64.Length > 344)
            return null;
        try
        {
            var bytes = Convert.FromBase64String(base64);
            if (bytes.Length == 0 || bytes.AsSpan().IndexOfAny((byte)0, (byte)'\r', (byte)'\n') >= 0)
                return null;
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            return null;
        }
    }
}
