using System.Text.Json;
using System.Text.Json.Serialization;

namespace Letterbox.Acme;

/// <summary>What the renewer remembers about one certificate between runs (for backoff and `letterbox cert status`).</summary>
public sealed record KindState(
    [property: JsonPropertyName("failures")] int Failures,
    [property: JsonPropertyName("next_attempt")] DateTime? NextAttempt,
    [property: JsonPropertyName("last_error")] string? LastError,
    [property: JsonPropertyName("last_attempt")] DateTime? LastAttempt,
    [property: JsonPropertyName("last_issued")] DateTime? LastIssued);

/// <summary>&lt;data&gt;/acme/state.json: per certificate kind, and the account URL once known.</summary>
public sealed record RenewalState(
    [property: JsonPropertyName("account")] string? Account,
    [property: JsonPropertyName("directory")] string? Directory,
    [property: JsonPropertyName("kinds")] Dictionary<string, KindState> Kinds)
{
    public static RenewalState Empty => new(null, null, []);

    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, "acme", "state.json");

    public static RenewalState Load(string dataDirectory)
    {
        var path = PathIn(dataDirectory);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), RenewalStateJson.Default.RenewalState) ?? Empty : Empty;
        }
        catch (JsonException)
        {
            return Empty; // a damaged state file only costs an early attempt
        }
    }

    public void Save(string dataDirectory)
    {
        var path = PathIn(dataDirectory);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path + ".tmp", JsonSerializer.SerializeToUtf8Bytes(this, RenewalStateJson.Default.RenewalState));
        File.Move(path + ".tmp", path, overwrite: true);
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RenewalState))]
internal sealed partial class RenewalStateJson : JsonSerializerContext;
