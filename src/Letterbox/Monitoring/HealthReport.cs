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
    /// <summary>The certificate the TLS listeners serve; null when there is none yet.</summary>
    [JsonPropertyName("tls")]
    public TlsHealth? Tls { get; init; }

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

/// <summary>
/// Which certificate is served: "self-signed" (until ACME has issued one, or by choice), "acme" or
/// "files", with its subject and expiry, so a remote monitor sees a certificate clients will warn about.
/// </summary>
public sealed record TlsHealth(
    [property: JsonPropertyName("certificate")] string Certificate,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("not_after")] DateTimeOffset NotAfter);

/// <summary>Source-generated JSON: no reflection, so the AOT binary serializes exactly these types.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(HealthReport))]
internal sealed partial class MonitoringJson : JsonSerializerContext;
