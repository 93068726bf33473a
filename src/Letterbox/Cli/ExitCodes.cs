namespace Letterbox.Cli;

/// <summary>What `letterbox` returns, as documented in `letterbox --help` and the README.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Something failed while running: a port in use, a data directory that cannot be written.</summary>
    public const int RuntimeFailure = 1;
    /// <summary>The command line or the configuration is wrong; nothing was started.</summary>
    public const int UsageOrConfig = 2;
}

/// <summary>A failure to report as one line and an exit code, never as a stack trace.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
