using System.Diagnostics;

namespace Letterbox.Tests.Harness;

/// <summary>
/// Runs a real client that nobody here wrote (curl, python3, openssl...). A missing tool fails
/// the test with the package to install; it never skips.
/// </summary>
public static class Tool
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(string tool, IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null)
    {
        var psi = new ProcessStartInfo(Require(tool))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', args)} did not finish");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static string Require(string tool)
    {
        if (tool.StartsWith('/'))
            return File.Exists(tool) ? tool : throw new InvalidOperationException($"{tool} is missing: run the README's test command, which installs it");
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            var path = Path.Combine(dir, tool);
            if (File.Exists(path))
                return path;
        }
        throw new InvalidOperationException($"{tool} is missing: run the README's test command, which installs it");
    }

    /// <summary>curl against loopback; returns (HTTP status, body).</summary>
    public static (int Status, string Body) Curl(string url, params string[] extra)
    {
        var r = Run("curl", [.. extra, "--silent", "--show-error", "--max-time", "30", "--write-out", "\n%{http_code}", url]);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"curl {url} failed ({r.ExitCode}): {r.Stderr}");
        int nl = r.Stdout.LastIndexOf('\n');
        return (int.Parse(r.Stdout[(nl + 1)..]), r.Stdout[..nl]);
    }
}
