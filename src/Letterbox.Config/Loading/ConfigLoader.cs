namespace Letterbox.Config;

/// <summary>The entry point: reads every source, merges them by precedence and validates the result.</summary>
public static class ConfigLoader
{
    /// <summary>
    /// Loads the configuration from <paramref name="sources"/>. Bad input never throws: the result
    /// carries the diagnostics, and <see cref="ConfigResult.Config"/> is null when any is an error.
    /// </summary>
    public static async Task<ConfigResult> LoadAsync(ConfigSources sources, CancellationToken ct = default)
    {
        var layers = new List<ConfigLayer>();
        var notes = new List<string> { "default" };

        Ec2Metadata? ec2 = null;
        if (sources.ImdsEndpoint is { } endpoint)
        {
            using var imds = new ImdsClient(endpoint, sources.ImdsTimeout);
            ec2 = await imds.FetchAsync(ct).ConfigureAwait(false);
            switch (ec2.Status)
            {
                case Ec2MetadataStatus.Available:
                    layers.Add(Ec2Layers.Metadata(ec2));
                    notes.Add(Ec2Layers.MetadataSource);
                    break;
                case Ec2MetadataStatus.Absent:
                    notes.Add($"{Ec2Layers.MetadataSource}: not available ({ec2.Detail})");
                    break;
            }
        }

        foreach (var extra in sources.ExtraLayers)
        {
            layers.Add(extra);
            notes.Add(extra.Name);
        }

        if (sources.EtcFile is { } etc)
        {
            AddFileIfPresent(etc, layers, notes);
        }

        if (sources.VagrantFiles.FirstOrDefault(File.Exists) is { } vagrant)
        {
            layers.Add(ReadFile(vagrant));
            notes.Add(vagrant);
        }

        if (ec2 is { Status: Ec2MetadataStatus.Failed })
        {
            layers.Add(ConfigLayer.Failed(Ec2Layers.MetadataSource,
                ConfigDiagnostic.Error(null, Ec2Layers.MetadataSource, $"the EC2 metadata service misbehaved: {ec2.Detail}")));
            notes.Add($"{Ec2Layers.MetadataSource}: failed");
        }
        else if (ec2 is { Status: Ec2MetadataStatus.Available })
        {
            if (Ec2Layers.UserData(ec2) is { } userData)
            {
                layers.Add(userData);
                notes.Add(Ec2Layers.UserDataSource);
            }
            layers.Add(Ec2Layers.Tags(ec2));
            notes.Add(ec2.TagsEnabled ? "ec2 tags" : "ec2 tags: not available (tags are not enabled in instance metadata)");
        }

        if (sources.ExplicitFile is { } explicitFile)
        {
            layers.Add(File.Exists(explicitFile)
                ? ReadFile(explicitFile)
                : ConfigLayer.Failed(explicitFile, ConfigDiagnostic.Error(null, explicitFile, "config file not found")));
            notes.Add(explicitFile);
        }

        return ConfigEvaluator.Evaluate(layers, notes);
    }

    /// <summary>
    /// For <c>letterbox config check FILE</c>: that one file over the defaults, nothing else,
    /// with every diagnostic.
    /// </summary>
    public static ConfigResult CheckFile(string path)
    {
        var layer = File.Exists(path)
            ? ReadFile(path)
            : ConfigLayer.Failed(path, ConfigDiagnostic.Error(null, path, "config file not found"));
        return ConfigEvaluator.Evaluate([layer], ["default", path]);
    }

    /// <summary>One TOML document over the defaults, e.g. a <see cref="ConfigResult.EffectiveToml"/> handed to a daemon.</summary>
    public static ConfigResult CheckText(string toml, string source) =>
        Evaluate([TomlDocumentReader.Read(toml, source)]);

    /// <summary>Validates layers given directly (tests, or a caller with its own sources), lowest precedence first.</summary>
    public static ConfigResult Evaluate(IReadOnlyList<ConfigLayer> layers) =>
        ConfigEvaluator.Evaluate(layers, ["default", .. layers.Select(l => l.Name)]);

    /// <summary>Reads a TOML config file into a layer; an unreadable file becomes an error in the layer.</summary>
    public static ConfigLayer ReadFile(string path)
    {
        try
        {
            return TomlDocumentReader.Read(File.ReadAllText(path), path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ConfigLayer.Failed(path, ConfigDiagnostic.Error(null, path, $"cannot read config file: {e.Message}"));
        }
    }

    private static void AddFileIfPresent(string path, List<ConfigLayer> layers, List<string> notes)
    {
        if (File.Exists(path))
        {
            layers.Add(ReadFile(path));
            notes.Add(path);
        }
        else
        {
            notes.Add($"{path}: not present");
        }
    }
}
