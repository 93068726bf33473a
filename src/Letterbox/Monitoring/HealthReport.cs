using System.Text.Json.Serialization;

namespace Letterbox.Monitoring;

/// <summary>What /healthz answers and `letterbox status` prints: the supervisor's view of every daemon.</summary>
public sealed record HealthReport(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("uptime_seconds")] double UptimeSeconds,
    [property: JsonPropertyName("daemons")] Dictionary<string, DaemonHealth> Daemons)
{
    [JsonIgnore]
    public bool AllHealthy => Daemons.Values.All(d => d.Healthy);
}

public sealed record DaemonHealth(
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("healthy")] bool Healthy,
    [property: JsonPropertyName("pid")] int? Pid,
    [property: JsonPropertyName("restarts")] int Restarts,
    [property: JsonPropertyName("uptime_seconds")] double UptimeSeconds,
    [property: JsonPropertyName("last_exit")] string? LastExit,
    [property: JsonPropertyName("listeners")] List<string> Listeners);

/// <summary>Source-generated JSON: no reflection, so the AOT binary serializes exactly these types.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(HealthReport))]
internal sealed partial class MonitoringJson : JsonSerializerContext;
