using System.Buffers.Binary;
using System.Security.Cryptography;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Answering;

/// <summary>
/// DNS cookies, server side (RFC 7873): a query carrying a client cookie gets it back with a
/// server cookie, which the client sends next time to show that it really is at its address.
/// The server cookie follows the layout of RFC 9018 §4 (version 1, three reserved octets, a
/// 32-bit timestamp, an 8-octet hash) but the hash is HMAC-SHA256 of (client cookie, version,
/// reserved, timestamp, client address) under a secret made at start, truncated; so it is
/// valid with this process only, which is all one server needs. We hand cookies out and never
/// refuse a query for lacking one (no BADCOOKIE): that is left for when rate limiting wants it.
/// </summary>
public static class ServerCookie
{
    /// <summary>The option as we append it: code, length, client cookie (8), server cookie (16).</summary>
    public const int OptionSize = 4 + 8 + 16;

    private static readonly byte[] Secret = RandomNumberGenerator.GetBytes(32);

    /// <summary>
    /// Appends the COOKIE option to the response's OPT record, which the responder always writes
    /// last and empty; returns the new length.
    /// </summary>
    public static int Append(ReadOnlySpan<byte> query, in DnsQuery q, Span<byte> response, int length, ReadOnlySpan<byte> clientAddress, uint now)
    {
        // The OPT record ends the message: RDLENGTH is its last two octets, and it is 0.
        if (length < DnsHeader.Size + 11 || BinaryPrimitives.ReadUInt16BigEndian(response[(length - 2)..]) != 0)
            return length;
        var option = response.Slice(length, OptionSize);
        BinaryPrimitives.WriteUInt16BigEndian(option, DnsQuery.CookieOption);
        BinaryPrimitives.WriteUInt16BigEndian(option[2..], 24);
        query.Slice(q.ClientCookieAt, 8).CopyTo(option[4..]);
        var server = option[12..];
        server[0] = 1;
        server[1] = server[2] = server[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(server[4..], now);
        Span<byte> input = stackalloc byte[8 + 8 + 16];
        option.Slice(4, 16).CopyTo(input);
        clientAddress.CopyTo(input[16..]);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(Secret, input[..(16 + clientAddress.Length)], mac);
        mac[..8].CopyTo(server[8..]);
        BinaryPrimitives.WriteUInt16BigEndian(response[(length - 2)..], OptionSize);
        return length + OptionSize;
    }
}
