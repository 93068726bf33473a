using System.Runtime.InteropServices;

namespace Letterbox.Net.Unix;

/// <summary>Signals by number, for what <see cref="System.Diagnostics.Process"/> cannot send (SIGTERM, SIGSTOP).</summary>
public static class Signals
{
    public const int Kill = Libc.SIGKILL;
    public const int Term = Libc.SIGTERM;
    public const int Stop = Libc.SIGSTOP;
    public const int Cont = Libc.SIGCONT;

    /// <returns>false when the process no longer exists.</returns>
    public static bool Send(int pid, int signal) => Libc.kill(pid, signal) == 0;

    /// <summary>The parent's pid; a daemon whose parent changes has lost its supervisor.</summary>
    public static int ParentPid => Libc.getppid();
}
