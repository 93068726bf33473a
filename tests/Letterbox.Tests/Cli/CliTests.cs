using System.Net;
using System.Net.Sockets;
using Letterbox.Tests.Harness;

namespace Letterbox.Tests.Cli;

/// <summary>
/// The command line as a user meets it: exit codes (0 ok, 1 runtime, 2 usage/config), and a
/// failure is one line that names the problem, never a stack trace.
/// </summary>
public sealed class CliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Tool.Result Letterbox(params string[] args)
    {
        var psi = args.ToList();
        return Tool.Run("/usr/bin/env", [.. LetterboxProcess.PinnedEnvironment().Select(kv => $"{kv.Key}={kv.Value}"), LetterboxProcess.BinaryPath, .. psi]);
    }

    private static void AssertNoStackTrace(Tool.Result r)
    {
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stdout);
    }

    [Fact]
    public void Version_prints_the_version_and_exits_zero()
    {
        var r = Letterbox("version");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"^letterbox \d+\.\d+\.\d+ ", r.Stdout);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("dev", "--port-offset", "many")]
    [InlineData("run", "--no-such-option")]
    public void Usage_errors_exit_two_with_a_hint(params string[] args)
    {
        var r = Letterbox(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error:", r.Stderr);
        Assert.Contains("letterbox --help", r.Stderr);
        AssertNoStackTrace(r);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("dev")]
    [InlineData("config", "check")]
    [InlineData("config", "show")]
    [InlineData("status")]
    [InlineData("version")]
    public void Every_command_has_help(params string[] command)
    {
        var r = Letterbox([.. command, "--help"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Usage:", r.Stdout);
        Assert.Contains("Description:", r.Stdout);
    }

    [Fact]
    public void A_port_in_use_is_one_line_and_exit_one()
    {
        int offset = LetterboxProcess.FreePortOffset();
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, offset + 80));
        squatter.Listen();

        var r = Letterbox("dev", "--data", _dir.Path, "--port-offset", offset.ToString());

        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"error: cannot listen on 127.0.0.1:{offset + 80} (http, tcp): address already in use (another server is on that port)", r.Stderr.Trim());
        AssertNoStackTrace(r);
    }

    [Fact]
    public void A_data_directory_that_cannot_be_written_is_one_line_and_exit_one()
    {
        var file = _dir.File("not-a-directory", "x");
        var r = Letterbox("dev", "--data", Path.Combine(file, "data"), "--port-offset", LetterboxProcess.FreePortOffset().ToString());

        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith($"error: data directory {Path.Combine(file, "data")} is not writable:", r.Stderr.Trim());
        Assert.Single(r.Stderr.Trim().Split('\n'));
        AssertNoStackTrace(r);
    }

    [Fact]
    public void Status_without_a_running_supervisor_says_so()
    {
        var r = Letterbox("status", "--data", _dir.Path);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no supervisor answers at", r.Stderr);
        AssertNoStackTrace(r);
    }

    [Fact]
    public void A_daemon_started_by_hand_refuses_politely()
    {
        var r = Letterbox("daemon", "http", "--data", _dir.Path, "--config-file", "/nonexistent");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("started by `letterbox run` or `letterbox dev`", r.Stderr);
        AssertNoStackTrace(r);
    }

    [Fact]
    public void The_committed_configuration_reference_is_what_the_binary_generates()
    {
        var r = Letterbox("config", "docs");
        Assert.Equal(0, r.ExitCode);
        var committed = File.ReadAllText(Path.Combine(LetterboxProcess.RepoRoot, "docs", "configuration.md"));
        Assert.True(committed == r.Stdout, "docs/configuration.md is stale: run `artifacts/publish/letterbox config docs > docs/configuration.md`");
    }
}
