using System.Buffers.Binary;
using System.Net.Sockets;
using Letterbox.Dns.Answering;
using Letterbox.Protocol.Dns;

namespace Letterbox.Daemons.Dns;

/// <summary>
/// One DNS-over-TCP connection (RFC 1035 §4.2.2, RFC 7766): messages with a two-octet length
/// prefix, several per connection (pipelined queries are answered in order), closed when idle.
/// A client that stops halfway through a message (a prefix that promises more than it sends, or
/// a slow drip) is cut off when the per-message deadline passes; a zero length ends the session.
/// </summary>
public sealed class DnsTcpSession(Socket socket, Func<Responder> responder, bool mayTransfer, byte[] clientAddress, Func<TransferPolicy>? transferPolicy = null)
{
    /// <summary>RFC 7766 §6.2.3: servers should close idle connections; seconds, not minutes.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Time allowed to receive one whole message once its first octet arrived.</summary>
    public static readonly TimeSpan MessageTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Queries per connection before we close it (a resolver reconnects; a flood does not get a free ride).</summary>
    private const int MaxQueries = 10_000;

    public int Answered { get; private set; }

    private char[]? _key;

    public async Task RunAsync(CancellationToken stopping)
    {
        var prefix = new byte[2];
        var query = new byte[65535];
        var response = new byte[2 + 65535];
        while (Answered < MaxQueries)
        {
            if (!await ReadExactlyAsync(prefix, IdleTimeout, firstOctetStarts: true, stopping))
                return;
            int length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
            if (length == 0)
                return;
            if (!await ReadExactlyAsync(query.AsMemory(0, length), MessageTimeout, firstOctetStarts: false, stopping))
                return;
            if (await TryTransferAsync(query.AsMemory(0, length), stopping))
            {
                Answered++;
                continue;
            }
            int n = responder().Respond(query.AsSpan(0, length), response.AsSpan(2), tcp: true, clientAddress);
            if (n == 0)
                continue;
            BinaryPrimitives.WriteUInt16BigEndian(response, (ushort)n);
            using var sendTimeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            sendTimeout.CancelAfter(MessageTimeout);
            await socket.SendAsync(response.AsMemory(0, 2 + n), SocketFlags.None, sendTimeout.Token);
            Answered++;
        }
    }

    /// <summary>A zone transfer request (RFC 5936 §4.1: TCP only) gets its messages here; anything else false.</summary>
    private async Task<bool> TryTransferAsync(ReadOnlyMemory<byte> query, CancellationToken stopping)
    {
        _key ??= new char[DnsNameReader.MaxKeyLength];
        if (query.Length < 12 || DnsQuery.Parse(query.Span, _key, out var q) != DnsQueryStatus.Ok
            || !ZoneTransfer.IsTransfer(q.QType) || q.Edns is { Version: > 0 })
            return false;
        var policy = transferPolicy?.Invoke() ?? new TransferPolicy { AddressAllowed = mayTransfer };
        foreach (var message in ZoneTransfer.Respond(responder().Zones, query.Span, q, policy))
        {
            using var sendTimeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            sendTimeout.CancelAfter(MessageTimeout);
            await socket.SendAsync((byte[])[(byte)(message.Length >> 8), (byte)message.Length, .. message], SocketFlags.None, sendTimeout.Token);
        }
        return true;
    }

    /// <summary>
    /// Reads exactly the buffer's length, within <paramref name="timeout"/> in total; false at end
    /// of stream or timeout. The idle wait for the next query ends the session quietly the same way.
    /// </summary>
    private async Task<bool> ReadExactlyAsync(Memory<byte> buffer, TimeSpan timeout, bool firstOctetStarts, CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(timeout);
        int filled = 0;
        try
        {
            while (filled < buffer.Length)
            {
                int n = await socket.ReceiveAsync(buffer[filled..], SocketFlags.None, deadline.Token);
                if (n == 0)
                    return false;
                if (filled == 0 && firstOctetStarts)
                    deadline.CancelAfter(MessageTimeout); // the message began: the rest must come promptly
                filled += n;
            }
            return true;
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return false;
        }
    }
}
