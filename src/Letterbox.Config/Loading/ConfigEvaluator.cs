namespace Letterbox.Config;

/// <summary>
/// Merges layers over the defaults (a later layer wins key by key), types every value against
/// the schema, applies the cross-key rules and, when nothing is wrong, binds the result.
/// </summary>
internal static class ConfigEvaluator
{
    private sealed record Candidate(ConfigEntry Entry, object? Value, string? Error);

    /// <param name="layers">Lowest precedence first; defaults are implicit below them all.</param>
    /// <param name="sources">Notes on what was consulted, passed through to the result.</param>
    public static ConfigResult Evaluate(IReadOnlyList<ConfigLayer> layers, IReadOnlyList<string> sources)
    {
        var errors = new List<ConfigDiagnostic>();
        var warnings = new List<ConfigDiagnostic>();
        foreach (var diagnostic in layers.SelectMany(l => l.Diagnostics))
        {
            (diagnostic.Severity == DiagnosticSeverity.Error ? errors : warnings).Add(diagnostic);
        }

        var winners = new Dictionary<ConfigKey, Candidate>();
        var overridden = new List<(ConfigKey Key, Candidate Candidate)>();
        foreach (var entry in layers.SelectMany(l => l.Entries))
        {
            if (ConfigSchema.Find(entry.Key) is not { } key)
            {
                ReportUnknown(entry, errors, warnings);
                continue;
            }
            var error = ValueConverter.Convert(key, entry.Value, out var value);
            if (winners.TryGetValue(key, out var previous) && previous.Error is not null)
            {
                overridden.Add((key, previous));
            }
            winners[key] = new Candidate(entry, error is null ? value : null, error);
        }

        var values = new ConfigValues();
        var effective = new List<EffectiveValue>();
        foreach (var key in ConfigSchema.All)
        {
            if (winners.TryGetValue(key, out var winner))
            {
                var origin = winner.Entry.Origin;
                // Valid values are shown normalised, as TOML that would load back; invalid ones as written.
                var display = winner.Error is null ? TomlLiteral.FromTyped(key, winner.Value!) : winner.Entry.Value.ToToml();
                effective.Add(new EffectiveValue(key.Name, key.Secret ? EffectiveValue.Mask : display, origin.ToString(), key.Secret));
                if (winner.Error is not null)
                {
                    errors.Add(ConfigDiagnostic.Error(key.Name, origin.ToString(), winner.Error));
                    values.SetInvalid(key, origin);
                }
                else
                {
                    values.Set(key, winner.Value!, origin);
                }
            }
            else if (key.Default is { } flatDefault)
            {
                if (ValueConverter.Convert(key, RawValue.Flat(flatDefault), out var value) is { } schemaBug)
                {
                    throw new InvalidOperationException($"schema default of {key.Name} is invalid: {schemaBug}");
                }
                values.Set(key, value, ConfigOrigin.Default);
                effective.Add(new EffectiveValue(key.Name, key.Secret ? EffectiveValue.Mask : TomlLiteral.FromTyped(key, value),
                    ConfigOrigin.Default.Source, key.Secret));
            }
            else
            {
                effective.Add(new EffectiveValue(key.Name, EffectiveValue.NotSet, ConfigOrigin.Default.Source, false));
                if (key.Required)
                {
                    errors.Add(ConfigDiagnostic.Error(key.Name, null,
                        $"required but not set (for example: {key.Name} = {TomlLiteral.FromFlat(key, key.Example)})"));
                }
            }
        }

        foreach (var (key, candidate) in overridden)
        {
            warnings.Add(ConfigDiagnostic.Warning(key.Name, candidate.Entry.Origin.ToString(),
                $"{candidate.Error} (ignored: overridden by {winners[key].Entry.Origin})"));
        }

        CrossKeyRules.Check(values, errors, warnings);
        var config = errors.Count == 0 ? ConfigBinder.Bind(values) : null;
        return new ConfigResult(config, errors, warnings, effective, sources, EffectiveToml(values));
    }

    private static string EffectiveToml(ConfigValues values)
    {
        var toml = new System.Text.StringBuilder("# Effective Letterbox configuration, merged from every source.\n");
        foreach (var key in ConfigSchema.All)
        {
            if (values.TryGetObject(key, out var value, out var origin))
            {
                toml.Append(key.Name).Append(" = ").Append(TomlLiteral.FromTyped(key, value)).Append("  # ").Append(origin).Append('\n');
            }
        }
        return toml.ToString();
    }

    private static void ReportUnknown(ConfigEntry entry, List<ConfigDiagnostic> errors, List<ConfigDiagnostic> warnings)
    {
        var source = entry.Origin.ToString();
        if (KeyNames.IsInlineSecret(entry.Key))
        {
            // Inline secrets end up in user-data, tags and world-readable files; refuse them.
            var instead = KeyNames.FileReferenceFor(entry.Key);
            var fix = instead is null
                ? "write the secret to a file readable only by root and set the matching *_file key to its path"
                : $"write the secret to a file readable only by root and set {instead.Name} to its path";
            errors.Add(ConfigDiagnostic.Error(entry.Key, source, $"secrets must be given as a file reference, not inline: {fix}"));
            return;
        }
        var nearest = KeyNames.Nearest(entry.Key);
        var hint = nearest is null ? "" : $" (did you mean {nearest.Name}?)";
        warnings.Add(ConfigDiagnostic.Warning(entry.Key, source, $"unknown key {entry.Key}{hint}"));
    }
}
