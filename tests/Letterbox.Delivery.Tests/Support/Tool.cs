using System.Diagnostics;

namespace Letterbox.Delivery.Tests.Support;

/// <summary>Runs a real program (Debian's python3 with its libraries, nsd, smtp-sink); a missing one fails the test with its package.</summary>
public static class Tool
{
    /// <summary>Debian's interpreter, whose dist-packages hold python3-dkim and python3-aiosmtpd (a pyenv python3 on PATH would not).</summary>
    public const string Python = "/usr/bin/python3";

    public static string Require(string path, string package)
    {
        if (!File.Exists(path))
            Assert.Fail($"{path} is missing: apt-get install {package}");
        return path;
    }

    public static void RequirePython(string module, string package)
    {
        Require(Python, "python3");
        var (code, _, err) = Run(Python, ["-c", $"import {module}"], TimeSpan.FromSeconds(30));
        if (code != 0)
            Assert.Fail($"python module {module} is missing ({err.Trim()}): apt-get install {package}");
    }

    public static (int Code, string Out, string Err) Run(string file, IReadOnlyList<string> args, TimeSpan timeout, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{file} did not finish within {timeout}");
        }
        return (p.ExitCode, output.Result, error.Result);
    }
}
