using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Letterbox.Dns.Answering;

/// <summary>
/// Response rate limiting for UDP: a token bucket per client network (IPv4 /24, IPv6 /56), so
/// the server cannot be used to reflect and amplify traffic at a forged source address. Over the
/// limit, answers are dropped, except every second one, which is "slipped": sent empty with TC
/// set, so a real client behind that network retries over TCP, which cannot be forged (the idea
/// of BIND's and NSD's RRL, counted per network only rather than per network and answer).
/// 127.0.0.1 and ::1 are exempt: the kernel drops packets from outside that claim them, and the
/// supervisor's health probe comes from there (a local flood must not get the daemon killed).
/// </summary>
public sealed class ResponseRateLimiter(int responsesPerSecond, TimeProvider? time = null)
{
    /// <summary>Above this many networks tracked, the table starts over (bounded memory under a spoofed flood).</summary>
    private const int MaxNetworks = 100_000;

    public enum Decision { Send, Slip, Drop }

    private sealed class Bucket
    {
        public double Tokens;
        public long Stamp;
        public int Limited;
    }

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<UInt128, Bucket> _buckets = new();

    public bool Enabled => responsesPerSecond > 0;

    public Decision Check(IPAddress client)
    {
        if (IPAddress.IsLoopback(client) && (client.Equals(IPAddress.Loopback) || client.Equals(IPAddress.IPv6Loopback)))
            return Decision.Send;
        Span<byte> bytes = stackalloc byte[16];
        client.TryWriteBytes(bytes, out int n);
        return Check(n == 4 ? Ipv4Key(bytes) : Ipv6Key(bytes));
    }

    /// <summary>The same, from a raw socket address (sockaddr_in / sockaddr_in6), without allocating.</summary>
    public Decision Check(SocketAddress address)
    {
        var raw = address.Buffer.Span;
        if (address.Family == AddressFamily.InterNetwork)
            return raw[4] == 127 && raw[5] == 0 && raw[6] == 0 && raw[7] == 1 ? Decision.Send : Check(Ipv4Key(raw.Slice(4, 4)));
        var v6 = raw.Slice(8, 16);
        if (v6[..15].IndexOfAnyExcept((byte)0) < 0 && v6[15] == 1)
            return Decision.Send;
        // IPv4-mapped (::ffff:a.b.c.d): count it as the IPv4 network it is.
        if (v6[..10].IndexOfAnyExcept((byte)0) < 0 && v6[10] == 0xFF && v6[11] == 0xFF)
            return Check(Ipv4Key(v6[12..]));
        return Check(Ipv6Key(v6));
    }

    private static UInt128 Ipv4Key(ReadOnlySpan<byte> a) => new(0, ((ulong)a[0] << 16) | ((ulong)a[1] << 8) | a[2]);

    private static UInt128 Ipv6Key(ReadOnlySpan<byte> a) => new(BinaryPrimitives.ReadUInt64BigEndian(a) & 0xFFFF_FFFF_FFFF_FF00UL, 1);

    private Decision Check(UInt128 key)
    {
        if (!Enabled)
            return Decision.Send;
        if (_buckets.Count > MaxNetworks)
            _buckets.Clear();
        long now = _time.GetTimestamp();
        var bucket = _buckets.GetOrAdd(key, static (_, state) => new Bucket { Tokens = state.Rate, Stamp = state.Now }, (Rate: (double)responsesPerSecond, Now: now));
        lock (bucket)
        {
            double elapsed = (double)(now - bucket.Stamp) / _time.TimestampFrequency;
            bucket.Stamp = now;
            // At most one second's worth of burst.
            bucket.Tokens = Math.Min(responsesPerSecond, bucket.Tokens + elapsed * responsesPerSecond);
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                return Decision.Send;
            }
            return ++bucket.Limited % 2 == 0 ? Decision.Slip : Decision.Drop;
        }
    }
}
