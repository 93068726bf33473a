using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Letterbox.Store;

/// <summary>
/// crypt(3) SHA-512 password hashes, <c>$6$rounds=N$salt$hash</c>, as specified by Ulrich Drepper's
/// "Unix crypt using SHA-256 and SHA-512" (the algorithm glibc, <c>openssl passwd -6</c>,
/// <c>mkpasswd -m sha-512</c> and Dovecot's <c>{SHA512-CRYPT}</c> scheme all implement), so hashes
/// move between Letterbox and those tools unchanged.
/// </summary>
/// <remarks>
/// New hashes use <see cref="DefaultRounds"/> = 100,000 rounds rather than the spec's 5,000 default
/// (chosen in 2007): 100,000 rounds cost roughly 50 ms of one core today, which a login (SMTP AUTH,
/// IMAP, POP3) pays once per connection, while an attacker who steals the database pays it for
/// every guess. Hashes given to us keep whatever rounds they were made with.
/// </remarks>
public static class Sha512Crypt
{
    /// <summary>Rounds for hashes Letterbox makes.</summary>
    public const int DefaultRounds = 100_000;

    /// <summary>Rounds when a hash names none (the spec's default).</summary>
    public const int ImplicitRounds = 5_000;

    /// <summary>The spec clamps requested rounds into [MinRounds, MaxRounds].</summary>
    public const int MinRounds = 1_000;

    /// <inheritdoc cref="MinRounds"/>
    public const int MaxRounds = 999_999_999;

    /// <summary>Dovecot's scheme prefix, accepted on input and stripped.</summary>
    public const string DovecotPrefix = "{SHA512-CRYPT}";

    private const string Magic = "$6$";
    private const string RoundsPrefix = "rounds=";
    private const int MaxSaltLength = 16;
    private const int EncodedLength = 86;
    private const string Alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>Hashes <paramref name="password"/> with a fresh random 16-character salt.</summary>
    public static string Hash(string password, int rounds = DefaultRounds)
    {
        ArgumentNullException.ThrowIfNull(password);
        Span<char> salt = stackalloc char[MaxSaltLength];
        for (int i = 0; i < salt.Length; i++)
        {
            salt[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }
        return Crypt(password, $"{Magic}{RoundsPrefix}{rounds}${salt}");
    }

    /// <summary>
    /// crypt(3): hashes <paramref name="password"/> (UTF-8) with the settings in <paramref name="setting"/>,
    /// which is <c>$6$[rounds=N$]salt[$...]</c> — anything after the salt is ignored, so a stored hash
    /// is also a valid setting. The salt is cut to 16 characters and the rounds clamped, as the spec says.
    /// </summary>
    /// <exception cref="FormatException">The setting is not a <c>$6$</c> one.</exception>
    public static string Crypt(string password, string setting)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!TryParse(setting, out var parsed))
        {
            throw new FormatException("not a SHA-512 crypt setting ($6$...)");
        }
        return Format(password, parsed);
    }

    /// <summary>
    /// Checks <paramref name="password"/> against a stored hash (with or without Dovecot's prefix),
    /// comparing in constant time. A malformed hash never matches.
    /// </summary>
    public static bool Verify(string password, string hash)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!TryParse(hash, out var parsed) || parsed.Encoded.Length != EncodedLength)
        {
            return false;
        }
        string computed = Format(password, parsed);
        ReadOnlySpan<char> expected = parsed.Encoded.Span;
        ReadOnlySpan<char> actual = computed.AsSpan(computed.Length - EncodedLength);
        return CryptographicOperations.FixedTimeEquals(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected),
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(actual));
    }

    /// <summary>
    /// Returns the hash in the form we store (no Dovecot prefix) when it is a complete
    /// <c>$6$</c> hash; false for anything else (another scheme, a bare setting, bad characters).
    /// </summary>
    public static bool TryNormalize(string? hash, [NotNullWhen(true)] out string? normalized)
    {
        normalized = null;
        if (hash is null || !TryParse(hash, out var parsed) || parsed.Encoded.Length != EncodedLength)
        {
            return false;
        }
        foreach (char c in parsed.Encoded.Span)
        {
            if (!Alphabet.Contains(c))
            {
                return false;
            }
        }
        // The last character carries only 4 bits of the digest (64 bytes = 512 bits = 85⅓ characters).
        if (Alphabet.IndexOf(parsed.Encoded.Span[^1]) > 15)
        {
            return false;
        }
        normalized = hash.StartsWith(DovecotPrefix, StringComparison.Ordinal) ? hash[DovecotPrefix.Length..] : hash;
        return true;
    }

    private readonly record struct Setting(string Salt, int Rounds, bool RoundsGiven, ReadOnlyMemory<char> Encoded);

    private static bool TryParse(string text, out Setting setting)
    {
        setting = default;
        ReadOnlySpan<char> s = text;
        if (s.StartsWith(DovecotPrefix))
        {
            s = s[DovecotPrefix.Length..];
        }
        if (!s.StartsWith(Magic))
        {
            return false;
        }
        int offset = text.Length - s.Length + Magic.Length;
        s = s[Magic.Length..];

        int rounds = ImplicitRounds;
        bool roundsGiven = false;
        if (s.StartsWith(RoundsPrefix))
        {
            // Like glibc: "rounds=" must be followed by decimal digits and '$'; anything else is not a setting.
            ReadOnlySpan<char> rest = s[RoundsPrefix.Length..];
            int end = rest.IndexOf('$');
            if (end <= 0 || end > 12 || rest[..end].ContainsAnyExceptInRange('0', '9'))
            {
                return false;
            }
            long requested = long.Parse(rest[..end], provider: System.Globalization.CultureInfo.InvariantCulture);
            rounds = (int)Math.Clamp(requested, MinRounds, MaxRounds);
            roundsGiven = true;
            int consumed = RoundsPrefix.Length + end + 1;
            offset += consumed;
            s = s[consumed..];
        }

        int saltEnd = s.IndexOf('$');
        int saltLength = saltEnd < 0 ? s.Length : saltEnd;
        string salt = new(s[..Math.Min(saltLength, MaxSaltLength)]);
        ReadOnlyMemory<char> encoded = saltEnd < 0
            ? ReadOnlyMemory<char>.Empty
            : text.AsMemory(offset + saltEnd + 1);
        setting = new Setting(salt, rounds, roundsGiven, encoded);
        return true;
    }

    private static string Format(string password, Setting setting)
    {
        byte[] key = Encoding.UTF8.GetBytes(password);
        byte[] salt = Encoding.UTF8.GetBytes(setting.Salt);
        Span<byte> digest = stackalloc byte[64];
        try
        {
            Compute(key, salt, setting.Rounds, digest);
            var result = new StringBuilder(Magic.Length + 20 + setting.Salt.Length + 1 + EncodedLength);
            result.Append(Magic);
            if (setting.RoundsGiven)
            {
                result.Append(RoundsPrefix).Append(setting.Rounds).Append('$');
            }
            result.Append(setting.Salt).Append('$');
            Encode(digest, result);
            return result.ToString();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(digest);
        }
    }

    // The numbered steps are those of the specification's "algorithm for crypt using SHA-512".
    private static void Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> salt, int rounds, Span<byte> result)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        Span<byte> b = stackalloc byte[64];
        Span<byte> a = stackalloc byte[64];

        // Steps 4-8: digest B = SHA512(password + salt + password).
        sha.AppendData(key);
        sha.AppendData(salt);
        sha.AppendData(key);
        sha.GetHashAndReset(b);

        // Steps 1-3, 9-12: digest A.
        sha.AppendData(key);
        sha.AppendData(salt);
        int n;
        for (n = key.Length; n > 64; n -= 64)
        {
            sha.AppendData(b);
        }
        sha.AppendData(b[..n]);
        for (n = key.Length; n > 0; n >>= 1)
        {
            sha.AppendData((n & 1) != 0 ? b : key);
        }
        sha.GetHashAndReset(a);

        // Steps 13-16: the P sequence, from digest DP = SHA512(password repeated |password| times).
        Span<byte> dp = stackalloc byte[64];
        for (int i = 0; i < key.Length; i++)
        {
            sha.AppendData(key);
        }
        sha.GetHashAndReset(dp);
        byte[] p = new byte[key.Length];
        for (int i = 0; i < p.Length; i += 64)
        {
            dp[..Math.Min(64, p.Length - i)].CopyTo(p.AsSpan(i));
        }

        // Steps 17-20: the S sequence, from digest DS = SHA512(salt repeated 16 + A[0] times).
        Span<byte> ds = stackalloc byte[64];
        for (int i = 0; i < 16 + a[0]; i++)
        {
            sha.AppendData(salt);
        }
        sha.GetHashAndReset(ds);
        ReadOnlySpan<byte> s = ds[..salt.Length];

        // Step 21: the rounds. Each round hashes at most C-or-P + S + P + C-or-P; one buffer, one-shot hashes.
        int longest = Math.Max(64, p.Length);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(2 * longest + s.Length + p.Length);
        Span<byte> c = result;
        a.CopyTo(c);
        try
        {
            for (int round = 0; round < rounds; round++)
            {
                int length = 0;
                bool odd = (round & 1) != 0;
                length += Put(buffer, length, odd ? p : c);
                if (round % 3 != 0)
                {
                    length += Put(buffer, length, s);
                }
                if (round % 7 != 0)
                {
                    length += Put(buffer, length, p);
                }
                length += Put(buffer, length, odd ? c : p);
                SHA512.HashData(buffer.AsSpan(0, length), c);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(p);
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    private static int Put(byte[] buffer, int offset, ReadOnlySpan<byte> data)
    {
        data.CopyTo(buffer.AsSpan(offset));
        return data.Length;
    }

    // Step 22: the digest's bytes in the spec's order, 3 at a time, as 4 characters each
    // (least significant 6 bits first); the 64th byte alone as 2 characters.
    private static void Encode(ReadOnlySpan<byte> digest, StringBuilder output)
    {
        for (int i = 0; i < 21; i++)
        {
            int first = i * 22 % 63;
            int second = (first + 21) % 63;
            int third = (second + 21) % 63;
            Append(output, (digest[first] << 16) | (digest[second] << 8) | digest[third], 4);
        }
        Append(output, digest[63], 2);
    }

    private static void Append(StringBuilder output, int bits, int characters)
    {
        for (int i = 0; i < characters; i++)
        {
            output.Append(Alphabet[bits & 0x3f]);
            bits >>= 6;
        }
    }
}
