using System.Runtime.InteropServices;

namespace Letterbox.Net.Unix;

/// <summary>
/// The few libc calls .NET does not wrap: descriptor flags for socket hand-off,
/// identity changes for the privilege drop, and signals the supervisor sends.
/// </summary>
internal static partial class Libc
{
    public const int F_GETFD = 1;
    public const int F_SETFD = 2;
    public const int FD_CLOEXEC = 1;

    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int sig);

    [LibraryImport("libc")]
    public static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setgroups(nuint size, ref uint list);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setresgid(uint rgid, uint egid, uint sgid);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setresuid(uint ruid, uint euid, uint suid);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int chown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);

    // prctl(PR_SET_PDEATHSIG) would be the usual tool, but it fires when the *thread* that
    // forked exits, and .NET starts processes from pool threads that come and go.
    [LibraryImport("libc")]
    public static partial int getppid();

    // struct stat on x86_64 Linux is 144 bytes with st_uid at offset 28 and st_gid at 32.
    public const int StatSize = 144;
    public const int StatUidOffset = 28;
    public const int StatGidOffset = 32;

    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true)]
    public static partial int stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, nint buf);

    [StructLayout(LayoutKind.Sequential)]
    public struct Passwd
    {
        public nint pw_name;
        public nint pw_passwd;
        public uint pw_uid;
        public uint pw_gid;
        public nint pw_gecos;
        public nint pw_dir;
        public nint pw_shell;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getpwnam_r([MarshalAs(UnmanagedType.LPUTF8Str)] string name, ref Passwd pwd,
        nint buf, nuint buflen, out nint result);
}
