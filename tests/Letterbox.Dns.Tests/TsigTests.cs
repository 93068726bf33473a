using System.Buffers.Binary;
using Letterbox.Dns.Answering;
using Letterbox.Dns.Tsig;
using Letterbox.Dns.Zones;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Tests;

/// <summary>
/// TSIG (RFC 8945) against vectors made by an independent implementation: dnspython 2.3
/// (python3-dnspython), key "xfr-key." = octets 0..31, hmac-sha256, time.time() pinned:
/// <code>
/// q = dns.message.make_query('example.test.', 'AXFR'); q.id = 0x1234; q.flags = 0
/// q.use_tsig(dns.tsig.Key('xfr-key.', secret, 'hmac-sha256'), fudge=300); q.to_wire()  # at 1764000000
/// r = dns.message.make_response(q); r.answer.append(SOA ... 7 ...); r.to_wire()        # at 1764000005
/// </code>
/// </summary>
public class TsigTests
{
    public const ulong RequestTime = 1764000000;

    public static readonly TsigKey Key = new(DnsName.Parse("xfr-key."), TsigAlgorithm.HmacSha256, Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

    public static readonly byte[] SignedRequest = Convert.FromHexString(
        "123400000001000000000001076578616d706c6504746573740000fc0001077866722d6b65790000fa00ff00000000003d0b686d61632d73686132353600"
        + "000069248100012c002033f00433edae7741ae2e5d111c8b36698a7ed0018936bcf94b26ce7ab2406ac7123400000000");

    private static readonly byte[] RequestMac = Convert.FromHexString("33f00433edae7741ae2e5d111c8b36698a7ed0018936bcf94b26ce7ab2406ac7");

    private static readonly byte[] SignedResponse = Convert.FromHexString(
        "123480000001000100000001076578616d706c6504746573740000fc0001c00c0006000100000e100028046d61696cc00c0a686f73746d6173746572c00c"
        + "0000000700000e1000000384001275000000012c077866722d6b65790000fa00ff00000000003d0b686d61632d73686132353600000069248105012c0020"
        + "5c10b4b6cefcec44ce57945b93b5c821dc8b82641d6f4ad159f4ea214dafc6c2123400000000");

    private static TsigKey? Lookup(DnsName name) => name.Equals(Key.Name) ? Key : null;

    [Fact]
    public void A_request_signed_by_dnspython_verifies_within_the_fudge_and_not_outside_it()
    {
        Assert.True(TsigSigner.Verify(SignedRequest, Lookup, RequestTime).Verified);
        Assert.True(TsigSigner.Verify(SignedRequest, Lookup, RequestTime + 300).Verified);
        Assert.True(TsigSigner.Verify(SignedRequest, Lookup, RequestTime - 300).Verified);
        Assert.Equal(TsigError.BadTime, TsigSigner.Verify(SignedRequest, Lookup, RequestTime + 301).Error);
        Assert.Equal(TsigError.BadTime, TsigSigner.Verify(SignedRequest, Lookup, RequestTime - 301).Error);
    }

    [Fact]
    public void A_wrong_secret_is_badsig_and_an_unknown_key_or_algorithm_is_badkey()
    {
        var other = new TsigKey(Key.Name, TsigAlgorithm.HmacSha256, new byte[32]);
        Assert.Equal(TsigError.BadSig, TsigSigner.Verify(SignedRequest, _ => other, RequestTime).Error);
        Assert.Equal(TsigError.BadKey, TsigSigner.Verify(SignedRequest, _ => null, RequestTime).Error);
        var sha512 = new TsigKey(Key.Name, TsigAlgorithm.HmacSha512, Key.Secret);
        Assert.Equal(TsigError.BadKey, TsigSigner.Verify(SignedRequest, _ => sha512, RequestTime).Error);
        // Any flipped bit in the signed part breaks the MAC.
        foreach (int at in new[] { 2, 5, 14, 30 })
        {
            var tampered = SignedRequest.ToArray();
            tampered[at] ^= 0x01;
            var check = TsigSigner.Verify(tampered, Lookup, RequestTime);
            Assert.False(check.Verified, $"bit flipped at {at}");
        }
    }

    [Fact]
    public void Our_signed_response_is_byte_for_byte_what_dnspython_signs()
    {
        Assert.Equal(TsigPresence.Present, TsigRecord.Find(SignedResponse, out _, out int start));
        var unsigned = SignedResponse[..start].ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(unsigned.AsSpan(10), 0); // ARCOUNT without the TSIG
        var (ours, mac) = TsigSigner.Sign(unsigned, Key, RequestMac, RequestTime + 5);
        Assert.Equal(Convert.ToHexString(SignedResponse), Convert.ToHexString(ours));
        Assert.True(TsigSigner.Verify(ours, Lookup, RequestTime + 5, RequestMac).Verified);
        Assert.Equal(32, mac.Length);
    }

    private static List<byte[]> Transfer(byte[] query, TransferPolicy policy, ZoneSet? zones = null)
    {
        var key = new char[DnsNameReader.MaxKeyLength];
        var status = DnsQuery.Parse(query, key, out var q);
        Assert.Equal(DnsQueryStatus.Ok, status);
        return ZoneTransfer.Respond(zones ?? TestZone.Zones(), query, q, policy);
    }

    private static TransferPolicy Policy(ulong now, bool required = true) => new()
    {
        AddressAllowed = true,
        RequiredKey = required ? Key.Name : null,
        Keys = Lookup,
        Time = new FixedTime(now),
    };

    /// <summary>A zone big enough for several 16 KB messages, so the MAC chain of §5.3.1 is exercised.</summary>
    private static ZoneSet BigZone()
    {
        var text = TestZone.Text + "\n" + string.Concat(Enumerable.Range(0, 3000).Select(i => $"host{i} IN TXT \"record number {i} with some padding to fill the message\"\n"));
        return new([Zone.Build(DnsName.Parse("example.test."), MasterFile.Read(text, DnsName.Parse("example.test."), "test"))]);
    }

    [Fact]
    public void A_signed_axfr_gets_every_message_signed_each_mac_covering_the_one_before()
    {
        var messages = Transfer(SignedRequest, Policy(RequestTime + 2), BigZone());
        Assert.True(messages.Count >= 3, $"{messages.Count} messages");
        byte[] prior = RequestMac;
        for (int i = 0; i < messages.Count; i++)
        {
            var check = TsigSigner.Verify(messages[i], Lookup, RequestTime + 2, prior, timersOnly: i > 0);
            Assert.True(check.Verified, $"message {i}: {check.Presence} {check.Error}");
            prior = check.Record!.Mac;
        }
        // Taken out of order, the chain breaks.
        Assert.False(TsigSigner.Verify(messages[2], Lookup, RequestTime + 2, RequestMac, timersOnly: true).Verified);
        var records = messages.Select(m => DnsMessage.Parse(m)).SelectMany(m => m.Answers).ToList();
        Assert.Equal(DnsType.SOA, records[0].Type);
        Assert.Equal(DnsType.SOA, records[^1].Type);
        Assert.True(records.Count > 3000);
    }

    [Fact]
    public void Unsigned_or_wrongly_signed_transfers_are_refused_when_the_key_is_required()
    {
        var unsigned = DnsMessage.Query(7, DnsName.Parse("example.test."), DnsType.AXFR);
        Assert.Equal(DnsRcode.Refused, DnsMessage.Parse(Assert.Single(Transfer(unsigned, Policy(RequestTime)))).Rcode);
        // Signed but from an address not on the list: refused, and the refusal is signed.
        var refused = Assert.Single(Transfer(SignedRequest, new TransferPolicy { AddressAllowed = false, RequiredKey = Key.Name, Keys = Lookup, Time = new FixedTime(RequestTime) }));
        Assert.Equal(DnsRcode.Refused, DnsMessage.Parse(refused).Rcode);
        Assert.True(TsigSigner.Verify(refused, Lookup, RequestTime, RequestMac).Verified);
        // Without a required key, an unsigned transfer from the list is served as before.
        Assert.True(Transfer(unsigned, Policy(RequestTime, required: false)).Count >= 1);
        Assert.Equal(DnsRcode.NoError, DnsMessage.Parse(Transfer(unsigned, Policy(RequestTime, required: false))[0]).Rcode);
    }

    [Fact]
    public void Badkey_and_badsig_are_notauth_with_an_unsigned_tsig_naming_the_error()
    {
        var badKey = Assert.Single(Transfer(SignedRequest, Policy(RequestTime).WithKeys(_ => null)));
        AssertTsigError(badKey, TsigError.BadKey, macLength: 0);
        var wrong = new TsigKey(Key.Name, TsigAlgorithm.HmacSha256, new byte[32]);
        var badSig = Assert.Single(Transfer(SignedRequest, Policy(RequestTime).WithKeys(_ => wrong)));
        AssertTsigError(badSig, TsigError.BadSig, macLength: 0);
    }

    [Fact]
    public void Badtime_is_notauth_signed_with_our_clock_in_other_data()
    {
        var reply = Assert.Single(Transfer(SignedRequest, Policy(RequestTime + 1000)));
        var record = AssertTsigError(reply, TsigError.BadTime, macLength: 32);
        Assert.Equal(RequestTime, record.TimeSigned);
        Assert.Equal(Convert.ToHexString(TsigSigner.TimeAsOtherData(RequestTime + 1000)), Convert.ToHexString(record.OtherData));
        // Signed over the request's MAC, so the client can trust the error.
        var expected = TsigSigner.ComputeMac(Key, RequestMac, Unsigned(reply), Key.Name, Key.Algorithm.Name, record.TimeSigned, record.Fudge, record.Error, record.OtherData, false);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(record.Mac));
    }

    private static byte[] Unsigned(byte[] message)
    {
        TsigRecord.Find(message, out _, out int start);
        var unsigned = message[..start].ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(unsigned.AsSpan(10), (ushort)(BinaryPrimitives.ReadUInt16BigEndian(unsigned.AsSpan(10)) - 1));
        return unsigned;
    }

    private static TsigRecord AssertTsigError(byte[] reply, TsigError error, int macLength)
    {
        Assert.True(DnsHeader.TryRead(reply, out var h));
        Assert.Equal(DnsRcode.NotAuth, h.Rcode);
        Assert.Equal(TsigPresence.Present, TsigRecord.Find(reply, out var record, out _));
        Assert.Equal(error, record!.Error);
        Assert.Equal(macLength, record.Mac.Length);
        Assert.Equal(Key.Name, record.KeyName);
        return record;
    }

    [Fact]
    public void A_signed_notify_verifies_and_only_a_signed_acknowledgement_counts()
    {
        var zone = TestZone.Zones().Zones.Single();
        var (notify, mac) = Notify.Signed(77, zone, Key, RequestTime);
        Assert.True(TsigSigner.Verify(notify, Lookup, RequestTime).Verified);
        Assert.Equal(DnsOpcode.Notify, DnsMessage.Parse(notify).Header.Opcode);

        byte[] ack = [0, 77, 0xA4, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.False(Notify.IsAcknowledgement(ack, 77, Key, mac, RequestTime));
        var (signedAck, _) = TsigSigner.Sign(ack, Key, mac, RequestTime);
        Assert.True(Notify.IsAcknowledgement(signedAck, 77, Key, mac, RequestTime));
        var (otherAck, _) = TsigSigner.Sign(ack, Key, new byte[32], RequestTime);
        Assert.False(Notify.IsAcknowledgement(otherAck, 77, Key, mac, RequestTime));
    }

    [Fact]
    public void Key_files_are_written_0600_and_open_ones_are_refused()
    {
        var dir = Path.Combine(Path.GetTempPath(), "tsig-" + Guid.NewGuid().ToString("N"));
        try
        {
            var key = TsigKey.Generate(DnsName.Parse("letterbox-xfr."), TsigAlgorithm.HmacSha512);
            var path = TsigKeyFile.Write(dir, key, overwrite: false);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            var loaded = TsigKeyFile.Load(dir, key.Name, out var problem);
            Assert.Null(problem);
            Assert.Equal(key.Secret, loaded!.Secret);
            Assert.Same(TsigAlgorithm.HmacSha512, loaded.Algorithm);
            Assert.Throws<IOException>(() => TsigKeyFile.Write(dir, key, overwrite: false));

            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
            Assert.Null(TsigKeyFile.Load(dir, key.Name, out problem));
            Assert.Contains("chmod 600", problem);
            Assert.Null(TsigKeyFile.Load(dir, DnsName.Parse("missing."), out problem));
            Assert.Contains("tsig-key missing", problem);
            Assert.False(TsigKeyFile.IsValidName("../../etc/passwd", out _));
            Assert.False(TsigKeyFile.IsValidName("a/b", out _));
            Assert.True(TsigKeyFile.IsValidName("xfr.example.test", out _));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

/// <summary>A clock stopped at one Unix time.</summary>
internal sealed class FixedTime(ulong seconds) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeSeconds((long)seconds);
}

internal static class PolicyExtensions
{
    public static TransferPolicy WithKeys(this TransferPolicy p, Func<DnsName, TsigKey?> keys) =>
        new() { AddressAllowed = p.AddressAllowed, RequiredKey = p.RequiredKey, Keys = keys, Journal = p.Journal, Time = p.Time, Served = p.Served };
}
