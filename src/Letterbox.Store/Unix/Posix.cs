using System.Runtime.InteropServices;

namespace Letterbox.Store;

/// <summary>
/// The libc calls durable delivery needs and .NET does not offer: hard links, a rename that
/// refuses to replace, and fsync of a directory (a FileStream cannot open a directory).
/// </summary>
internal static partial class Posix
{
    public const int EPERM = 1;
    public const int EINTR = 4;
    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int EXDEV = 18;
    public const int EINVAL = 22;
    public const int ENOSYS = 38;

    private const int AT_FDCWD = -100;
    private const uint RENAME_NOREPLACE = 1;
    private const int O_RDONLY = 0;
    private const int O_CLOEXEC = 0x80000;

    // O_DIRECTORY is 0200000 on x86-64 but 040000 on the Arm ABIs (asm-generic vs arch headers).
    private static readonly int O_DIRECTORY =
        RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x4000 : 0x10000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string created);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(int oldDir, string oldPath, int newDir, string newPath, uint flags);

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Rename(string oldPath, string newPath);

    /// <summary>Flushes a directory's entries (files created, renamed or removed in it) to disk.</summary>
    public static void FsyncDirectory(string path)
    {
        int fd = Open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
        {
            throw Failure("open", path, Marshal.GetLastPInvokeError());
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                throw Failure("fsync", path, Marshal.GetLastPInvokeError());
            }
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>link(2): returns 0 or the errno (EXDEV when the two paths are on different filesystems).</summary>
    public static int TryLink(string existing, string created) =>
        Link(existing, created) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>
    /// Renames without ever replacing an existing file: returns 0 or the errno (EEXIST when
    /// <paramref name="newPath"/> exists). Falls back to plain rename(2) on a filesystem
    /// without RENAME_NOREPLACE, where Maildir's unique names are the only protection.
    /// </summary>
    public static int TryRenameNoReplace(string oldPath, string newPath)
    {
        if (RenameAt2(AT_FDCWD, oldPath, AT_FDCWD, newPath, RENAME_NOREPLACE) == 0)
        {
            return 0;
        }
        int errno = Marshal.GetLastPInvokeError();
        if (errno is EINVAL or ENOSYS)
        {
            return Rename(oldPath, newPath) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
        return errno;
    }

    public static IOException Failure(string call, string path, int errno) =>
        new($"{call} {path}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
}
