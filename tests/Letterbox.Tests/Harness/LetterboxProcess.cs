using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Letterbox.Tests.Harness;

/// <summary>
/// The published `letterbox` binary started as a user would start it, with its own data
/// directory and ports, and every line it prints kept for the test to wait on and read.
/// Metadata sources are always pinned (no /etc file, no Vagrant file, IMDS off unless a test
/// gives a loopback endpoint), so a test never reads this machine's config or leaves loopback.
/// </summary>
public sealed class LetterboxProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    public string DataDirectory { get; }
    public int Pid => _process.Id;
    public IEnumerable<string> Lines => _lines;
    public string Output => string.Join('\n', _lines);

    private LetterboxProcess(Process process, string dataDirectory)
    {
        _process = process;
        DataDirectory = dataDirectory;
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private void Add(string? line)
    {
        if (line is null)
            return;
        _lines.Enqueue(line);
        _lineArrived.Release();
    }

    public static string BinaryPath
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("LETTERBOX_BIN");
            if (string.IsNullOrEmpty(path))
                path = Path.Combine(RepoRoot, "artifacts", "publish", "letterbox");
            if (!File.Exists(path))
                throw new InvalidOperationException($"the published binary is missing at {path}: run `dotnet tool run dotnet-cake --target=Test` (it publishes first) or set LETTERBOX_BIN");
            return path;
        }
    }

    public static string RepoRoot
    {
        get
        {
            var dir = AppContext.BaseDirectory;
            while (dir is not null && !File.Exists(Path.Combine(dir, "Letterbox.slnx")))
                dir = Path.GetDirectoryName(dir);
            return dir ?? throw new InvalidOperationException("cannot find the repository root (Letterbox.slnx)");
        }
    }

    public static Dictionary<string, string> PinnedEnvironment(string? imdsEndpoint = null) => new()
    {
        ["LETTERBOX_ETC_CONFIG"] = "/nonexistent/letterbox.toml",
        ["LETTERBOX_VAGRANT_CONFIG"] = "/nonexistent/vagrant.toml",
        ["LETTERBOX_IMDS_ENDPOINT"] = imdsEndpoint ?? "off",
        ["LETTERBOX_DATA"] = "",
    };

    public static LetterboxProcess Start(string dataDirectory, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(BinaryPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in PinnedEnvironment())
            psi.Environment[k] = v;
        if (environment is not null)
            foreach (var (k, v) in environment)
                psi.Environment[k] = v;
        return new LetterboxProcess(Process.Start(psi)!, dataDirectory);
    }

    /// <summary>`letterbox dev` on a free port range, waiting until the supervisor says every daemon answers.</summary>
    public static LetterboxProcess StartDev(TempDirectory data, out int portOffset, string? configFile = null, IDictionary<string, string>? environment = null)
    {
        portOffset = FreePortOffset();
        var args = new List<string> { "dev", "--data", data.Path, "--port-offset", portOffset.ToString() };
        if (configFile is not null)
            args.AddRange(["--config", configFile]);
        var p = Start(data.Path, args, environment);
        p.WaitForLine("appliance ready");
        return p;
    }

    /// <summary>Waits for a line matching <paramref name="pattern"/> (a regex), failing with everything printed so far.</summary>
    public string WaitForLine(string pattern, TimeSpan? timeout = null, int skip = 0)
    {
        var regex = new Regex(pattern);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var matches = _lines.Where(l => regex.IsMatch(l)).Skip(skip).ToList();
            if (matches.Count > 0)
                return matches[0];
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"no line matching /{pattern}/ from letterbox; it printed:\n{Output}");
            if (_process.HasExited && !_lineArrived.Wait(200))
                throw new InvalidOperationException($"letterbox exited ({_process.ExitCode}) before printing /{pattern}/:\n{Output}");
            _lineArrived.Wait(left < TimeSpan.FromMilliseconds(500) ? left : TimeSpan.FromMilliseconds(500));
        }
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
            throw new TimeoutException($"letterbox still running after {timeout.TotalSeconds} s:\n{Output}");
        _process.WaitForExit(); // flush the output readers
        return _process.ExitCode;
    }

    public bool HasExited => _process.HasExited;

    public void Signal(int signal) => Native.Kill(_process.Id, signal);

    /// <summary>
    /// A port offset where every standard port the appliance uses is free on 127.0.0.1 right now.
    /// Offsets are drawn at random so parallel tests rarely collide, and re-checked by binding.
    /// </summary>
    public static int FreePortOffset()
    {
        int[] standard = [25, 53, 80, 110, 143, 443, 465, 587, 993, 995];
        for (int attempt = 0; attempt < 200; attempt++)
        {
            int offset = Random.Shared.Next(20000, 50000);
            if (standard.All(p => IsFree(p + offset)))
                return offset;
        }
        throw new InvalidOperationException("no free port range found on 127.0.0.1");
    }

    public static bool IsFree(int port)
    {
        try
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Native.Kill(_process.Id, Native.SIGKILL);
            _process.WaitForExit(10_000);
        }
        // Daemons notice their supervisor is gone and exit; make sure none outlives the test.
        foreach (var pid in Native.ChildrenOf(DataDirectory))
            Native.Kill(pid, Native.SIGKILL);
        _process.Dispose();
    }
}

public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("letterbox-test-").FullName;

    public string File(string name, string content)
    {
        var path = System.IO.Path.Combine(Path, name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
