using System.Runtime.InteropServices;

namespace Letterbox.Tests.Harness;

/// <summary>Signals and /proc reads the tests need to act like an operator with `kill` and `ps`.</summary>
public static partial class Native
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int KillNative(int pid, int sig);

    public static bool Kill(int pid, int signal) => KillNative(pid, signal) == 0;

    public static bool IsAlive(int pid) => KillNative(pid, 0) == 0 && !State(pid).StartsWith('Z');

    /// <summary>The state letter from /proc/PID/stat (R, S, T for stopped, Z for zombie), or "" when gone.</summary>
    public static string State(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>The real uid from /proc/PID/status.</summary>
    public static int Uid(int pid)
    {
        foreach (var line in File.ReadAllLines($"/proc/{pid}/status"))
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
                return int.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1]);
        throw new InvalidOperationException($"no Uid line for {pid}");
    }

    /// <summary>The pid of the running `letterbox daemon NAME` of this data directory.</summary>
    public static int DaemonPid(string name, string dataDirectory)
    {
        foreach (int pid in ChildrenOf(dataDirectory))
        {
            try
            {
                if (File.ReadAllText($"/proc/{pid}/cmdline").Split('\0') is [_, "daemon", var daemon, ..] && daemon == name)
                    return pid;
            }
            catch (IOException)
            {
            }
        }
        throw new InvalidOperationException($"no {name} daemon running for {dataDirectory}");
    }

    /// <summary>The most resident memory the process has had (VmHWM, the RSS high-water mark).</summary>
    public static long PeakRssBytes(int pid)
    {
        foreach (var line in File.ReadAllLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        throw new InvalidOperationException($"no VmHWM line for {pid}");
    }

    /// <summary>Pids of `letterbox daemon` processes whose command line names this data directory.</summary>
    public static List<int> ChildrenOf(string dataDirectory)
    {
        var result = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
                continue;
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (cmdline.Length > 2 && cmdline[1] == "daemon" && cmdline.Contains(dataDirectory) && IsAlive(pid))
                    result.Add(pid);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return result;
    }
}
