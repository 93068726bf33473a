using System.Buffers.Binary;
using System.Security.Cryptography;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Tsig;

/// <summary>The outcome of checking a signed message.</summary>
public sealed record TsigCheck(TsigPresence Presence, TsigError Error, TsigRecord? Record, TsigKey? Key)
{
    /// <summary>Signed, with a key we know, a MAC that matches and a time within the fudge.</summary>
    public bool Verified => Presence == TsigPresence.Present && Error == TsigError.NoError && Key is not null;
}

/// <summary>
/// TSIG (RFC 8945): computes and checks the MAC of a message. The MAC covers, in order (§4.3):
/// the request's MAC when signing a response (or the previous message's MAC inside a multi-message
/// answer, §4.3.1), the message itself as it was before the TSIG was added (ARCOUNT one less, the
/// original ID), and the TSIG variables (§4.3.3) — or only the timers (Time Signed and Fudge) for
/// the second and later messages of a transfer.
/// </summary>
public static class TsigSigner
{
    /// <summary>RFC 8945 §10: 300 seconds is the recommended fudge.</summary>
    public const ushort Fudge = 300;

    /// <summary>Appends a TSIG record to <paramref name="message"/> (ARCOUNT raised by one) and returns the signed message and its MAC.</summary>
    public static (byte[] Message, byte[] Mac) Sign(ReadOnlySpan<byte> message, TsigKey key, ReadOnlySpan<byte> priorMac, ulong timeSigned,
        bool timersOnly = false, TsigError error = TsigError.NoError, byte[]? otherData = null)
    {
        otherData ??= [];
        ushort id = BinaryPrimitives.ReadUInt16BigEndian(message);
        var mac = ComputeMac(key, priorMac, message, key.Name, key.Algorithm.Name, timeSigned, Fudge, error, otherData, timersOnly);
        var record = new TsigRecord(key.Name, key.Algorithm.Name, timeSigned, Fudge, mac, id, error, otherData);
        return (Append(message, record), mac);
    }

    /// <summary>An unsigned TSIG record (MAC size 0) for BADKEY and BADSIG answers (RFC 8945 §5.3.2): we cannot or may not sign with the client's key.</summary>
    public static byte[] AppendUnsigned(ReadOnlySpan<byte> message, TsigRecord request, TsigError error) =>
        Append(message, new TsigRecord(request.KeyName, request.Algorithm, request.TimeSigned, request.Fudge, [], BinaryPrimitives.ReadUInt16BigEndian(message), error, []));

    private static byte[] Append(ReadOnlySpan<byte> message, TsigRecord record)
    {
        var w = new DnsWriter(message.Length + 128);
        w.WriteBytes(message);
        record.Write(w);
        var signed = w.ToArray();
        ushort arCount = BinaryPrimitives.ReadUInt16BigEndian(signed.AsSpan(10));
        BinaryPrimitives.WriteUInt16BigEndian(signed.AsSpan(10), (ushort)(arCount + 1));
        return signed;
    }

    /// <summary>
    /// Checks the TSIG of a received message in the order of RFC 8945 §5.2: key and algorithm
    /// (BADKEY), MAC (BADSIG, compared in constant time), then time (BADTIME); a message without
    /// TSIG comes back as <see cref="TsigPresence.Absent"/> for the caller's policy to judge.
    /// </summary>
    public static TsigCheck Verify(ReadOnlySpan<byte> message, Func<DnsName, TsigKey?> keys, ulong now, ReadOnlySpan<byte> priorMac = default, bool timersOnly = false)
    {
        var presence = TsigRecord.Find(message, out var record, out int start);
        if (presence != TsigPresence.Present)
            return new TsigCheck(presence, TsigError.NoError, null, null);
        var key = keys(record!.KeyName);
        if (key is null || !key.Algorithm.Name.Equals(record.Algorithm))
            return new TsigCheck(presence, TsigError.BadKey, record, null);
        // RFC 8945 §5.2.2.1: a MAC longer than the hash, or shorter than max(10, half the hash), is malformed;
        // a shorter but plausible one is a truncation we do not accept (BADTRUNC).
        int min = Math.Max(10, key.Algorithm.MacLength / 2);
        if (record.Mac.Length > key.Algorithm.MacLength || record.Mac.Length < min)
            return new TsigCheck(TsigPresence.Malformed, TsigError.NoError, record, null);

        // The signed part: the message up to the TSIG, with ARCOUNT one less and the original ID (§4.3.2).
        var signedPart = message[..start].ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(signedPart, record.OriginalId);
        ushort arCount = BinaryPrimitives.ReadUInt16BigEndian(signedPart.AsSpan(10));
        BinaryPrimitives.WriteUInt16BigEndian(signedPart.AsSpan(10), (ushort)(arCount - 1));
        var expected = ComputeMac(key, priorMac, signedPart, record.KeyName, record.Algorithm, record.TimeSigned, record.Fudge, record.Error, record.OtherData, timersOnly);
        if (record.Mac.Length != key.Algorithm.MacLength)
            return new TsigCheck(presence, CryptographicOperations.FixedTimeEquals(expected.AsSpan(0, record.Mac.Length), record.Mac) ? TsigError.BadTrunc : TsigError.BadSig, record, key);
        if (!CryptographicOperations.FixedTimeEquals(expected, record.Mac))
            return new TsigCheck(presence, TsigError.BadSig, record, key);
        // §5.2.3: outside Time Signed ± Fudge is BADTIME; we never grant more than our own fudge, so a
        // client cannot widen the replay window by sending a large one.
        ulong fudge = Math.Min(record.Fudge, Fudge);
        ulong skew = now > record.TimeSigned ? now - record.TimeSigned : record.TimeSigned - now;
        if (skew > fudge)
            return new TsigCheck(presence, TsigError.BadTime, record, key);
        return new TsigCheck(presence, TsigError.NoError, record, key);
    }

    /// <summary>The MAC over prior MAC, message and TSIG variables (RFC 8945 §4.3.1 to §4.3.3).</summary>
    public static byte[] ComputeMac(TsigKey key, ReadOnlySpan<byte> priorMac, ReadOnlySpan<byte> message, DnsName keyName, DnsName algorithm,
        ulong timeSigned, ushort fudge, TsigError error, ReadOnlySpan<byte> otherData, bool timersOnly)
    {
        using var hmac = IncrementalHash.CreateHMAC(key.Algorithm.Hash, key.Secret);
        Span<byte> two = stackalloc byte[2];
        if (!priorMac.IsEmpty)
        {
            BinaryPrimitives.WriteUInt16BigEndian(two, (ushort)priorMac.Length);
            hmac.AppendData(two);
            hmac.AppendData(priorMac);
        }
        hmac.AppendData(message);
        if (!timersOnly)
        {
            hmac.AppendData(CanonicalName(keyName));
            BinaryPrimitives.WriteUInt16BigEndian(two, (ushort)DnsClass.ANY);
            hmac.AppendData(two);
            hmac.AppendData((ReadOnlySpan<byte>)[0, 0, 0, 0]); // TTL
            hmac.AppendData(CanonicalName(algorithm));
        }
        Span<byte> timers = stackalloc byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(timers, (ushort)(timeSigned >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(timers[2..], (uint)timeSigned);
        BinaryPrimitives.WriteUInt16BigEndian(timers[6..], fudge);
        hmac.AppendData(timers);
        if (!timersOnly)
        {
            BinaryPrimitives.WriteUInt16BigEndian(two, (ushort)error);
            hmac.AppendData(two);
            BinaryPrimitives.WriteUInt16BigEndian(two, (ushort)otherData.Length);
            hmac.AppendData(two);
            hmac.AppendData(otherData);
        }
        return hmac.GetHashAndReset();
    }

    /// <summary>A name in canonical wire form (RFC 4034 §6.2): uncompressed, ASCII letters lower-cased, as §4.3.3 asks for the key and algorithm names.</summary>
    public static byte[] CanonicalName(DnsName name)
    {
        var bytes = new byte[name.WireLength];
        int at = 0;
        foreach (var label in name.Labels)
        {
            bytes[at++] = (byte)label.Length;
            foreach (char c in label)
                bytes[at++] = (byte)(c is >= 'A' and <= 'Z' ? c + 32 : c);
        }
        bytes[at] = 0;
        return bytes;
    }

    /// <summary>Seconds since the epoch, as Time Signed counts them (48 bits).</summary>
    public static ulong Now(TimeProvider time) => (ulong)time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>A 48-bit time as Other Data, for BADTIME answers (§5.2.3).</summary>
    public static byte[] TimeAsOtherData(ulong time)
    {
        var bytes = new byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)(time >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(2), (uint)time);
        return bytes;
    }
}
