namespace Letterbox.Config;

/// <summary>How bad a diagnostic is: errors stop the appliance from starting, warnings do not.</summary>
public enum DiagnosticSeverity
{
    /// <summary>The configuration cannot be used.</summary>
    Error,
    /// <summary>The configuration is usable but something in it is probably a mistake.</summary>
    Warning,
}

/// <summary>
/// One problem, printed on one line as <c>error: &lt;key&gt; (&lt;source&gt;): &lt;what is wrong&gt;</c>
/// so that an operator reading a boot log or a CI log sees key, place and fix together.
/// </summary>
public sealed record ConfigDiagnostic
{
    /// <summary>Builds a diagnostic; line breaks in the message are folded so it stays one line.</summary>
    public ConfigDiagnostic(DiagnosticSeverity severity, string? key, string? source, string message)
    {
        Severity = severity;
        Key = key;
        Source = source;
        Message = message.ReplaceLineEndings(" ");
    }

    /// <summary>Error or warning.</summary>
    public DiagnosticSeverity Severity { get; }

    /// <summary>The dotted key concerned, or null for a problem with a whole document.</summary>
    public string? Key { get; }

    /// <summary>Where the problem was written ("file:line", "ec2 tag ..."), or null when nowhere.</summary>
    public string? Source { get; }

    /// <summary>What is wrong, and where possible how to fix it.</summary>
    public string Message { get; }

    /// <summary>An error.</summary>
    public static ConfigDiagnostic Error(string? key, string? source, string message) =>
        new(DiagnosticSeverity.Error, key, source, message);

    /// <summary>A warning.</summary>
    public static ConfigDiagnostic Warning(string? key, string? source, string message) =>
        new(DiagnosticSeverity.Warning, key, source, message);

    /// <summary>The one-line form.</summary>
    public override string ToString()
    {
        var severity = Severity == DiagnosticSeverity.Error ? "error" : "warning";
        return (Key, Source) switch
        {
            (not null, not null) => $"{severity}: {Key} ({Source}): {Message}",
            (not null, null) => $"{severity}: {Key}: {Message}",
            (null, not null) => $"{severity}: {Source}: {Message}",
            _ => $"{severity}: {Message}",
        };
    }
}
