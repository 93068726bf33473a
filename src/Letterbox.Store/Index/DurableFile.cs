using System.Runtime.InteropServices;

namespace Letterbox.Store;

/// <summary>Whole-file replacement that never leaves a torn file: write a temp file, fsync, rename over.</summary>
internal static partial class DurableFile
{
    private const int AtFdCwd = -100;
    private const uint RenameExchange = 2; // RENAME_EXCHANGE, linux/fs.h

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(int oldDir, string oldPath, int newDir, string newPath, uint flags);

    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="content"/> through <c>&lt;path&gt;.tmp</c>
    /// (callers hold the lock that makes them the only writer; a temp file left by a crash is
    /// simply overwritten). With <paramref name="durable"/>, the data and then the directory
    /// entry are fsynced before this returns.
    /// </summary>
    /// <remarks>
    /// The temp file is written in place and then swapped with the file (renameat2
    /// RENAME_EXCHANGE, atomic like rename), so the old version becomes the next temp file:
    /// no inode is allocated or freed per write. The index is rewritten on most IMAP commands,
    /// and on ext4 allocating an inode next to many freed ones cost more CPU than the command.
    /// Where the swap is not possible (first write, a filesystem without it) a plain rename.
    /// </remarks>
    public static void Replace(string path, ReadOnlySpan<byte> content, bool durable)
    {
        string temp = path + ".tmp";
        using (var file = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            // Written over, then cut to length: never truncated to zero first (ext4 would flush
            // such a file at close even when no durability is asked for).
            file.Write(content);
            if (file.Length != content.Length)
            {
                file.SetLength(content.Length);
            }
            file.Flush(flushToDisk: durable);
        }
        if (!OperatingSystem.IsLinux() || RenameAt2(AtFdCwd, temp, AtFdCwd, path, RenameExchange) != 0)
        {
            // ENOENT: no file yet to swap with; EINVAL/ENOSYS: no RENAME_EXCHANGE here.
            File.Move(temp, path, overwrite: true); // rename(2): atomic
        }
        if (durable)
        {
            Posix.FsyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }
    }

    /// <summary>
    /// Writes <paramref name="content"/> over <paramref name="path"/> in place (created 0600 if
    /// missing), without a temp file, rename or fsync: for copies whose damage is detectable and
    /// harmless. Never truncated to zero first (ext4 flushes such a file at close, as it does a
    /// file renamed over another), only cut to the new length afterwards.
    /// </summary>
    public static void Overwrite(string path, ReadOnlySpan<byte> content)
    {
        using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        file.Write(content);
        file.Flush();
        if (file.Length != content.Length)
        {
            file.SetLength(content.Length);
        }
    }
}
