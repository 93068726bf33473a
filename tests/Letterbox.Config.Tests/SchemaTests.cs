namespace Letterbox.Config.Tests;

public class SchemaTests
{
    public static TheoryData<string> KeyNames() => [.. ConfigSchema.All.Select(k => k.Name)];

    [Fact]
    public void Key_names_are_unique_lower_case_and_at_most_one_section_deep()
    {
        Assert.Equal(ConfigSchema.All.Count, ConfigSchema.All.Select(k => k.Name).Distinct().Count());
        foreach (var key in ConfigSchema.All)
        {
            Assert.Matches("^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)?$", key.Name);
            Assert.Same(key, ConfigSchema.Find(key.Name));
        }
    }

    [Fact]
    public void No_key_holds_a_secret_inline()
    {
        // The rule the brief states: a last part naming a password, secret or key must be a *_file or *_hash.
        var offenders = ConfigSchema.All.Where(k => Config.KeyNames.IsInlineSecret(k.Name)).Select(k => k.Name).ToList();
        Assert.Empty(offenders);
    }

    [Theory]
    [InlineData("relay.password", true)]
    [InlineData("relay.password_file", false)]
    [InlineData("admin.password_hash", false)]
    [InlineData("tls.key", true)]
    [InlineData("backup.api_secret", true)]
    [InlineData("dkim.private_key", true)]
    [InlineData("smtp.max_message_size", false)]
    public void Inline_secret_rule(string key, bool inline) => Assert.Equal(inline, Config.KeyNames.IsInlineSecret(key));

    [Fact]
    public void Top_level_keys_come_first_and_sections_are_contiguous()
    {
        // The sample TOML relies on this: a top-level key after a [table] would land inside the table.
        var sections = ConfigSchema.All.Select(k => k.Section).ToList();
        var firstSectioned = sections.FindIndex(s => s.Length > 0);
        Assert.DoesNotContain("", sections.Skip(firstSectioned));
        var runs = sections.Where((s, i) => i == 0 || sections[i - 1] != s).ToList();
        Assert.Equal(runs.Count, runs.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(KeyNames))]
    public void Each_key_is_documented_and_consistent(string name)
    {
        var key = ConfigSchema.Find(name)!;
        Assert.False(string.IsNullOrWhiteSpace(key.Doc));
        Assert.False(string.IsNullOrWhiteSpace(key.Example));
        Assert.False(key.Required && key.Default is not null, "a required key must not have a default");
        Assert.Equal(key.Type is ConfigType.Enum, key.Allowed.Count > 0 && !key.IsList);
    }

    [Theory]
    [MemberData(nameof(KeyNames))]
    public void Default_and_example_are_valid_both_as_flat_text_and_as_toml(string name)
    {
        var key = ConfigSchema.Find(name)!;
        foreach (var flat in new[] { key.Default, key.Example }.OfType<string>())
        {
            var fromFlat = ConfigLoader.Evaluate([Toml.Layer(Toml.Minimal), new ConfigLayer("flat", [new(key.Name, RawValue.Flat(flat), new("flat"))])]);
            var minimalWithoutKey = string.Concat(Toml.Minimal.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(l => !l.StartsWith(key.Name + " =", StringComparison.Ordinal)).Select(l => l + "\n"));
            var fromToml = Toml.Evaluate(minimalWithoutKey + $"{key.Name} = {TomlLiteralOf(key, flat)}\n");
            foreach (var result in new[] { fromFlat, fromToml })
            {
                var typeErrors = result.Errors.Where(e => e.Key == key.Name && !e.Message.StartsWith("required when", StringComparison.Ordinal));
                Assert.True(!typeErrors.Any(), $"{key.Name} = {flat}: {typeErrors.Lines()}");
            }
        }
    }

    [Fact]
    public void Every_key_is_bound_into_the_typed_configuration()
    {
        // Set every key to its example; every effective value must then come from the document,
        // and the bound record must reflect a few of them (a forgotten binding would show the default).
        var result = Toml.Evaluate(AllExamples(), "all.toml");
        Assert.True(result.IsValid, result.Diagnostics.Lines());
        Assert.All(result.EffectiveValues, e => Assert.StartsWith("all.toml", e.Source, StringComparison.Ordinal));
        var c = result.Config;
        Assert.Equal("mail.example.com", c.Hostname);
        Assert.Equal(["example.com", "example.org"], c.Domains);
        Assert.Equal(10000, c.Network.PortOffset);
        Assert.Equal(TlsMode.Files, c.Tls.Mode);
        Assert.Equal(50L * 1024 * 1024, c.Smtp.MaxMessageSize);
        Assert.Equal(500, c.Smtp.MaxRecipients);
        Assert.Equal(TimeSpan.FromMinutes(10), c.Smtp.CommandTimeout);
        Assert.Equal("smtp.relay.example.net", c.Relay!.Host.Host);
        Assert.Equal("/etc/letterbox/secrets/relay-password", c.Relay.PasswordFile);
        Assert.False(c.Dns.Enabled);
        Assert.Equal(BackupSchedule.Hourly, c.Backup.Schedule);
        Assert.Equal(30, c.Backup.Keep);
        Assert.Equal([Daemon.Smtp, Daemon.Imap, Daemon.Http], c.Daemons.Enabled);
        Assert.Equal(3, c.Monitoring.Allow.Count);
        Assert.Equal(LogSeverity.Debug, c.Log.Level);
        Assert.Equal("https://acme-staging-v02.api.letsencrypt.org/directory", c.Tls.AcmeDirectory.ToString());
        Assert.Equal("/etc/letterbox/secrets/acme-eab-hmac", c.Tls.AcmeEabHmacKeyFile);
    }

    /// <summary>A document that sets every key to its example, with dotted keys at top level.</summary>
    internal static string AllExamples() =>
        string.Concat(ConfigSchema.All.Select(k => $"{k.Name} = {TomlLiteralOf(k, k.Example)}\n"));

    private static string TomlLiteralOf(ConfigKey key, string flat) =>
        key.IsList
            ? "[" + string.Join(", ", flat.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(RawValue.Quote)) + "]"
            : key.Type is ConfigType.Bool or ConfigType.Int ? flat : RawValue.Quote(flat);
}
