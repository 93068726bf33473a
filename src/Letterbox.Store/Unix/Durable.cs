namespace Letterbox.Store;

/// <summary>The fsync other components need to make their own renames durable (the outbound queue).</summary>
public static class Durable
{
    /// <summary>fsync(2) of a directory, which a FileStream cannot open: makes a rename or unlink in it durable.</summary>
    public static void FsyncDirectory(string path) => Posix.FsyncDirectory(path);
}
