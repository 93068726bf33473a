using Letterbox.Config;
using Letterbox.Net.Tls;

namespace Letterbox.Cli;

/// <summary>`letterbox config check|show|docs`.</summary>
public static class ConfigCommands
{
    /// <summary>Every problem on its own line; exit 0 when valid (warnings allowed), 2 when not.</summary>
    public static async Task<int> CheckAsync(string? file, CancellationToken ct)
    {
        ConfigResult result;
        if (file is not null)
        {
            if (!File.Exists(file))
                throw new CliException(ExitCodes.UsageOrConfig, $"{file}: no such file");
            result = ConfigLoader.CheckFile(file);
        }
        else
        {
            result = await ConfigLoader.LoadAsync(ConfigBridge.ApplianceSources(null), ct);
        }
        foreach (var d in result.Diagnostics)
            Console.Error.WriteLine(d.ToString());
        if (!result.IsValid)
            return ExitCodes.UsageOrConfig;
        // The operator's own certificate: the config can be right and the files still unusable.
        if (result.Config!.Tls is { Mode: TlsMode.Files, CertFile: { } cert, KeyFile: { } key })
        {
            var problems = CertificateFiles.Check(cert, key, DateTimeOffset.UtcNow);
            foreach (var problem in problems)
                Console.Error.WriteLine($"error: tls: {problem}");
            if (problems.Count > 0)
                return ExitCodes.UsageOrConfig;
        }
        Console.WriteLine($"ok: {(file ?? string.Join(", ", result.Sources))} is a valid configuration" +
                          (result.Warnings.Count > 0 ? $" ({result.Warnings.Count} warning{(result.Warnings.Count == 1 ? "" : "s")})" : ""));
        return ExitCodes.Ok;
    }

    /// <summary>Each key, its value (secrets masked) and the source it came from.</summary>
    public static async Task<int> ShowAsync(bool dev, string? configFile, CancellationToken ct)
    {
        var sources = dev ? ConfigBridge.DevSources(null, configFile) : ConfigBridge.ApplianceSources(configFile);
        var result = await ConfigLoader.LoadAsync(sources, ct);
        foreach (var d in result.Diagnostics)
            Console.Error.WriteLine(d.ToString());
        Console.WriteLine($"# sources: {string.Join(", ", result.Sources)}");
        foreach (var value in result.EffectiveValues)
            Console.WriteLine(value.ToString());
        return result.IsValid ? ExitCodes.Ok : ExitCodes.UsageOrConfig;
    }

    public static int Docs()
    {
        Console.Out.Write(ConfigDocs.Markdown());
        return ExitCodes.Ok;
    }
}
