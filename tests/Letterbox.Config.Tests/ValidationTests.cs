namespace Letterbox.Config.Tests;

public class ValidationTests
{
    [Fact]
    public void The_minimal_document_is_valid_and_everything_else_is_default()
    {
        var result = Toml.Evaluate(Toml.Minimal);
        Assert.True(result.IsValid, result.Diagnostics.Lines());
        Assert.Empty(result.Warnings);
        Assert.Equal(26214400, result.Config.Smtp.MaxMessageSize);
        Assert.Equal(100, result.Config.Smtp.MaxRecipients);
        Assert.Equal("letterbox", result.Config.User);
        Assert.Equal(TlsMode.Acme, result.Config.Tls.Mode);
        Assert.Equal(new Uri("https://acme-v02.api.letsencrypt.org/directory"), result.Config.Tls.AcmeDirectory);
        Assert.Null(result.Config.Relay);
    }

    public static TheoryData<string, string, string> WrongTypes() => new()
    {
        // document lines after the minimal two, key, the whole expected diagnostic
        {
            "[smtp]\nmax_message_size = \"lots\"\n", "smtp.max_message_size",
            "error: smtp.max_message_size (test.toml:4): expected a size such as \"25M\", \"512K\", \"1G\" or a number of bytes, got string \"lots\""
        },
        {
            "smtp.max_recipients = \"200\"\n", "smtp.max_recipients",
            "error: smtp.max_recipients (test.toml:3): expected an integer, got string \"200\""
        },
        {
            "dns.enabled = \"true\"\n", "dns.enabled",
            "error: dns.enabled (test.toml:3): expected true or false, got string \"true\""
        },
        {
            "network.listen = \"0.0.0.0\"\n", "network.listen",
            "error: network.listen (test.toml:3): expected a list of IP addresses, got string \"0.0.0.0\" (write [\"0.0.0.0\"] for a list of one)"
        },
        {
            "tls.mode = \"letsencrypt\"\n", "tls.mode",
            "error: tls.mode (test.toml:3): expected one of acme, files, self-signed, got string \"letsencrypt\""
        },
        {
            "smtp.max_message_size = 2.5\n", "smtp.max_message_size",
            "error: smtp.max_message_size (test.toml:3): expected a size such as \"25M\", \"512K\", \"1G\" or a number of bytes, got float 2.5"
        },
        {
            "smtp.command_timeout = 300\n", "smtp.command_timeout",
            "error: smtp.command_timeout (test.toml:3): expected a duration such as \"30s\", \"5m\" or \"1h\", got integer 300"
        },
        {
            "daemons.enabled = [\"smtp\", \"ftp\"]\n", "daemons.enabled",
            "error: daemons.enabled (test.toml:3): item 2: expected one of smtp, imap, pop3, dns, http, acme, queue, got string \"ftp\""
        },
        {
            "user = 1000\n", "user",
            "error: user (test.toml:3): expected a string, got integer 1000"
        },
        {
            "tls.cert_file = \"certs/fullchain.pem\"\ntls.key_file = \"/k.pem\"\ntls.mode = \"files\"\n", "tls.cert_file",
            "error: tls.cert_file (test.toml:3): \"certs/fullchain.pem\" is not an absolute path"
        },
        {
            "network.listen = []\n", "network.listen",
            "error: network.listen (test.toml:3): must list at least one value"
        },
        {
            "backup.when = 1979-05-27\nsmtp.max_recipients = 1979-05-27\n", "smtp.max_recipients",
            "error: smtp.max_recipients (test.toml:4): expected an integer, got date/time 1979-05-27"
        },
    };

    [Theory]
    [MemberData(nameof(WrongTypes))]
    public void Wrong_types_name_key_source_line_expected_and_actual(string more, string key, string expected)
    {
        var result = Toml.WithMinimal(more);
        Assert.False(result.IsValid);
        Assert.Null(result.Config);
        var error = Assert.Single(result.Errors);
        Assert.Equal(key, error.Key);
        Assert.Equal(expected, error.ToString());
    }

    public static TheoryData<string, string, string> BadValues() => new()
    {
        { "network.port_offset = 50001\n", "network.port_offset", "must be between 0 and 50000, got 50001" },
        { "network.port_offset = -1\n", "network.port_offset", "must be between 0 and 50000, got -1" },
        { "smtp.max_recipients = 99\n", "smtp.max_recipients", "must be between 100 and 10000, got 99" },
        { "backup.keep = 0\n", "backup.keep", "must be between 1 and 1000, got 0" },
        { "smtp.max_message_size = \"32K\"\n", "smtp.max_message_size", "must be between 64K and 1G, got 32K" },
        { "smtp.max_message_size = \"2G\"\n", "smtp.max_message_size", "must be between 64K and 1G, got 2G" },
        { "smtp.trusted_networks = [\"10.0.0.1/8\"]\n", "smtp.trusted_networks", "item 1: \"10.0.0.1/8\" has host bits set: did you mean 10.0.0.0/8?" },
        { "monitoring.allow = [\"127.0.0.0/8\", \"10.0.0.0/40\"]\n", "monitoring.allow", "item 2: \"10.0.0.0/40\" has an invalid prefix length (0 to 32)" },
        { "network.public_ipv4 = \"203.0.113.256\"\n", "network.public_ipv4", "\"203.0.113.256\" is not an IP address" },
        { "network.public_ipv4 = \"2001:db8::1\"\n", "network.public_ipv4", "2001:db8::1 is not an IPv4 address" },
        { "network.public_ipv6 = \"192.0.2.1\"\n", "network.public_ipv6", "192.0.2.1 is not an IPv6 address" },
        { "network.listen = [\"0.0.0.0\", \"localhost\"]\n", "network.listen", "item 2: \"localhost\" is not an IP address" },
        { "relay.host = \"smtp.example.net\"\n", "relay.host", "\"smtp.example.net\" has no port (expected host:port)" },
        { "relay.host = \"2001:db8::1:25\"\n", "relay.host", "\"2001:db8::1:25\": write IPv6 addresses in brackets, as [2001:db8::1]:53" },
        { "dns.resolvers = [\"1.1.1.1\", \"[2606:4700::1111]:5353\", \"bad host:53\"]\n", "dns.resolvers", "item 3: \"bad host:53\": \"bad host\" contains ' ' (only letters, digits, '-' and '.' are allowed)" },
        { "dns.secondaries = [\"198.51.100.53\", \"198.51.100.53\"]\n", "dns.secondaries", "198.51.100.53 is listed twice" },
        { "tls.acme_directory = \"letsencrypt\"\n", "tls.acme_directory", "\"letsencrypt\" is not an http:// or https:// URL" },
        { "tls.acme_email = \"postmaster\"\n", "tls.acme_email", "\"postmaster\" is not a mail address" },
        { "user = \"Mail User\"\n", "user", "\"Mail User\" is not a valid user name (lower-case letters, digits, _ and -, at most 32)" },
        { "smtp.command_timeout = \"5s\"\n", "smtp.command_timeout", "must be between 10s and 1h" },
        { "user = \"\"\n", "user", "must not be empty" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Bad_values_are_one_error_each(string more, string key, string message)
    {
        var result = Toml.WithMinimal(more);
        var error = Assert.Single(result.Errors);
        Assert.Equal(key, error.Key);
        Assert.Equal(message, error.Message);
        Assert.StartsWith("test.toml:", error.Source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("domains = [\"example.com\", \"Example.COM\"]", "example.com is listed twice")]
    [InlineData("domains = [\"example.com\", \"exa_mple.org\"]", "item 2: \"exa_mple.org\" contains '_'")]
    [InlineData("domains = [\"localhost\"]", "item 1: \"localhost\" is not fully qualified")]
    [InlineData("domains = []", "must list at least one value")]
    [InlineData("domains = [\"example.com\", 5]", "item 2: expected a fully qualified host name")]
    public void Domain_list_rules(string domains, string message)
    {
        var result = Toml.Evaluate($"hostname = \"mail.example.com\"\n{domains}\n");
        var error = Assert.Single(result.Errors);
        Assert.Equal("domains", error.Key);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_required_keys_are_errors_with_an_example()
    {
        var result = Toml.Evaluate("log.level = \"debug\"\n");
        Assert.Equal(
            [
                "error: hostname: required but not set (for example: hostname = \"mail.example.com\")",
                "error: domains: required but not set (for example: domains = [\"example.com\", \"example.org\"])",
            ],
            result.Errors.Select(e => e.ToString()));
        Assert.Null(result.Config);
    }

    [Theory]
    [InlineData("example.com")]
    [InlineData("EXAMPLE.com.")]
    public void Hostname_must_differ_from_every_mail_domain(string hostname)
    {
        var result = Toml.Evaluate($"hostname = \"{hostname}\"\ndomains = [\"example.org\", \"example.com\"]\n");
        var error = Assert.Single(result.Errors);
        Assert.Equal("hostname", error.Key);
        Assert.Equal("test.toml:1", error.Source);
        Assert.Contains("mail.example.com", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tls_files_mode_needs_cert_and_key_and_names_where_the_mode_was_set()
    {
        var result = Toml.WithMinimal("[tls]\nmode = \"files\"\n");
        Assert.Equal(
            [
                "error: tls.cert_file (test.toml:4): required when tls.mode = files",
                "error: tls.key_file (test.toml:4): required when tls.mode = files",
            ],
            result.Errors.Select(e => e.ToString()));

        var complete = Toml.WithMinimal("[tls]\nmode = \"files\"\ncert_file = \"/c.pem\"\nkey_file = \"/k.pem\"\n");
        Assert.True(complete.IsValid, complete.Diagnostics.Lines());
        Assert.Equal("/c.pem", complete.Config.Tls.CertFile);
    }

    [Fact]
    public void Tls_files_set_in_another_mode_are_a_warning()
    {
        var result = Toml.WithMinimal("tls.cert_file = \"/c.pem\"\n");
        Assert.True(result.IsValid);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("warning: tls.cert_file (test.toml:3): ignored because tls.mode = acme", warning.ToString());
    }

    [Theory]
    [InlineData("relay.username = \"u\"\nrelay.host = \"r.example:587\"\n", "relay.password_file", "required when relay.username is set")]
    [InlineData("relay.password_file = \"/p\"\nrelay.host = \"r.example:587\"\n", "relay.username", "required when relay.password_file is set")]
    [InlineData("relay.username = \"u\"\nrelay.password_file = \"/p\"\n", "relay.host", "required when relay.username is set (the credentials are for a smarthost)")]
    [InlineData("backup.enabled = true\nbackup.target = \"/srv/backup\"\n", "backup.key_file", "required when backup.enabled = true")]
    [InlineData("backup.enabled = true\nbackup.key_file = \"/k\"\n", "backup.target", "required when backup.enabled = true")]
    public void Keys_that_need_each_other(string more, string key, string message)
    {
        var result = Toml.WithMinimal(more);
        var error = Assert.Single(result.Errors);
        Assert.Equal(key, error.Key);
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("[smtp]\nmax_mesage_size = \"10M\"\n", "smtp.max_mesage_size", "smtp.max_message_size")]
    [InlineData("[smpt]\nmax_message_size = \"10M\"\n", "smpt.max_message_size", "smtp.max_message_size")]
    [InlineData("max_message_size = \"10M\"\n", "max_message_size", "smtp.max_message_size")]
    [InlineData("[log]\nLevel = \"info\"\n", "log.Level", "log.level")]
    [InlineData("host_name = \"x\"\n", "host_name", "hostname")]
    [InlineData("[tls]\nacme_mail = \"a@b.c\"\n", "tls.acme_mail", "tls.acme_email")]
    public void Unknown_keys_are_warnings_naming_the_nearest_key(string more, string unknown, string suggestion)
    {
        var result = Toml.WithMinimal(more);
        Assert.True(result.IsValid, result.Errors.Lines());
        var warning = Assert.Single(result.Warnings);
        Assert.Equal(unknown, warning.Key);
        Assert.Equal($"unknown key {unknown} (did you mean {suggestion}?)", warning.Message);
        Assert.StartsWith("warning: ", warning.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_key_far_from_every_key_gets_no_guess()
    {
        var result = Toml.WithMinimal("[spamfilter]\nbayes_threshold = 5\n");
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("unknown key spamfilter.bayes_threshold", warning.Message);
    }

    [Theory]
    [InlineData("relay.password = \"hunter2\"\n", "relay.password", "relay.password_file")]
    [InlineData("[tls]\nkey = \"-----BEGIN PRIVATE KEY-----\"\n", "tls.key", "tls.key_file")]
    [InlineData("[backup]\nkey = \"abc\"\n", "backup.key", "backup.key_file")]
    [InlineData("[relay]\nsecret = \"abc\"\n", "relay.secret", "relay.password_file")]
    public void Inline_secrets_are_errors_that_name_the_file_key(string more, string key, string fileKey)
    {
        var result = Toml.WithMinimal(more);
        var error = Assert.Single(result.Errors);
        Assert.Equal(key, error.Key);
        Assert.Contains("secrets must be given as a file reference", error.Message, StringComparison.Ordinal);
        Assert.Contains(fileKey, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_inline_secret_in_a_tag_is_refused_too()
    {
        var result = ConfigLoader.Evaluate([Toml.Layer(Toml.Minimal), FlatKeyReader.ReadTags([new("letterbox:relay:password", "hunter2")])]);
        var error = Assert.Single(result.Errors);
        Assert.Equal("ec2 tag letterbox:relay:password", error.Source);
        Assert.Contains("relay.password_file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_diagnostic_is_one_line_and_all_are_reported_at_once()
    {
        var result = Toml.Evaluate(
            """
            hostname = "example.com"
            domains = ["example.com"]
            smtp.max_recipients = "many"
            network.port_offset = 99999
            [tls]
            mode = "files"
            [smpt]
            max_message_size = 1
            """);
        Assert.Equal(5, result.Errors.Count);
        Assert.Single(result.Warnings);
        Assert.All(result.Diagnostics, d => Assert.DoesNotContain('\n', d.ToString()));
        Assert.All(result.Diagnostics, d => Assert.Matches(@"^(error|warning): \S+ \([^)]*\): .+$", d.ToString()));
    }

    [Fact]
    public void A_bad_value_overridden_by_a_higher_layer_is_only_a_warning()
    {
        var low = Toml.Layer(Toml.Minimal + "smtp.max_recipients = \"lots\"\n", "/etc/letterbox/letterbox.toml");
        var high = FlatKeyReader.ReadTags([new("letterbox:smtp:max_recipients", "300")]);
        var result = ConfigLoader.Evaluate([low, high]);
        Assert.True(result.IsValid, result.Errors.Lines());
        Assert.Equal(300, result.Config.Smtp.MaxRecipients);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("/etc/letterbox/letterbox.toml:3", warning.Source);
        Assert.EndsWith("(ignored: overridden by ec2 tag letterbox:smtp:max_recipients)", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_value_that_wins_is_an_error_even_when_a_lower_layer_was_fine()
    {
        var low = Toml.Layer(Toml.Minimal + "smtp.max_recipients = 300\n", "/etc/letterbox/letterbox.toml");
        var high = FlatKeyReader.ReadTags([new("letterbox:smtp:max_recipients", "lots")]);
        var result = ConfigLoader.Evaluate([low, high]);
        var error = Assert.Single(result.Errors);
        Assert.Equal("ec2 tag letterbox:smtp:max_recipients", error.Source);
    }
}
