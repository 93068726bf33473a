using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Letterbox.Store;

/// <summary>The cost of new Argon2id hashes (RFC 9106). The default is OWASP's minimum for Argon2id: 19 MiB, 2 passes.</summary>
public sealed record Argon2Cost(int MemoryKiB = 19 * 1024, int Iterations = 2, int Parallelism = 1);

/// <summary>
/// Password hashes in the forms Dovecot writes (`doveadm pw`), so accounts move in and out:
/// Argon2id in PHC form (`$argon2id$v=19$m=..,t=..,p=..$salt$hash`, Dovecot's {ARGON2ID}) for every
/// new hash, and, for imported accounts, bcrypt (`$2y$`, {BLF-CRYPT}) and SHA-512 crypt (`$6$`,
/// {SHA512-CRYPT}). An imported hash is replaced by an Argon2id one at the first good login.
/// </summary>
public static class PasswordHash
{
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private const int MaxEncodedLength = 512;

    public static string HashArgon2id(string password, Argon2Cost cost) =>
        HashArgon2id(password, RandomNumberGenerator.GetBytes(SaltBytes), cost);

    /// <summary>With a given salt: for tests that compare our output with other tools'.</summary>
    internal static string HashArgon2id(string password, byte[] salt, Argon2Cost cost)
    {
        var hash = Argon2id(password, salt, cost.MemoryKiB, cost.Iterations, cost.Parallelism, HashBytes);
        return string.Create(CultureInfo.InvariantCulture,
            $"$argon2id$v=19$m={cost.MemoryKiB},t={cost.Iterations},p={cost.Parallelism}${B64(salt)}${B64(hash)}");
    }

    /// <summary>Checks a password against any accepted form; false for a wrong password or an unusable hash.</summary>
    public static bool Verify(string password, string hash)
    {
        if (!TryNormalize(hash, out var normalized))
            return false;
        if (normalized.StartsWith("$argon2id$", StringComparison.Ordinal))
            return VerifyArgon2id(password, normalized);
        if (normalized.StartsWith("$6$", StringComparison.Ordinal))
            return Sha512Crypt.Verify(password, normalized);
        try
        {
            return BCrypt.Net.BCrypt.Verify(password, normalized);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            return false;
        }
    }

    /// <summary>True when the hash is not Argon2id at least as costly as <paramref name="cost"/>: replace it after a good login.</summary>
    public static bool NeedsUpgrade(string hash, Argon2Cost cost) =>
        !TryParseArgon2id(hash, out var p) || p.MemoryKiB < cost.MemoryKiB || p.Iterations < cost.Iterations;

    /// <summary>
    /// Accepts a hash with or without Dovecot's {SCHEME} prefix and returns it without; false when
    /// it is not one we can verify. Plain-text passwords ({PLAIN}) are refused on purpose.
    /// </summary>
    public static bool TryNormalize(string? input, [NotNullWhen(true)] out string? normalized)
    {
        normalized = null;
        if (string.IsNullOrWhiteSpace(input))
            return false;
        var text = input.Trim();
        string? scheme = null;
        if (text.StartsWith('{'))
        {
            int close = text.IndexOf('}');
            if (close < 0)
                return false;
            scheme = text[1..close].ToUpperInvariant();
            text = text[(close + 1)..];
        }
        if (text.StartsWith("$argon2id$", StringComparison.Ordinal) && scheme is null or "ARGON2ID")
        {
            if (!TryParseArgon2id(text, out _))
                return false;
            normalized = text;
            return true;
        }
        if (text.StartsWith("$6$", StringComparison.Ordinal) && scheme is null or "SHA512-CRYPT")
            return Sha512Crypt.TryNormalize(text, out normalized);
        if ((text.StartsWith("$2y$", StringComparison.Ordinal) || text.StartsWith("$2b$", StringComparison.Ordinal) ||
             text.StartsWith("$2a$", StringComparison.Ordinal)) && scheme is null or "BLF-CRYPT" && text.Length == 60)
        {
            normalized = text;
            return true;
        }
        return false;
    }

    private sealed record Argon2Parameters(int MemoryKiB, int Iterations, int Parallelism, byte[] Salt, byte[] Hash);

    private static bool TryParseArgon2id(string hash, [NotNullWhen(true)] out Argon2Parameters? parameters)
    {
        parameters = null;
        // Real hashes are ~100 characters; a longer one is junk, not worth decoding.
        if (hash.Length > MaxEncodedLength)
            return false;
        var parts = hash.Split('$');
        // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
        if (parts.Length != 6 || parts[1] != "argon2id" || parts[2] != "v=19")
            return false;
        int m = 0, t = 0, p = 0;
        foreach (var kv in parts[3].Split(','))
        {
            var pair = kv.Split('=', 2);
            if (pair.Length != 2 || !int.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out int v))
                return false;
            switch (pair[0])
            {
                case "m": m = v; break;
                case "t": t = v; break;
                case "p": p = v; break;
                default: return false;
            }
        }
        // Bounds keep a hostile imported hash from asking for gigabytes or hours: checked here, before
        // libargon2 allocates m KiB. 1 GiB is libsodium's "sensitive" preset, the most Dovecot writes.
        if (m is < 8 or > 1024 * 1024 || t is < 1 or > 64 || p is < 1 or > 16 || m < 8 * p)
            return false;
        var salt = FromB64(parts[4]);
        var digest = FromB64(parts[5]);
        if (salt is null || digest is null || salt.Length is < 8 or > 64 || digest.Length is < 16 or > 128)
            return false;
        parameters = new Argon2Parameters(m, t, p, salt, digest);
        return true;
    }

    private static bool VerifyArgon2id(string password, string hash)
    {
        if (!TryParseArgon2id(hash, out var p))
            return false;
        var computed = Argon2id(password, p.Salt, p.MemoryKiB, p.Iterations, p.Parallelism, p.Hash.Length);
        return CryptographicOperations.FixedTimeEquals(computed, p.Hash);
    }

    private static byte[] Argon2id(string password, byte[] salt, int memoryKiB, int iterations, int parallelism, int length)
    {
        var secret = Encoding.UTF8.GetBytes(password);
        var hash = new byte[length];
        try
        {
            Argon2Native.Argon2id(secret, salt, memoryKiB, iterations, parallelism, hash);
            return hash;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    // PHC strings use standard base64 without padding.
    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static byte[]? FromB64(string text)
    {
        var padded = text + new string('=', (4 - text.Length % 4) % 4);
        try
        {
            return Convert.FromBase64String(padded);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
