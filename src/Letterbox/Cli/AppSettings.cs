using System.Net;
using Letterbox.Logging;

namespace Letterbox.Cli;

/// <summary>
/// The part of the configuration the supervisor and the daemons act on, taken from the
/// validated config (see <see cref="ConfigBridge"/>), so the rest of the executable does not
/// depend on how the config library names things.
/// </summary>
public sealed record AppSettings
{
    public required string Hostname { get; init; }
    public required IReadOnlyList<string> Domains { get; init; }
    public required IReadOnlyList<IPAddress> ListenAddresses { get; init; }
    public required int PortOffset { get; init; }
    public required IReadOnlyList<string> EnabledDaemons { get; init; }
    public required string User { get; init; }
    public required IReadOnlyList<IPNetwork> MonitoringAllow { get; init; }
    public required LogLevel LogLevel { get; init; }

    /// <summary>The effective configuration as a TOML document the daemons load again; holds no secrets (the schema only has file references).</summary>
    public required string EffectiveToml { get; init; }
}
