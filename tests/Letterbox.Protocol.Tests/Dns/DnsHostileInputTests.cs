using Letterbox.Protocol.Dns;

namespace Letterbox.Protocol.Tests.Dns;

/// <summary>
/// Packets an attacker (or a broken client) sends. The reader must say drop or FORMERR, never
/// throw, never loop, never read past the buffer.
/// </summary>
public class DnsHostileInputTests
{
    private static byte[] Header(ushort qd = 1, ushort an = 0, ushort ns = 0, ushort ar = 0, ushort flags = 0) =>
    [
        0xAB, 0xCD, (byte)(flags >> 8), (byte)flags,
        (byte)(qd >> 8), (byte)qd, (byte)(an >> 8), (byte)an, (byte)(ns >> 8), (byte)ns, (byte)(ar >> 8), (byte)ar,
    ];

    private static readonly byte[] Question = [4, (byte)'t', (byte)'e', (byte)'s', (byte)'t', 0, 0, 1, 0, 1];

    private static DnsQueryStatus Parse(byte[] packet)
    {
        var key = new char[DnsNameReader.MaxKeyLength];
        return DnsQuery.Parse(packet, key, out _);
    }

    [Fact]
    public void A_well_formed_query_is_ok() => Assert.Equal(DnsQueryStatus.Ok, Parse([.. Header(), .. Question]));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(11)]
    public void Truncated_headers_are_dropped(int length) =>
        Assert.Equal(DnsQueryStatus.Drop, Parse(Header()[..length]));

    [Fact]
    public void Every_cut_of_a_query_is_drop_or_formerr_and_never_throws()
    {
        byte[] full = [.. Header(ar: 1), .. Question, 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0];
        for (int n = 0; n < full.Length; n++)
        {
            var status = Parse(full[..n]);
            Assert.Equal(n < 12 ? DnsQueryStatus.Drop : DnsQueryStatus.FormErr, status);
        }
        Assert.Equal(DnsQueryStatus.Ok, Parse(full));
    }

    [Fact]
    public void Responses_are_never_answered() =>
        Assert.Equal(DnsQueryStatus.Drop, Parse([.. Header(flags: 0x8000), .. Question]));

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(65535)]
    public void Question_counts_other_than_one_are_formerr(int qd) =>
        Assert.Equal(DnsQueryStatus.FormErr, Parse([.. Header(qd: (ushort)qd), .. Question, .. Question]));

    [Fact]
    public void Other_opcodes_are_notimp() =>
        Assert.Equal(DnsQueryStatus.NotImp, Parse([.. Header(flags: 5 << 11), .. Question]));

    [Fact]
    public void A_pointer_to_itself_is_refused()
    {
        // Question name is a pointer to offset 12: itself.
        Assert.Equal(DnsQueryStatus.FormErr, Parse([.. Header(), 0xC0, 12, 0, 1, 0, 1]));
        int at = 12;
        Assert.Equal(DnsNameError.BadPointer, DnsNameReader.Skip((byte[])[.. Header(), 0xC0, 12], ref at));
    }

    [Fact]
    public void A_two_pointer_loop_is_refused()
    {
        // offset 12: label "a" then pointer to 17; offset 17: pointer back to 12.
        byte[] packet = [.. Header(), 1, (byte)'a', 0xC0, 17, 0, 0xC0, 12, 0, 1, 0, 1];
        int at = 12;
        Assert.Equal(DnsNameError.BadPointer, DnsNameReader.Skip(packet, ref at));
        Assert.Equal(DnsQueryStatus.FormErr, Parse(packet));
    }

    [Fact]
    public void Forward_pointers_are_refused()
    {
        // The question name points ahead to a name that follows it.
        byte[] packet = [.. Header(), 0xC0, 18, 0, 1, 0, 1, 4, (byte)'t', (byte)'e', (byte)'s', (byte)'t', 0];
        Assert.Equal(DnsQueryStatus.FormErr, Parse(packet));
    }

    [Fact]
    public void A_long_chain_of_backward_pointers_ends()
    {
        // Many pointers, each to the one before: legal but long; bounded by the packet itself.
        var packet = new List<byte>(Header(an: 1)) { 0 };
        for (int i = 0; i < 2000; i++)
        {
            int target = packet.Count - (i == 0 ? 1 : 2);
            packet.Add((byte)(0xC0 | (target >> 8)));
            packet.Add((byte)target);
        }
        int at = packet.Count - 2;
        Assert.Equal(DnsNameError.None, DnsNameReader.Skip(packet.ToArray(), ref at));
    }

    [Fact]
    public void Labels_of_64_octets_are_a_reserved_label_type()
    {
        byte[] packet = [.. Header(), 64, .. new byte[64], 0, 0, 1, 0, 1];
        int at = 12;
        Assert.Equal(DnsNameError.ReservedLabelType, DnsNameReader.Skip(packet, ref at));
        Assert.Equal(DnsQueryStatus.FormErr, Parse(packet));
        // 0x80 is the other reserved type.
        Assert.Equal(DnsQueryStatus.FormErr, Parse([.. Header(), 0x80, 0, 0, 1, 0, 1]));
    }

    [Fact]
    public void Names_over_255_octets_are_refused()
    {
        var name = new List<byte>();
        for (int i = 0; i < 5; i++)
        {
            name.Add(63);
            name.AddRange(Enumerable.Repeat((byte)'a', 63));
        }
        name.Add(0);
        byte[] packet = [.. Header(), .. name, 0, 1, 0, 1];
        int at = 12;
        Assert.Equal(DnsNameError.NameTooLong, DnsNameReader.Skip(packet, ref at));
        Assert.Equal(DnsQueryStatus.FormErr, Parse(packet));
        Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(packet));
    }

    [Fact]
    public void Names_over_255_octets_through_pointers_are_refused_too()
    {
        // A 200-octet name, then a name of two 63-octet labels pointing at it: 327 octets expanded.
        var packet = new List<byte>(Header(qd: 1));
        int first = packet.Count;
        for (int i = 0; i < 3; i++)
        {
            packet.Add(63);
            packet.AddRange(Enumerable.Repeat((byte)'b', 63));
        }
        packet.Add(0);
        packet.AddRange([0, 1, 0, 1]);
        int second = packet.Count;
        for (int i = 0; i < 2; i++)
        {
            packet.Add(63);
            packet.AddRange(Enumerable.Repeat((byte)'c', 63));
        }
        packet.AddRange([(byte)(0xC0 | (first >> 8)), (byte)first]);
        int at = second;
        Assert.Equal(DnsNameError.NameTooLong, DnsNameReader.Skip(packet.ToArray(), ref at));
    }

    [Fact]
    public void Record_lengths_that_lie_are_formerr()
    {
        // An answer record whose RDLENGTH claims 200 octets in an 11-octet tail.
        byte[] packet = [.. Header(an: 1), .. Question, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 200, 1];
        Assert.Equal(DnsQueryStatus.FormErr, Parse(packet));
        Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(packet));
        // ARCOUNT says 3 but there is nothing.
        Assert.Equal(DnsQueryStatus.FormErr, Parse([.. Header(ar: 3), .. Question]));
    }

    [Fact]
    public void Two_opt_records_are_formerr()
    {
        byte[] opt = [0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal(DnsQueryStatus.FormErr, Parse([.. Header(ar: 2), .. Question, .. opt, .. opt]));
        // An OPT not owned by the root is malformed as well.
        Assert.Equal(DnsQueryStatus.FormErr, Parse([.. Header(ar: 1), .. Question, 1, (byte)'x', 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]));
    }

    [Fact]
    public void Rdata_that_lies_about_its_content_is_refused()
    {
        foreach (var (type, rdata) in new (DnsType, byte[])[]
        {
            (DnsType.A, [1, 2, 3]),
            (DnsType.MX, [0]),
            (DnsType.SOA, [0, 0, 1]),
            (DnsType.TXT, [10, 1, 2]),
            (DnsType.CAA, [0, 9, 1]),
            (DnsType.CNAME, [3, (byte)'a', (byte)'b']),
            (DnsType.SRV, [0, 0, 0, 0, 0, 0]),
        })
        {
            Assert.Throws<DnsFormatException>(() => RData.Read(type, rdata, 0, rdata.Length));
        }
    }

    [Fact]
    public void Random_bytes_never_throw_from_the_query_reader()
    {
        var random = new Random(6);
        var key = new char[DnsNameReader.MaxKeyLength];
        for (int i = 0; i < 20000; i++)
        {
            var packet = new byte[random.Next(0, 80)];
            random.NextBytes(packet);
            if (packet.Length > 5)
            {
                packet[2] &= 0x07; // mostly queries with opcode 0
                packet[4] = 0;
                packet[5] = 1;
            }
            DnsQuery.Parse(packet, key, out _);
            try
            {
                DnsMessage.Parse(packet);
            }
            catch (DnsFormatException)
            {
            }
        }
    }
}
