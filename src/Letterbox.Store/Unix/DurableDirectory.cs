namespace Letterbox.Store;

/// <summary>Directory creation that survives a power cut: every new entry's parent is fsynced.</summary>
internal static class DurableDirectory
{
    private const UnixFileMode PrivateDirectory =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="path"/> and any missing parents (mode 0700).</summary>
    public static void Ensure(string path)
    {
        path = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (Directory.Exists(path))
        {
            return;
        }
        string? parent = Path.GetDirectoryName(path);
        if (parent is not null)
        {
            Ensure(parent);
        }
        Directory.CreateDirectory(path, PrivateDirectory);
        if (parent is not null)
        {
            Posix.FsyncDirectory(parent);
        }
    }

    /// <summary>Creates an empty file if it is missing (Maildir++'s <c>maildirfolder</c> marker).</summary>
    public static void EnsureEmptyFile(string path)
    {
        if (File.Exists(path))
        {
            return;
        }
        using (new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
        }
        Posix.FsyncDirectory(Path.GetDirectoryName(path)!);
    }
}
