namespace Letterbox.Config.Tests;

public class EffectiveValueTests
{
    [Fact]
    public void Every_key_is_shown_in_schema_order_with_its_source()
    {
        var result = Toml.WithMinimal("[smtp]\nmax_message_size = \"50M\"\n");
        Assert.Equal(ConfigSchema.All.Select(k => k.Name), result.EffectiveValues.Select(e => e.Key));

        Assert.Equal(new EffectiveValue("smtp.max_message_size", "\"50M\"", "test.toml:4", false), result.Effective("smtp.max_message_size"));
        Assert.Equal(new EffectiveValue("domains", "[\"example.com\"]", "test.toml:2", false), result.Effective("domains"));
        Assert.Equal(new EffectiveValue("smtp.max_recipients", "100", "default", false), result.Effective("smtp.max_recipients"));
        Assert.Equal(new EffectiveValue("network.listen", "[\"0.0.0.0\", \"::\"]", "default", false), result.Effective("network.listen"));
        Assert.Equal(new EffectiveValue("relay.host", "(not set)", "default", false), result.Effective("relay.host"));
        Assert.Equal("smtp.max_message_size = \"50M\"  # test.toml:4", result.Effective("smtp.max_message_size")!.ToString());
    }

    [Fact]
    public void Secret_keys_are_masked_wherever_they_come_from()
    {
        var file = Toml.Layer(Toml.Minimal + "[relay]\nhost = \"smtp.example.net:587\"\nusername = \"u\"\npassword_file = \"/etc/letterbox/secrets/relay\"\n");
        var tags = FlatKeyReader.ReadTags([new("letterbox:backup:key_file", "/etc/letterbox/secrets/backup")]);
        var result = ConfigLoader.Evaluate([file, tags]);

        Assert.True(result.IsValid, result.Diagnostics.Lines());
        Assert.Equal(new EffectiveValue("relay.password_file", "********", "test.toml:6", true), result.Effective("relay.password_file"));
        Assert.Equal(new EffectiveValue("backup.key_file", "********", "ec2 tag letterbox:backup:key_file", true), result.Effective("backup.key_file"));
        Assert.Equal("\"u\"", result.Effective("relay.username")!.Display);
        Assert.All(result.EffectiveValues, e => Assert.DoesNotContain("secrets/", e.Display, StringComparison.Ordinal));
        // The typed configuration still has the real value.
        Assert.Equal("/etc/letterbox/secrets/relay", result.Config.Relay!.PasswordFile);
    }

    [Fact]
    public void Invalid_values_are_still_shown_as_written()
    {
        var result = Toml.WithMinimal("smtp.max_recipients = \"many\"\n");
        Assert.False(result.IsValid);
        Assert.Equal("\"many\"", result.Effective("smtp.max_recipients")!.Display);
    }

    [Fact]
    public void The_secret_flag_is_set_on_the_credential_file_keys()
    {
        Assert.Equal(
            ["tls.acme_eab_hmac_key_file", "relay.password_file", "backup.key_file"],
            ConfigSchema.All.Where(k => k.Secret).Select(k => k.Name));
    }
}
