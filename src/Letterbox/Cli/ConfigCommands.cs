namespace Letterbox.Cli;

public static class ConfigCommands
{
    public static Task<int> CheckAsync(string? file, CancellationToken ct) => Task.FromResult(0);
    public static Task<int> ShowAsync(bool dev, string? configFile, CancellationToken ct) => Task.FromResult(0);
    public static int Docs() => 0;
}
