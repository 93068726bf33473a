namespace Letterbox.Config.Tests;

public class TomlReaderTests
{
    [Fact]
    public void Tables_dotted_keys_and_inline_tables_all_become_dotted_keys_with_lines()
    {
        var layer = Toml.Layer(
            """
            hostname = "mail.example.com"
            tls.mode = "files"

            [smtp]
            max_message_size = "50M"
            max_recipients = 200
            relay = { host = "smtp.example.net:587" }
            """,
            "/etc/letterbox/letterbox.toml");

        Assert.Empty(layer.Diagnostics);
        Assert.Equal(["hostname", "tls.mode", "smtp.max_message_size", "smtp.max_recipients", "smtp.relay.host"],
            layer.Entries.Select(e => e.Key));
        var size = layer.ByKey["smtp.max_message_size"];
        Assert.Equal(RawKind.String, size.Value.Kind);
        Assert.Equal("50M", size.Value.Text);
        Assert.Equal("/etc/letterbox/letterbox.toml:5", size.Origin.ToString());
        Assert.Equal(RawKind.Integer, layer.ByKey["smtp.max_recipients"].Value.Kind);
        Assert.Equal(2, layer.ByKey["tls.mode"].Origin.Line);
    }

    [Fact]
    public void Arrays_keep_their_items_and_types()
    {
        var layer = Toml.Layer("domains = [\"a.example\", \"b.example\"]\nx = [1, true]\n");
        var domains = layer.ByKey["domains"].Value;
        Assert.Equal(RawKind.Array, domains.Kind);
        Assert.Equal(["a.example", "b.example"], domains.Items.Select(i => i.Text));
        Assert.Equal([RawKind.Integer, RawKind.Boolean], layer.ByKey["x"].Value.Items.Select(i => i.Kind));
    }

    [Fact]
    public void An_empty_document_is_an_empty_layer()
    {
        var layer = Toml.Layer("# nothing here\n\n");
        Assert.Empty(layer.Entries);
        Assert.Empty(layer.Diagnostics);
    }

    public static TheoryData<string, string> Malformed() => new()
    {
        { "hostname = \n", "f.toml:1:12" },
        { "hostname = \"a\"\n[smtp\nmax_recipients = 5\n", "f.toml:2:6" },
        { "domains = [\"a\",\n", "f.toml:" },
        { "a = 1\na = 2\n", "f.toml:2:1" },
        { "hostname = 'unterminated\n", "f.toml:1:" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_toml_is_one_error_with_source_line_and_column(string text, string where)
    {
        var layer = TomlDocumentReader.Read(text, "f.toml");
        var error = Assert.Single(layer.Diagnostics);
        Assert.Empty(layer.Entries);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        Assert.StartsWith(where, error.Source, StringComparison.Ordinal);
        Assert.Matches(@"^f\.toml:\d+:\d+$", error.Source);
        Assert.StartsWith("error: f.toml:", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("invalid TOML", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> Foreign() => new()
    {
        { "#!/bin/bash\nyum install -y httpd\nsystemctl start httpd\n", "so it is a script" },
        { "#cloud-config\npackages:\n  - nginx\n", "cloud-init #cloud-config" },
        { "Content-Type: multipart/mixed; boundary=\"b\"\nMIME-Version: 1.0\n\n--b\n", "MIME multi-part" },
        { "<powershell>\nWrite-Host hi\n</powershell>\n", "Windows user-data script" },
        { "packages:\n  - nginx\nruncmd:\n  - echo hi\n", "no line has the form key = value" },
    };

    [Theory]
    [MemberData(nameof(Foreign))]
    public void User_data_that_is_not_toml_at_all_is_named_as_such(string text, string why)
    {
        var layer = TomlDocumentReader.Read(text, "ec2 user-data", "user-data");
        var error = Assert.Single(layer.Diagnostics);
        Assert.StartsWith("user-data is not a Letterbox config document (", error.Message, StringComparison.Ordinal);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
        Assert.Equal("ec2 user-data", error.Source);
    }

    [Fact]
    public void Toml_that_is_only_a_little_broken_is_reported_as_invalid_toml_not_as_foreign()
    {
        var layer = TomlDocumentReader.Read("hostname = \"mail.example.com\"\ndomains = [example.com]\n", "ec2 user-data", "user-data");
        var error = Assert.Single(layer.Diagnostics);
        Assert.Contains("invalid TOML", error.Message, StringComparison.Ordinal);
        Assert.Equal("ec2 user-data:2:12", error.Source);
    }

    [Fact]
    public void Tables_in_value_positions_are_kept_so_they_can_be_reported()
    {
        var result = Toml.WithMinimal("[[smtp.max_recipients]]\nx = 1\n");
        var error = Assert.Single(result.Errors);
        Assert.Equal("smtp.max_recipients", error.Key);
        Assert.Contains("got a table", error.Message, StringComparison.Ordinal);
    }
}
