using System.Diagnostics.CodeAnalysis;

namespace Letterbox.Config;

/// <summary>One line of <c>letterbox config show</c>.</summary>
/// <param name="Key">Dotted key.</param>
/// <param name="Display">The value as TOML (normalised when valid, as written when not), "********" for a secret, or "(not set)".</param>
/// <param name="Source">Where it came from: "file:line", "ec2 tag ...", "default"...</param>
/// <param name="IsSecret">Whether <paramref name="Display"/> was masked.</param>
public sealed record EffectiveValue(string Key, string Display, string Source, bool IsSecret)
{
    /// <summary>The text shown for a key without a value.</summary>
    public const string NotSet = "(not set)";

    /// <summary>The text shown instead of a secret.</summary>
    public const string Mask = "********";

    /// <summary>"key = value  # source".</summary>
    public override string ToString() => $"{Key} = {Display}  # {Source}";
}

/// <summary>
/// The outcome of loading: the typed configuration when there is no error, every diagnostic,
/// and the effective value of every key with its source. Bad input never throws; it lands here.
/// </summary>
public sealed class ConfigResult
{
    internal ConfigResult(LetterboxConfig? config, IReadOnlyList<ConfigDiagnostic> errors,
        IReadOnlyList<ConfigDiagnostic> warnings, IReadOnlyList<EffectiveValue> effectiveValues, IReadOnlyList<string> sources,
        string effectiveToml)
    {
        EffectiveToml = effectiveToml;
        Config = config;
        Errors = errors;
        Warnings = warnings;
        EffectiveValues = effectiveValues;
        Sources = sources;
    }

    /// <summary>The configuration; null when there is any error.</summary>
    public LetterboxConfig? Config { get; }

    /// <summary>Problems that stop the appliance from starting.</summary>
    public IReadOnlyList<ConfigDiagnostic> Errors { get; }

    /// <summary>Problems that do not (unknown keys, ignored values...).</summary>
    public IReadOnlyList<ConfigDiagnostic> Warnings { get; }

    /// <summary>Every schema key, in documentation order, with its value (secrets masked) and source.</summary>
    public IReadOnlyList<EffectiveValue> EffectiveValues { get; }

    /// <summary>
    /// The sources consulted, lowest precedence first, each with a note when absent
    /// ("ec2 metadata: not available (connection refused)"), for the boot log.
    /// </summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>
    /// Every key with a valid value as one TOML document (dotted keys, a comment naming each source)
    /// that loads back to the same configuration: what the supervisor hands to its daemons so that
    /// they never re-read user-data or tags. Not masked, which is safe because no key holds a
    /// secret, only paths to files that do.
    /// </summary>
    public string EffectiveToml { get; }

    /// <summary>True when there is no error and <see cref="Config"/> is set.</summary>
    [MemberNotNullWhen(true, nameof(Config))]
    public bool IsValid => Config is not null;

    /// <summary>Errors then warnings, one line each.</summary>
    public IEnumerable<ConfigDiagnostic> Diagnostics => Errors.Concat(Warnings);

    /// <summary>The effective value of one key.</summary>
    public EffectiveValue? Effective(string key) => EffectiveValues.FirstOrDefault(e => e.Key == key);
}
