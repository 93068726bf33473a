using Letterbox.Config;

namespace Letterbox.Cli;

/// <summary>
/// Where each mode takes its configuration from, and how a result becomes a start or an exit
/// code: every diagnostic is printed as its own line, and an invalid config starts nothing.
/// </summary>
public static class ConfigBridge
{
    /// <summary>
    /// The appliance's sources. Three environment variables replace its fixed paths, for tests and
    /// unusual installs: LETTERBOX_ETC_CONFIG (a file), LETTERBOX_VAGRANT_CONFIG (files separated
    /// by ':'), LETTERBOX_IMDS_ENDPOINT (a URL, or "off" to skip EC2 metadata).
    /// </summary>
    public static ConfigSources ApplianceSources(string? configFile)
    {
        var sources = ConfigSources.Appliance(configFile);
        if (Environment.GetEnvironmentVariable("LETTERBOX_ETC_CONFIG") is { Length: > 0 } etc)
            sources = sources with { EtcFile = etc };
        if (Environment.GetEnvironmentVariable("LETTERBOX_VAGRANT_CONFIG") is { Length: > 0 } vagrant)
            sources = sources with { VagrantFiles = vagrant.Split(':', StringSplitOptions.RemoveEmptyEntries) };
        if (Environment.GetEnvironmentVariable("LETTERBOX_IMDS_ENDPOINT") is { Length: > 0 } imds)
        {
            if (imds == "off")
                sources = sources with { ImdsEndpoint = null };
            else if (Uri.TryCreate(imds, UriKind.Absolute, out var uri))
                sources = sources with { ImdsEndpoint = uri };
            else
                throw new CliException(ExitCodes.UsageOrConfig, $"LETTERBOX_IMDS_ENDPOINT: '{imds}' is neither a URL nor \"off\"");
        }
        return sources;
    }

    public static ConfigSources DevSources(int? portOffset, string? configFile)
    {
        var sources = ConfigSources.Dev(configFile);
        if (portOffset is { } offset)
        {
            var layer = TomlDocumentReader.Read($"[network]\nport_offset = {offset}\n", "--port-offset");
            sources = sources with { ExtraLayers = [.. sources.ExtraLayers, layer] };
        }
        return sources;
    }

    /// <summary>Loads, prints warnings, and on any error prints them all and stops with exit code 2.</summary>
    public static async Task<ConfigResult> LoadValidAsync(ConfigSources sources, CancellationToken ct)
    {
        var result = await ConfigLoader.LoadAsync(sources, ct);
        return RequireValid(result);
    }

    public static ConfigResult RequireValid(ConfigResult result)
    {
        foreach (var d in result.Diagnostics)
            Console.Error.WriteLine(d.ToString());
        if (!result.IsValid)
            throw new CliException(ExitCodes.UsageOrConfig,
                $"the configuration has {result.Errors.Count} error{(result.Errors.Count == 1 ? "" : "s")}; nothing was started");
        return result;
    }

    /// <summary>A daemon's config: the effective TOML its supervisor wrote, already validated once.</summary>
    public static LetterboxConfig LoadDaemonFile(string path)
    {
        var result = ConfigLoader.CheckFile(path);
        return result.Config ?? throw new CliException(ExitCodes.UsageOrConfig,
            $"{path}: {string.Join("; ", result.Errors.Select(e => e.ToString()))}");
    }
}
