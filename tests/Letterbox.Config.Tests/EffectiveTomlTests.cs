namespace Letterbox.Config.Tests;

public class EffectiveTomlTests
{
    [Fact]
    public void Effective_toml_loads_back_to_the_same_configuration()
    {
        // Values from flat text (tags) must come back typed: "300" from a tag is 300 in TOML.
        var file = Toml.Layer(SchemaTests.AllExamples(), "all.toml");
        var tags = FlatKeyReader.ReadTags(new Dictionary<string, string>
        {
            ["letterbox:smtp:max_recipients"] = "300",
            ["letterbox:smtp:max_message_size"] = "1000000",
            ["letterbox:dns:enabled"] = "yes",
            ["letterbox:dns:resolvers"] = "192.0.2.53, [2001:db8::53]:5353",
            ["letterbox:smtp:command_timeout"] = "1h",
        });
        var original = ConfigLoader.Evaluate([file, tags]);
        Assert.True(original.IsValid, original.Diagnostics.Lines());

        var reloaded = ConfigLoader.CheckText(original.EffectiveToml, "effective.toml");

        Assert.True(reloaded.IsValid, reloaded.Diagnostics.Lines() + "\n" + original.EffectiveToml);
        Assert.Empty(reloaded.Warnings);
        Assert.Equal(original.EffectiveValues.Select(e => e.Display), reloaded.EffectiveValues.Select(e => e.Display));
        Assert.Equal(300, reloaded.Config.Smtp.MaxRecipients);
        Assert.Equal(1000000, reloaded.Config.Smtp.MaxMessageSize);
        Assert.True(reloaded.Config.Dns.Enabled);
        Assert.Equal([new HostEndpoint("192.0.2.53", 53), new HostEndpoint("2001:db8::53", 5353)], reloaded.Config.Dns.Resolvers);
        Assert.Equal(TimeSpan.FromHours(1), reloaded.Config.Smtp.CommandTimeout);
        Assert.Equal("/etc/letterbox/secrets/relay-password", reloaded.Config.Relay!.PasswordFile);
        Assert.Contains("smtp.max_recipients = 300  # ec2 tag letterbox:smtp:max_recipients", original.EffectiveToml, StringComparison.Ordinal);
    }

    [Fact]
    public void Effective_toml_of_defaults_only_lists_what_has_a_value()
    {
        var result = Toml.Evaluate(Toml.Minimal);
        Assert.Contains("network.listen = [\"0.0.0.0\", \"::\"]  # default", result.EffectiveToml, StringComparison.Ordinal);
        Assert.DoesNotContain("relay.host", result.EffectiveToml, StringComparison.Ordinal);
    }
}
