namespace Letterbox.Config.Tests;

/// <summary>Shorthands for building layers and results in tests.</summary>
internal static class Toml
{
    /// <summary>The least a valid configuration needs.</summary>
    public const string Minimal = "hostname = \"mail.example.com\"\ndomains = [\"example.com\"]\n";

    public static ConfigLayer Layer(string text, string source = "test.toml") => TomlDocumentReader.Read(text, source);

    /// <summary>Evaluates a document over the defaults.</summary>
    public static ConfigResult Evaluate(string text, string source = "test.toml") => ConfigLoader.Evaluate([Layer(text, source)]);

    /// <summary>Evaluates <see cref="Minimal"/> plus more lines.</summary>
    public static ConfigResult WithMinimal(string more) => Evaluate(Minimal + more);

    public static string Lines(this IEnumerable<ConfigDiagnostic> diagnostics) => string.Join("\n", diagnostics);
}
