namespace Letterbox.Store;

/// <summary>Whole-file replacement that never leaves a torn file: write a temp file, fsync, rename over.</summary>
internal static class DurableFile
{
    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="content"/> through <c>&lt;path&gt;.tmp</c>
    /// (callers hold the lock that makes them the only writer; a temp file left by a crash is
    /// simply overwritten). With <paramref name="durable"/>, the data and then the directory
    /// entry are fsynced before this returns.
    /// </summary>
    public static void Replace(string path, ReadOnlySpan<byte> content, bool durable)
    {
        string temp = path + ".tmp";
        using (var file = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            file.Write(content);
            file.Flush(flushToDisk: durable);
        }
        File.Move(temp, path, overwrite: true); // rename(2): atomic
        if (durable)
        {
            Posix.FsyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }
    }
}
