using System.Globalization;
using System.Text;

namespace Letterbox.Store;

/// <summary>
/// Hands out UIDVALIDITY values for one user's folders, each greater than every one before
/// (RFC 3501 §2.3.1.1: a folder deleted and created again, or whose UIDs were lost, must not
/// show an old value again): the current Unix time, or the last value plus one when that is
/// not greater. The last value is kept in <c>letterbox-uidvalidity</c> in the Maildir root
/// (Dovecot keeps <c>dovecot-uidvalidity</c> for the same reason), flock'ed while in use.
/// </summary>
/// <remarks>
/// A leaf lock: nothing else is locked while it is held, so it may be taken under any folder lock.
/// </remarks>
internal static class UidValidityCounter
{
    public const string FileName = "letterbox-uidvalidity";

    // Fixed width, so a rewrite in place never leaves a longer old tail behind.
    private const int Width = 10;

    /// <summary>A new UIDVALIDITY for a folder under <paramref name="maildirRoot"/>, at least <paramref name="atLeast"/>.</summary>
    public static uint Allocate(string maildirRoot, uint atLeast = 1)
    {
        DurableDirectory.Ensure(maildirRoot);
        using var held = FileLock.Acquire(Path.Combine(maildirRoot, FileName));
        var buffer = new byte[Width + 1];
        int read = RandomAccess.Read(held.Handle, buffer, 0);
        uint last = uint.TryParse(Encoding.ASCII.GetString(buffer, 0, Math.Min(read, Width)), NumberStyles.None,
            CultureInfo.InvariantCulture, out uint value) ? value : 0;
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        long next = Math.Max(Math.Max(last + 1L, now), atLeast);
        if (next > uint.MaxValue)
        {
            next = Math.Max(1, atLeast);
        }
        uint allocated = (uint)next;
        RandomAccess.Write(held.Handle, Encoding.ASCII.GetBytes(allocated.ToString("D10", CultureInfo.InvariantCulture) + "\n"), 0);
        held.Flush();
        return allocated;
    }
}
