using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Letterbox.Net.Tls;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Letterbox.Delivery.Outbound;

/// <summary>How the connection that carried (or failed to carry) a message went: for the log.</summary>
/// <param name="Host">The host name tried last.</param>
/// <param name="Address">Its address.</param>
/// <param name="Tls">The TLS version, or null when the session was in clear text.</param>
/// <param name="Cipher">The cipher suite, when TLS was used.</param>
/// <param name="Reused">True when an open connection from an earlier message carried this one.</param>
public sealed record TransferLog(string Host, IPAddress? Address, string? Tls, string? Cipher, bool Reused = false);

/// <summary>
/// One message to one destination over SMTP, with MailKit's client: each host in turn and each of its
/// addresses until one takes the transaction (RFC 5321 §5.1: try the next on a connection failure),
/// opportunistic STARTTLS towards MX hosts (no certificate check: RFC 7435 opportunistic security,
/// better than clear text), required TLS with a checked certificate and AUTH towards a relay host.
/// A connection that carried a message is kept for a few seconds and reused for the next message to
/// the same address (as Postfix's connection cache does), which saves the TCP and TLS handshakes
/// when a queue holds many messages for one destination. A kept connection is used as it is, without
/// a NOOP first: when the remote closed it meanwhile, the next MAIL FROM fails before the remote
/// accepted anything, and the message then goes over a new connection at once.
/// </summary>
public sealed class SmtpTransfer(DeliveryOptions options)
{
    /// <summary>How long an idle connection is kept for reuse (Postfix: smtp_connection_cache_time_limit 2 s).</summary>
    private static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(3);

    /// <summary>Messages per connection before it is closed anyway (Postfix: smtp_connection_reuse_count_limit).</summary>
    private const int MaxMessagesPerConnection = 100;

    private readonly ConcurrentDictionary<string, ConcurrentQueue<(TrackingClient Client, DateTime Since)>> idle = new(StringComparer.Ordinal);

    /// <summary>Certificate checks towards the relay host; tests replace it to trust their own CA.</summary>
    internal System.Net.Security.RemoteCertificateValidationCallback? RelayCertificateCheck { get; init; }

    public async Task<(IReadOnlyList<RecipientResult> Results, TransferLog? Log)> SendAsync(
        IReadOnlyList<MxHost> hosts, int port, bool relay, string from, IReadOnlyList<string> recipients, string messagePath, CancellationToken ct)
    {
        string lastError = "no host to connect to";
        TransferLog? log = null;
        foreach (var host in hosts)
        {
            foreach (var address in host.Addresses)
            {
                string key = $"{(relay ? "relay" : "mx")} {host.Name} {address} {port}";
                log = new TransferLog(host.Name, address, null, null);
                var client = TakeIdle(key);
                bool reused = client is not null;
            Connect:
                if (client is null)
                {
                    client = new TrackingClient
                    {
                        LocalDomain = options.Hostname,
                        Timeout = (int)options.CommandTimeout.TotalMilliseconds,
                        SslProtocols = TlsPolicy.Protocols,
                        CheckCertificateRevocation = false,
                        ServerCertificateValidationCallback = relay ? RelayCertificateCheck : static (_, _, _, _) => true,
                    };
                    try
                    {
                        await ConnectAsync(client, host.Name, address, port, relay, ct);
                    }
                    catch (Exception e) when (IsConnectionFailure(e))
                    {
                        client.Dispose();
                        lastError = $"{host.Name}[{address}]:{port}: {Describe(e)}";
                        if (e is SmtpCommandException { StatusCode: var code } && (int)code >= 500 && relay)
                            return (Fail(recipients, "5.0.0", lastError, host.Name), log);
                        continue;
                    }
                }
                log = log with
                {
                    Tls = client.IsSecure ? TlsName(client.SslProtocol) : null,
                    Cipher = client.IsSecure ? client.SslCipherSuite?.ToString() : null,
                    Reused = reused,
                };
                var (results, reusable) = await TransactAsync(client, host.Name, from, recipients, messagePath, ct);
                if (results is null)
                {
                    // A kept connection that the remote had closed (or answered 421 on): nothing was
                    // accepted on it, so the message goes over a fresh connection now.
                    client.Dispose();
                    client = null;
                    reused = false;
                    goto Connect;
                }
                if (reusable && ++client.Messages < MaxMessagesPerConnection && client.IsConnected)
                {
                    idle.GetOrAdd(key, _ => new()).Enqueue((client, DateTime.UtcNow));
                }
                else
                {
                    await QuitQuietlyAsync(client);
                    client.Dispose();
                }
                return (results, log);
            }
        }
        return (recipients.Select(r => new RecipientResult(r, Outcome.Deferred, "4.4.1", lastError)).ToList(), log);
    }

    private async Task ConnectAsync(TrackingClient client, string hostName, IPAddress address, int port, bool relay, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.ConnectTimeout);
        // Without TCP_NODELAY, the small writes of a transaction (the pipelined MAIL/RCPT/DATA, the
        // end of the data) wait for the remote's delayed ACK: about 40 ms per message on Linux,
        // which capped each kept connection at some 17 messages a second.
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, port), timeout.Token);
            var tls = !relay ? SecureSocketOptions.StartTlsWhenAvailable
                : port == 465 ? SecureSocketOptions.SslOnConnect // RFC 8314 implicit TLS
                : SecureSocketOptions.StartTls;
            await client.ConnectAsync(socket, hostName, port, tls, timeout.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        if (relay && options.Relay?.Username is { } user)
            await client.AuthenticateAsync(user, options.Relay.Password ?? "", ct);
    }

    /// <summary>An idle connection to the same place, young enough to be still open, or null.</summary>
    private TrackingClient? TakeIdle(string key)
    {
        if (!idle.TryGetValue(key, out var queue))
            return null;
        while (queue.TryDequeue(out var entry))
        {
            if (DateTime.UtcNow - entry.Since < IdleLimit && entry.Client.IsConnected)
                return entry.Client;
            // Too old to trust: closed without a QUIT round trip (the loop must not wait on it).
            entry.Client.Dispose();
        }
        return null;
    }

    /// <summary>Closes idle connections older than the reuse limit (all of them with <paramref name="all"/>): the runner calls it each pass and at the end.</summary>
    public async Task CloseIdleAsync(bool all)
    {
        foreach (var queue in idle.Values)
        {
            int n = queue.Count;
            for (int i = 0; i < n && queue.TryDequeue(out var entry); i++)
            {
                if (!all && DateTime.UtcNow - entry.Since < IdleLimit && entry.Client.IsConnected)
                {
                    queue.Enqueue(entry);
                    continue;
                }
                await QuitQuietlyAsync(entry.Client);
                entry.Client.Dispose();
            }
        }
    }

    /// <summary>
    /// One transaction; reusable is true when it ended cleanly and the session can carry another.
    /// Results are null when a kept connection failed before the remote accepted the sender: nothing
    /// was delivered, and the caller tries again on a new connection.
    /// </summary>
    private static async Task<(IReadOnlyList<RecipientResult>? Results, bool Reusable)> TransactAsync(TrackingClient client, string host, string from,
        IReadOnlyList<string> recipients, string messagePath, CancellationToken ct)
    {
        client.Refused.Clear();
        client.SenderAccepted = false;
        bool kept = client.Messages > 0;
        await using var file = new FileStream(messagePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024);
        var message = await MimeMessage.LoadAsync(file, persistent: true, ct);
        var sender = Mailbox(from);
        var mailboxes = recipients.Select(Mailbox).ToList();
        try
        {
            string reply = await client.SendAsync(message, sender, mailboxes, ct);
            var results = recipients.Select(r => client.Refused.TryGetValue(r, out var refusal)
                ? FromReply(r, refusal.StatusCode, refusal.Response, host)
                : new RecipientResult(r, Outcome.Delivered, "2.0.0", "250 " + reply, host)).ToList();
            return (results, true);
        }
        catch (SmtpCommandException e) when (kept && !client.SenderAccepted && (int)e.StatusCode == 421)
        {
            return (null, false);
        }
        catch (Exception e) when (kept && !client.SenderAccepted && e is SmtpProtocolException or IOException or SocketException)
        {
            return (null, false);
        }
        catch (SmtpCommandException e)
        {
            return (recipients.Select(r => client.Refused.TryGetValue(r, out var refusal)
                ? FromReply(r, refusal.StatusCode, refusal.Response, host)
                : FromReply(r, e.StatusCode, e.Message, host)).ToList(), false);
        }
        catch (Exception e) when (e is SmtpProtocolException or IOException or SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            // The reply to the end of DATA may have been lost: the remote may have the message, so
            // this retry is the one case where a recipient can get it twice (RFC 5321 §6.1).
            return (recipients.Select(r => new RecipientResult(r, Outcome.Deferred, "4.4.2", $"{host}: connection lost: {e.Message}", host)).ToList(), false);
        }
    }

    private static RecipientResult FromReply(string recipient, SmtpStatusCode code, string text, string host)
    {
        int n = (int)code;
        var outcome = n is >= 200 and < 300 ? Outcome.Delivered : n is >= 500 and < 600 ? Outcome.Failed : Outcome.Deferred;
        string status = EnhancedStatus(text) ?? (outcome == Outcome.Failed ? "5.0.0" : "4.0.0");
        return new RecipientResult(recipient, outcome, status, $"{n} {text}".Trim(), host);
    }

    /// <summary>The RFC 3463 code at the start of a reply text (RFC 2034), if the server sent one.</summary>
    internal static string? EnhancedStatus(string text)
    {
        var first = text.TrimStart().Split(' ', 2)[0];
        var parts = first.Split('.');
        return parts.Length == 3 && parts[0] is "2" or "4" or "5" && parts.Skip(1).All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit))
            ? first
            : null;
    }

    private static IReadOnlyList<RecipientResult> Fail(IReadOnlyList<string> recipients, string status, string text, string host) =>
        recipients.Select(r => new RecipientResult(r, Outcome.Failed, status, text, host)).ToList();

    private static MailboxAddress Mailbox(string address) => new(string.Empty, address);

    private static async Task QuitQuietlyAsync(SmtpClient client)
    {
        try
        {
            using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await client.DisconnectAsync(quit: true, quit.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or SmtpCommandException or OperationCanceledException)
        {
        }
    }

    private static bool IsConnectionFailure(Exception e) =>
        e is SocketException or IOException or SmtpProtocolException or SmtpCommandException or SslHandshakeException
            or System.Security.Authentication.AuthenticationException or MailKit.Security.AuthenticationException or NotSupportedException or OperationCanceledException;

    private static string Describe(Exception e) => e switch
    {
        SmtpCommandException c => $"{(int)c.StatusCode} {c.Message}",
        OperationCanceledException => "timed out",
        _ => e.Message,
    };

    internal static string TlsName(SslProtocols p) => p switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
        _ => p.ToString(),
    };

    /// <summary>MailKit's client, told to note refused recipients instead of giving up on the whole message.</summary>
    private sealed class TrackingClient : SmtpClient
    {
        public Dictionary<string, SmtpResponse> Refused { get; } = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>Messages this connection has carried.</summary>
        public int Messages { get; set; }

        /// <summary>True once the remote accepted MAIL FROM in the current transaction.</summary>
        public bool SenderAccepted { get; set; }

        protected override void OnSenderAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
            SenderAccepted = true;

        protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
            Refused[mailbox.Address] = response;
    }
}
