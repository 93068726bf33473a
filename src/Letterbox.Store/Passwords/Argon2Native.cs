using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Letterbox.Store;

/// <summary>
/// Argon2id (RFC 9106) computed by the reference C implementation, Debian's libargon2: a login costs
/// well under half the CPU of the managed implementation it replaces, about what Dovecot pays.
/// The AOT binary links libargon2.a in (DirectPInvoke in Letterbox.csproj), so nothing is loaded
/// at run time; JIT runs (tests) load libargon2.so from libargon2-dev. There is no managed
/// fallback: a missing library throws <see cref="DllNotFoundException"/> at the first login rather
/// than silently tripling its cost.
/// </summary>
internal static partial class Argon2Native
{
    private const int Ok = 0;

    /// <summary>Derives <paramref name="output"/>.Length bytes from the password and salt (version 0x13).</summary>
    /// <exception cref="CryptographicException">libargon2 refused the parameters or could not allocate its memory.</exception>
    public static unsafe void Argon2id(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt,
        int memoryKiB, int iterations, int parallelism, Span<byte> output)
    {
        int rc;
        fixed (byte* pwd = password)
        fixed (byte* s = salt)
        fixed (byte* hash = output)
        {
            rc = argon2id_hash_raw((uint)iterations, (uint)memoryKiB, (uint)parallelism,
                pwd, (nuint)password.Length, s, (nuint)salt.Length, hash, (nuint)output.Length);
        }
        if (rc != Ok)
            throw new CryptographicException($"argon2id_hash_raw failed: {Message(rc)} ({rc})");
    }

    private static unsafe string Message(int rc) =>
        Marshal.PtrToStringUTF8((nint)argon2_error_message(rc)) ?? "unknown error";

    // argon2.h: int argon2id_hash_raw(uint32_t t_cost, uint32_t m_cost, uint32_t parallelism,
    //   const void *pwd, size_t pwdlen, const void *salt, size_t saltlen, void *hash, size_t hashlen);
    [LibraryImport("argon2")]
    private static unsafe partial int argon2id_hash_raw(uint tCost, uint mCost, uint parallelism,
        byte* pwd, nuint pwdLength, byte* salt, nuint saltLength, byte* hash, nuint hashLength);

    [LibraryImport("argon2")]
    private static unsafe partial byte* argon2_error_message(int errorCode);
}
