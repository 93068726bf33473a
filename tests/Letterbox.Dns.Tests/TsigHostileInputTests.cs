using System.Buffers.Binary;
using Letterbox.Dns.Answering;
using Letterbox.Dns.Tsig;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Tests;

/// <summary>
/// TSIG records that lie: cut short, not last, counted twice, a MAC size larger than the RDATA,
/// an algorithm nobody knows. Each must be a clean FORMERR or BADKEY, never an exception and
/// never a served transfer.
/// </summary>
public class TsigHostileInputTests
{
    private static readonly byte[] Request = TsigTests.SignedRequest;

    private static TsigKey? Lookup(DnsName name) => name.Equals(TsigTests.Key.Name) ? TsigTests.Key : null;

    /// <summary>Where the TSIG RR and its MAC size field sit in the dnspython request.</summary>
    private static (int Start, int MacSizeAt) Layout()
    {
        Assert.Equal(TsigPresence.Present, TsigRecord.Find(Request, out _, out int start));
        int macSizeAt = start + 9 + 10 + 13 + 8; // owner "xfr-key." (9), type..rdlength (10), algorithm name (13), time+fudge (8)
        Assert.Equal(32, BinaryPrimitives.ReadUInt16BigEndian(Request.AsSpan(macSizeAt)));
        return (start, macSizeAt);
    }

    private static DnsRcode Serve(byte[] query)
    {
        var key = new char[DnsNameReader.MaxKeyLength];
        if (DnsQuery.Parse(query, key, out var q) != DnsQueryStatus.Ok)
            return DnsRcode.FormErr; // the session answers FORMERR before any transfer code runs
        var policy = new TransferPolicy { AddressAllowed = true, RequiredKey = TsigTests.Key.Name, Keys = Lookup, Time = new FixedTime(TsigTests.RequestTime) };
        var messages = ZoneTransfer.Respond(TestZone.Zones(), query, q, policy);
        Assert.True(DnsHeader.TryRead(messages[0], out var h));
        return h.Rcode;
    }

    [Fact]
    public void Every_truncation_of_a_signed_request_is_rejected_without_an_exception()
    {
        for (int length = DnsHeader.Size; length < Request.Length; length++)
        {
            var cut = Request[..length];
            var check = TsigSigner.Verify(cut, Lookup, TsigTests.RequestTime);
            Assert.False(check.Verified, $"cut at {length}");
            // Lengths that still parse as a query must not get the zone.
            Assert.NotEqual(DnsRcode.NoError, Serve(cut));
        }
        Assert.Equal(DnsRcode.NoError, Serve(Request));
    }

    [Fact]
    public void A_tsig_that_is_not_the_last_additional_record_is_formerr()
    {
        // Append an OPT after the TSIG and count it.
        byte[] opt = [0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0];
        var message = Request.Concat(opt).ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(10), 2);
        Assert.Equal(TsigPresence.Malformed, TsigRecord.Find(message, out _, out _));
        Assert.Equal(DnsRcode.FormErr, Serve(message));
    }

    [Fact]
    public void Two_tsigs_or_a_tsig_in_the_answer_section_is_formerr()
    {
        var (start, _) = Layout();
        var twice = Request.Concat(Request[start..]).ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(twice.AsSpan(10), 2);
        Assert.Equal(TsigPresence.Malformed, TsigRecord.Find(twice, out _, out _));

        var inAnswer = Request.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(inAnswer.AsSpan(6), 1);
        BinaryPrimitives.WriteUInt16BigEndian(inAnswer.AsSpan(10), 0);
        Assert.Equal(TsigPresence.Malformed, TsigRecord.Find(inAnswer, out _, out _));
    }

    [Fact]
    public void A_mac_size_that_lies_is_formerr()
    {
        var (_, macSizeAt) = Layout();
        foreach (ushort size in new ushort[] { 33, 200, 0xFFFF, 31 + 100 })
        {
            var lying = Request.ToArray();
            BinaryPrimitives.WriteUInt16BigEndian(lying.AsSpan(macSizeAt), size);
            Assert.Equal(TsigPresence.Malformed, TsigRecord.Find(lying, out _, out _));
            Assert.Equal(DnsRcode.FormErr, Serve(lying));
        }
        // A MAC cut to 8 octets (below max(10, 16)) with the record re-sized to match: malformed, not a weak signature.
        var shortMac = ShortenMac(8);
        Assert.Equal(TsigPresence.Malformed, TsigSigner.Verify(shortMac, Lookup, TsigTests.RequestTime).Presence);
        Assert.Equal(DnsRcode.FormErr, Serve(shortMac));
        // 20 octets of a real MAC: a truncation we do not accept (BADTRUNC), never a pass.
        var truncated = ShortenMac(20);
        Assert.Equal(TsigError.BadTrunc, TsigSigner.Verify(truncated, Lookup, TsigTests.RequestTime).Error);
        Assert.Equal(DnsRcode.NotAuth, Serve(truncated));
    }

    private static byte[] ShortenMac(int keep)
    {
        var (start, macSizeAt) = Layout();
        int cut = 32 - keep;
        var list = Request.ToList();
        list.RemoveRange(macSizeAt + 2 + keep, cut);
        var message = list.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(macSizeAt), (ushort)keep);
        int rdlengthAt = start + 9 + 8;
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(rdlengthAt), (ushort)(BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(rdlengthAt)) - cut));
        return message;
    }

    [Fact]
    public void An_unknown_algorithm_is_badkey()
    {
        // "hmac-sha256" -> "hmac-sha999": same length, a name nobody implements.
        var (start, _) = Layout();
        var message = Request.ToArray();
        int algorithmAt = start + 9 + 10;
        message[algorithmAt + 1 + 8] = (byte)'9';
        message[algorithmAt + 1 + 9] = (byte)'9';
        message[algorithmAt + 1 + 10] = (byte)'9';
        var check = TsigSigner.Verify(message, Lookup, TsigTests.RequestTime);
        Assert.Equal(TsigError.BadKey, check.Error);
        Assert.Equal(DnsRcode.NotAuth, Serve(message));
    }

    [Fact]
    public void A_compressed_algorithm_name_or_a_wrong_class_is_formerr()
    {
        var (start, _) = Layout();
        var pointer = Request.ToArray();
        pointer[start + 9 + 10] = 0xC0; // a pointer where the uncompressed algorithm name must be
        pointer[start + 9 + 10 + 1] = 12;
        Assert.Equal(TsigPresence.Malformed, TsigRecord.Find(pointer, out _, out _));

        var wrongClass = Request.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(wrongClass.AsSpan(start + 9 + 2), (ushort)DnsClass.IN);
        Assert.Equal(TsigPresence.Malformed, TsigRecord.Find(wrongClass, out _, out _));
    }

    [Fact]
    public void Random_mutations_of_a_signed_request_never_throw_and_never_verify()
    {
        var random = new Random(8945);
        for (int i = 0; i < 20_000; i++)
        {
            var message = Request.ToArray();
            int flips = random.Next(1, 4);
            for (int f = 0; f < flips; f++)
                message[random.Next(message.Length)] = (byte)random.Next(256);
            if (message.AsSpan().SequenceEqual(Request))
                continue;
            var check = TsigSigner.Verify(message, Lookup, TsigTests.RequestTime);
            // The only mutations that may still verify: the header ID (the MAC covers the original ID instead),
            // and the letter case of the key or algorithm name (both enter the MAC lower-cased, §4.3.3).
            if (check.Verified)
            {
                static byte[] Lower(byte[] m) => m.Select(b => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + 32) : b).ToArray();
                Assert.True(Lower(message).AsSpan(2).SequenceEqual(Lower(Request).AsSpan(2)), $"mutation {i} verified: {Convert.ToHexString(message)}");
            }
        }
    }
}
