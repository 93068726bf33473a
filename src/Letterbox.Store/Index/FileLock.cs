using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Letterbox.Store;

/// <summary>
/// An exclusive flock(2) on a lock file, held until disposed. The kernel drops it when the
/// process dies, so a crashed holder never leaves a stale lock. Each acquisition opens the file
/// anew (its own open file description), so two holders in one process exclude each other
/// just as two processes do.
/// </summary>
/// <remarks>
/// The file is opened with open(2), not FileStream: .NET takes a shared flock of its own on every
/// FileStream it opens, which would collide with the exclusive one held here.
/// Lock files are never deleted (removing a lock file under a waiting process breaks flock).
/// <para>Holders in one process also queue on an in-process gate per path first, so a session
/// waiting for another session of the same daemon wakes the moment it is released, instead of
/// polling flock with sleeps (which cost up to 20 ms a wait under load). flock still excludes
/// other processes (POP3, another IMAP daemon, the CLI), and those are still polled.</para>
/// </remarks>
internal sealed partial class FileLock : IDisposable
{
    /// <summary>How long to wait for another holder before giving up (<see cref="MailFolderError.Busy"/>).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private const int O_RDWR = 2;
    private const int O_CREAT = 0x40;
    private const int O_EXCL = 0x80;
    private const int O_CLOEXEC = 0x80000;
    private const int LOCK_EX = 2;
    private const int LOCK_NB = 4;
    private const int EWOULDBLOCK = 11;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(SafeFileHandle fd, int operation);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(SafeFileHandle fd);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    private readonly SemaphoreSlim? gate;
    private int disposed;

    private FileLock(SafeFileHandle handle, SemaphoreSlim? gate = null)
    {
        Handle = handle;
        this.gate = gate;
    }

    /// <summary>The open lock file: its content can be read and written with <see cref="RandomAccess"/>.</summary>
    public SafeFileHandle Handle { get; }

    /// <summary>Locks <paramref name="path"/> (created 0600 if missing), waiting up to <paramref name="timeout"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="MailFolderException">Still locked by another holder after the timeout (<see cref="MailFolderError.Busy"/>).</exception>
    public static FileLock Acquire(string path, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        var gate = Gates.GetOrAdd(path, _ => new SemaphoreSlim(1, 1));
        if (!gate.Wait(limit))
        {
            throw new MailFolderException(MailFolderError.Busy, $"{path} is locked by another session");
        }
        try
        {
            return new FileLock(LockFile(path, limit - clock.Elapsed), gate);
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    private static SafeFileHandle LockFile(string path, TimeSpan limit)
    {
        int fd = Open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0x180);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Posix.ENOENT)
            {
                throw new DirectoryNotFoundException($"open {path}: no such directory");
            }
            throw Posix.Failure("open", path, errno);
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            var clock = Stopwatch.StartNew();
            int pause = 1;
            while (Flock(handle, LOCK_EX | LOCK_NB) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Posix.EINTR)
                {
                    continue;
                }
                if (errno != EWOULDBLOCK)
                {
                    throw Posix.Failure("flock", path, errno);
                }
                if (clock.Elapsed > limit)
                {
                    throw new MailFolderException(MailFolderError.Busy, $"{path} is locked by another process");
                }
                Thread.Sleep(pause);
                pause = Math.Min(pause * 2, 20);
            }
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Locks an existing file without waiting: null when it is missing or another holder has it.
    /// For files that are deleted by their holder (move journals), so the caller must check the
    /// path still exists once it holds the lock.
    /// </summary>
    public static FileLock? TryAcquireExisting(string path)
    {
        int fd = Open(path, O_RDWR | O_CLOEXEC, 0);
        if (fd < 0)
        {
            return null;
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        while (Flock(handle, LOCK_EX | LOCK_NB) != 0)
        {
            if (Marshal.GetLastPInvokeError() != Posix.EINTR)
            {
                handle.Dispose();
                return null;
            }
        }
        return new FileLock(handle);
    }

    /// <summary>Creates <paramref name="path"/> (0600, must not exist) and locks it; nobody else can hold it yet.</summary>
    public static FileLock CreateNew(string path)
    {
        int fd = Open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0x180);
        if (fd < 0)
        {
            throw Posix.Failure("open", path, Marshal.GetLastPInvokeError());
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Flock(handle, LOCK_EX | LOCK_NB) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw Posix.Failure("flock", path, errno);
        }
        return new FileLock(handle);
    }

    /// <summary>fsync(2) of the lock file's content.</summary>
    public void Flush()
    {
        if (Fsync(Handle) != 0)
        {
            throw Posix.Failure("fsync", "lock file", Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Closes the file, which releases the lock, then lets the next holder in this process in.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        Handle.Dispose();
        gate?.Release();
    }
}
