namespace Letterbox.Config.Tests;

public class FlatKeyReaderTests
{
    [Fact]
    public void Lines_map_sections_to_dotted_keys_and_skip_comments()
    {
        var layer = FlatKeyReader.ReadLines(
            """
            # Joyent-style metadata
            hostname = mail.example.com
            domains = example.com, example.org

            smtp:max_message_size = 50M
            tls:mode = "self-signed"
            """,
            "mdata");

        Assert.Empty(layer.Diagnostics);
        Assert.Equal(["hostname", "domains", "smtp.max_message_size", "tls.mode"], layer.Entries.Select(e => e.Key));
        Assert.All(layer.Entries, e => Assert.Equal(RawKind.Flat, e.Value.Kind));
        Assert.Equal("self-signed", layer.ByKey["tls.mode"].Value.Text);
        Assert.Equal("mdata:5", layer.ByKey["smtp.max_message_size"].Origin.ToString());
    }

    [Theory]
    [InlineData("just some words", "mdata:1")]
    [InlineData("= value", "mdata:1")]
    [InlineData("smtp::max = 1", "mdata:1")]
    [InlineData("smtp:max size = 1", "mdata:1")]
    public void Malformed_lines_are_errors_with_their_line(string line, string where)
    {
        var layer = FlatKeyReader.ReadLines(line, "mdata");
        var error = Assert.Single(layer.Diagnostics);
        Assert.Equal(where, error.Source);
        Assert.Empty(layer.Entries);
    }

    [Fact]
    public void A_key_set_twice_in_one_file_is_an_error()
    {
        var layer = FlatKeyReader.ReadLines("log:level = info\nlog:level = debug\n", "mdata");
        var error = Assert.Single(layer.Diagnostics);
        Assert.Equal("log.level", error.Key);
        Assert.Equal("mdata:2", error.Source);
        Assert.Contains("first on line 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tags_keep_only_the_letterbox_prefix_and_name_the_tag_as_source()
    {
        var layer = FlatKeyReader.ReadTags(new Dictionary<string, string>
        {
            ["Name"] = "mail server",
            ["aws:cloudformation:stack-name"] = "mail",
            ["letterbox:hostname"] = "mail.example.com",
            ["letterbox:smtp:max_message_size"] = " 50M ",
            ["Letterbox:log:level"] = "debug",
        });

        Assert.Equal(["hostname", "smtp.max_message_size"], layer.Entries.Select(e => e.Key));
        Assert.Equal("50M", layer.ByKey["smtp.max_message_size"].Value.Text);
        Assert.Equal("ec2 tag letterbox:smtp:max_message_size", layer.ByKey["smtp.max_message_size"].Origin.ToString());
    }

    [Fact]
    public void A_tag_that_names_no_key_is_an_error()
    {
        var layer = FlatKeyReader.ReadTags([new("letterbox:", "x")]);
        var error = Assert.Single(layer.Diagnostics);
        Assert.Equal("ec2 tag letterbox:", error.Source);
    }

    public static TheoryData<string, string, object> FlatValues() => new()
    {
        { "smtp.max_message_size", "512K", 512L * 1024 },
        { "smtp.max_message_size", "1G", 1024L * 1024 * 1024 },
        { "smtp.max_message_size", "100000", 100000L },
        { "smtp.max_recipients", "250", 250 },
        { "dns.enabled", "false", false },
        { "dns.enabled", "yes", true },
        { "dns.enabled", "OFF", false },
        { "smtp.command_timeout", "45m", TimeSpan.FromMinutes(45) },
    };

    [Theory]
    [MemberData(nameof(FlatValues))]
    public void Flat_text_is_converted_by_the_key_type(string key, string text, object expected)
    {
        var result = ConfigLoader.Evaluate([Toml.Layer(Toml.Minimal), FlatKeyReader.ReadTags([new("letterbox:" + key.Replace('.', ':'), text)])]);
        Assert.True(result.IsValid, result.Diagnostics.Lines());
        object actual = key switch
        {
            "smtp.max_message_size" => result.Config.Smtp.MaxMessageSize,
            "smtp.max_recipients" => result.Config.Smtp.MaxRecipients,
            "dns.enabled" => result.Config.Dns.Enabled,
            "smtp.command_timeout" => result.Config.Smtp.CommandTimeout,
            _ => throw new ArgumentException(key),
        };
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Enum_words_from_tags_are_matched_without_regard_to_case()
    {
        var result = ConfigLoader.Evaluate([Toml.Layer(Toml.Minimal), FlatKeyReader.ReadTags([new("letterbox:tls:mode", "Self-Signed")])]);
        Assert.True(result.IsValid, result.Diagnostics.Lines());
        Assert.Equal(TlsMode.SelfSigned, result.Config.Tls.Mode);
    }

    [Fact]
    public void Flat_lists_are_comma_separated_and_empty_text_is_an_empty_list()
    {
        var result = ConfigLoader.Evaluate([FlatKeyReader.ReadTags(new Dictionary<string, string>
        {
            ["letterbox:hostname"] = "mail.example.com",
            ["letterbox:domains"] = "example.com,  example.org ,example.net",
            ["letterbox:monitoring:allow"] = "",
            ["letterbox:network:listen"] = "127.0.0.1, ::1",
        })]);
        Assert.True(result.IsValid, result.Diagnostics.Lines());
        Assert.Equal(["example.com", "example.org", "example.net"], result.Config.Domains);
        Assert.Empty(result.Config.Monitoring.Allow);
        Assert.Equal(2, result.Config.Network.Listen.Count);
    }

    [Fact]
    public void A_bad_flat_value_is_reported_against_its_tag()
    {
        var result = ConfigLoader.Evaluate([Toml.Layer(Toml.Minimal), FlatKeyReader.ReadTags([new("letterbox:smtp:max_message_size", "lots")])]);
        var error = Assert.Single(result.Errors);
        Assert.Equal(
            "error: smtp.max_message_size (ec2 tag letterbox:smtp:max_message_size): expected a size such as \"25M\", \"512K\", \"1G\" or a number of bytes, got \"lots\"",
            error.ToString());
    }
}
