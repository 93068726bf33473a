using System.Net.Sockets;
using Letterbox.Protocol.Dns;

namespace Letterbox.Tests.Dns;

/// <summary>
/// What an attacker or a broken client sends to port 53. Each gets the right RCODE or no
/// answer, and after each the server still answers a normal query.
/// </summary>
[Collection("dns")]
public sealed class DnsHostileInputTests(DnsAppliance fixture)
{
    private readonly DnsPeer _dns = fixture.Dns;

    private static byte[] Header(ushort id, ushort qd = 1, ushort an = 0, ushort ar = 0, ushort flags = 0) =>
        [(byte)(id >> 8), (byte)id, (byte)(flags >> 8), (byte)flags, (byte)(qd >> 8), (byte)qd, (byte)(an >> 8), (byte)an, 0, 0, (byte)(ar >> 8), (byte)ar];

    private static readonly byte[] ExampleTestSoa = [7, .. "example"u8, 4, .. "test"u8, 0, 0, 6, 0, 1];

    private void StillServes() => Assert.Equal(DnsRcode.NoError, _dns.Query("example.test.", DnsType.SOA).Rcode);

    private DnsMessage UdpExpect(byte[] packet)
    {
        var reply = _dns.Udp(packet);
        Assert.NotNull(reply);
        return DnsMessage.Parse(reply);
    }

    [Fact]
    public void Truncated_headers_and_responses_get_no_answer()
    {
        Assert.Null(_dns.Udp(Header(1)[..7], TimeSpan.FromSeconds(1)));
        Assert.Null(_dns.Udp([.. Header(2, flags: 0x8000), .. ExampleTestSoa], TimeSpan.FromSeconds(1)));
        StillServes();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Question_counts_other_than_one_are_formerr(int qd)
    {
        var m = UdpExpect([.. Header(0x0101, qd: (ushort)qd), .. ExampleTestSoa, .. ExampleTestSoa]);
        Assert.Equal(DnsRcode.FormErr, m.Rcode);
        Assert.Equal(0x0101, m.Header.Id);
        StillServes();
    }

    [Fact]
    public void Compression_loops_and_forward_pointers_are_formerr()
    {
        Assert.Equal(DnsRcode.FormErr, UdpExpect([.. Header(3), 0xC0, 12, 0, 6, 0, 1]).Rcode);
        Assert.Equal(DnsRcode.FormErr, UdpExpect([.. Header(4), 1, (byte)'a', 0xC0, 17, 0, 0xC0, 12, 0, 6, 0, 1]).Rcode);
        Assert.Equal(DnsRcode.FormErr, UdpExpect([.. Header(5), 0xC0, 18, 0, 6, 0, 1, 4, .. "test"u8, 0]).Rcode);
        StillServes();
    }

    [Fact]
    public void Long_labels_and_long_names_are_formerr()
    {
        Assert.Equal(DnsRcode.FormErr, UdpExpect([.. Header(6), 64, .. new byte[64], 0, 0, 1, 0, 1]).Rcode);
        var longName = Enumerable.Range(0, 5).SelectMany(_ => (byte[])[63, .. Enumerable.Repeat((byte)'a', 63)]).ToArray();
        Assert.Equal(DnsRcode.FormErr, UdpExpect([.. Header(7), .. longName, 0, 0, 1, 0, 1]).Rcode);
        StillServes();
    }

    [Fact]
    public void Lying_record_lengths_and_double_opt_are_formerr()
    {
        Assert.Equal(DnsRcode.FormErr, UdpExpect([.. Header(8, an: 1), .. ExampleTestSoa, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 200, 1]).Rcode);
        byte[] opt = [0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal(DnsRcode.FormErr, UdpExpect([.. Header(9, ar: 2), .. ExampleTestSoa, .. opt, .. opt]).Rcode);
        StillServes();
    }

    [Fact]
    public void Unknown_classes_types_opcodes_and_edns_versions_get_their_rcodes()
    {
        Assert.Contains("status: REFUSED", _dns.Dig("-c", "CH", "version.bind", "TXT"));
        var unknown = _dns.Dig("mail.example.test", "TYPE65000");
        Assert.Contains("status: NOERROR", unknown);
        Assert.Contains("ANSWER: 0, AUTHORITY: 1", unknown);
        Assert.Contains("status: BADVERS", _dns.Dig("+edns=1", "+noednsnegotiation", "example.test", "SOA"));
        Assert.Equal(DnsRcode.NotImp, UdpExpect([.. Header(10, flags: 5 << 11), .. ExampleTestSoa]).Rcode); // UPDATE
        StillServes();
    }

    [Fact]
    public void An_oversized_datagram_is_answered_or_dropped_but_never_kills_the_server()
    {
        // A valid query followed by 60 KB of junk the header does not account for.
        var big = new byte[60_000];
        Random.Shared.NextBytes(big);
        var reply = _dns.Udp([.. Header(11), .. ExampleTestSoa, .. big], TimeSpan.FromSeconds(2));
        if (reply is not null)
            Assert.Equal(11, DnsMessage.Parse(reply).Header.Id);
        StillServes();
    }

    [Fact]
    public void Random_datagrams_never_kill_the_server()
    {
        var random = new Random(53);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(_dns.EndPoint);
        for (int i = 0; i < 2000; i++)
        {
            var packet = new byte[random.Next(0, 300)];
            random.NextBytes(packet);
            if (packet.Length > 5)
            {
                packet[2] &= 0x07;
                packet[4] = 0;
                packet[5] = 1;
            }
            socket.Send(packet);
        }
        StillServes();
    }

    [Fact]
    public void Tcp_pipelined_queries_get_answers_in_order()
    {
        using var socket = _dns.Connect();
        var ids = new ushort[] { 101, 102, 103 };
        var names = new[] { "example.test.", "mail.example.test.", "nope.example.test." };
        socket.Send(ids.Zip(names).SelectMany(p => DnsPeer.Frame(DnsMessage.Query(p.First, DnsName.Parse(p.Second), DnsType.A))).ToArray());
        foreach (var id in ids)
        {
            var frame = DnsPeer.ReadFrame(socket);
            Assert.NotNull(frame);
            Assert.Equal(id, DnsMessage.Parse(frame).Header.Id);
        }
    }

    [Fact]
    public void A_tcp_length_prefix_that_lies_gets_the_connection_closed()
    {
        using var liar = _dns.Connect();
        liar.Send([0x02, 0x00, 0x12, 0x34, 0x01]); // promises 512 octets, sends 3, then waits
        // Meanwhile everyone else is served.
        StillServes();
        Assert.Equal(DnsRcode.NoError, _dns.Query("example.test.", DnsType.MX, tcp: true).Rcode);
        // The liar is cut off after the per-message deadline (bounded here by the 30 s receive timeout).
        Assert.Null(DnsPeer.ReadFrame(liar));
    }

    [Fact]
    public void A_slow_tcp_client_within_the_deadline_is_answered()
    {
        using var socket = _dns.Connect();
        var frame = DnsPeer.Frame(DnsMessage.Query(77, DnsName.Parse("example.test."), DnsType.MX));
        foreach (var b in frame)
        {
            socket.Send([b]);
            Thread.Sleep(20);
        }
        var reply = DnsPeer.ReadFrame(socket);
        Assert.NotNull(reply);
        Assert.Equal(77, DnsMessage.Parse(reply).Header.Id);
    }

    [Fact]
    public void Tcp_connections_beyond_the_per_client_limit_are_closed()
    {
        var sockets = new List<Socket>();
        try
        {
            for (int i = 0; i < 24; i++)
                sockets.Add(_dns.Connect());
            // The server holds the first 16 open and closes the rest at once; a query on each tells which.
            int answered = 0, closed = 0;
            foreach (var s in sockets)
            {
                try
                {
                    s.Send(DnsPeer.Frame(DnsMessage.Query(1, DnsName.Parse("example.test."), DnsType.SOA)));
                    if (DnsPeer.ReadFrame(s) is null)
                        closed++;
                    else
                        answered++;
                }
                catch (SocketException)
                {
                    closed++;
                }
            }
            // At most 16 (a session of an earlier test may still be winding down and hold a slot).
            Assert.InRange(answered, 1, 16);
            Assert.InRange(closed, 8, 23);
        }
        finally
        {
            foreach (var s in sockets)
                s.Dispose();
        }
        StillServes();
    }
}
