namespace Letterbox.Config.Tests;

public class DocsTests
{
    [Fact]
    public void Committed_configuration_md_matches_the_schema()
    {
        var path = Path.Combine(RepoRoot(), "docs", "configuration.md");
        var generated = ConfigDocs.Markdown();
        if (Environment.GetEnvironmentVariable("LETTERBOX_WRITE_DOCS") == "1")
        {
            File.WriteAllText(path, generated);
        }
        Assert.True(File.Exists(path), $"{path} is missing: run LETTERBOX_WRITE_DOCS=1 dotnet test tests/Letterbox.Config.Tests");
        var committed = File.ReadAllText(path);
        Assert.True(committed == generated,
            "docs/configuration.md differs from ConfigDocs.Markdown(): run LETTERBOX_WRITE_DOCS=1 dotnet test tests/Letterbox.Config.Tests and commit the result");
    }

    [Fact]
    public void Markdown_documents_every_key_and_the_sources()
    {
        var md = ConfigDocs.Markdown();
        foreach (var key in ConfigSchema.All)
        {
            Assert.Contains($"### `{key.Name}`", md, StringComparison.Ordinal);
            Assert.Contains(key.Doc, md, StringComparison.Ordinal);
        }
        foreach (var source in new[] { "/etc/letterbox/letterbox.toml", "/vagrant/letterbox.toml", "/run/letterbox/config-disk/letterbox.toml", "LBCONFIG", "user-data", "letterbox:smtp:max_message_size", "--config FILE" })
        {
            Assert.Contains(source, md, StringComparison.Ordinal);
        }
        Assert.Contains(ConfigDocs.SampleToml(), md, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sample_file_is_valid_without_warnings()
    {
        var result = Toml.Evaluate(ConfigDocs.SampleToml(), "letterbox.toml");
        Assert.True(result.IsValid, result.Diagnostics.Lines());
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void Uncommenting_every_line_of_the_sample_gives_a_valid_file()
    {
        // The commented lines show defaults and examples; together they must still make sense.
        var uncommented = string.Join('\n', ConfigDocs.SampleToml().Split('\n')
            .Select(l => System.Text.RegularExpressions.Regex.IsMatch(l, "^# [a-z0-9_]+ = ") ? l[2..] : l)
            .Where(l => !l.StartsWith('#')));
        var layer = Toml.Layer(uncommented, "letterbox.toml");
        Assert.Equal(ConfigSchema.All.Count, layer.Entries.Count);
        var result = ConfigLoader.Evaluate([layer]);
        // Every value is individually valid; the only complaints allowed are cross-key ones about
        // keys that go together (backup/tls files set while off), which are warnings or "required when".
        Assert.DoesNotContain(result.Errors, e => !e.Message.StartsWith("required when", StringComparison.Ordinal));
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Letterbox.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("no Letterbox.slnx above " + AppContext.BaseDirectory);
    }
}
