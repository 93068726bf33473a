namespace Letterbox.Config.Tests;

/// <summary>Every source through <see cref="ConfigLoader.LoadAsync"/>: files on disk and a fake IMDS on loopback.</summary>
public class PrecedenceTests
{
    // The layers, lowest first, each setting smtp.max_recipients to its own value.
    private static readonly string[] Levels = ["extra", "etc", "vagrant", "user-data", "tag", "explicit"];

    public static TheoryData<int> HighestLevel() => [.. Enumerable.Range(0, Levels.Length)];

    [Theory]
    [MemberData(nameof(HighestLevel))]
    public async Task The_highest_layer_that_sets_a_key_wins_and_is_recorded(int highest)
    {
        using var dir = new TempDir();
        await using var imds = new FakeImds { PublicHostname = "ec2-203-0-113-25.compute-1.amazonaws.com" };
        string Recipients(int level) => $"smtp.max_recipients = {200 + level}\n";
        var extra = Toml.Layer("domains = [\"example.com\"]\n" + Recipients(0), "dev mode");
        var expectedSource = "dev mode:2";
        string? etc = null, vagrant = null, explicitFile = null;
        if (highest >= 1)
        {
            etc = dir.Write("etc/letterbox.toml", "# etc\n" + Recipients(1));
            expectedSource = etc + ":2";
        }
        if (highest >= 2)
        {
            vagrant = dir.Write("vagrant/letterbox.toml", "\n\n" + Recipients(2));
            expectedSource = vagrant + ":3";
        }
        if (highest >= 3)
        {
            imds.UserDataText = Recipients(3);
            expectedSource = "ec2 user-data:1";
        }
        if (highest >= 4)
        {
            imds.Tags = new() { ["letterbox:smtp:max_recipients"] = "204" };
            expectedSource = "ec2 tag letterbox:smtp:max_recipients";
        }
        if (highest >= 5)
        {
            explicitFile = dir.Write("explicit.toml", Recipients(5));
            expectedSource = explicitFile + ":1";
        }

        var result = await ConfigLoader.LoadAsync(new ConfigSources
        {
            ExtraLayers = [extra],
            EtcFile = etc ?? dir.PathOf("etc/missing.toml"),
            VagrantFiles = [vagrant ?? dir.PathOf("vagrant/missing.toml")],
            ImdsEndpoint = imds.Endpoint,
            ExplicitFile = explicitFile,
        });

        Assert.True(result.IsValid, result.Diagnostics.Lines());
        Assert.Equal(200 + highest, result.Config.Smtp.MaxRecipients);
        var shown = result.Effective("smtp.max_recipients")!;
        Assert.Equal((200 + highest).ToString(System.Globalization.CultureInfo.InvariantCulture), shown.Display.Trim('"'));
        Assert.Equal(expectedSource, shown.Source);
    }

    [Fact]
    public async Task Metadata_facts_sit_just_above_the_defaults()
    {
        using var dir = new TempDir();
        await using var imds = new FakeImds
        {
            PublicIpv4 = "203.0.113.25",
            Ipv6 = "2001:db8::25",
            PublicHostname = "ec2-203-0-113-25.compute-1.amazonaws.com",
            UserDataText = "domains = [\"example.com\"]\nnetwork.public_ipv4 = \"198.51.100.7\"\n",
        };

        var result = await ConfigLoader.LoadAsync(new ConfigSources { ImdsEndpoint = imds.Endpoint });

        Assert.True(result.IsValid, result.Diagnostics.Lines());
        // hostname comes from metadata because nothing else set it ...
        Assert.Equal("ec2-203-0-113-25.compute-1.amazonaws.com", result.Config.Hostname);
        Assert.Equal("ec2 metadata public-hostname", result.Effective("hostname")!.Source);
        Assert.Equal("2001:db8::25", result.Config.Network.PublicIpv6!.ToString());
        // ... while user-data overrides the metadata's address.
        Assert.Equal("198.51.100.7", result.Config.Network.PublicIpv4!.ToString());
        Assert.Equal("ec2 user-data:2", result.Effective("network.public_ipv4")!.Source);
    }

    [Fact]
    public async Task Extra_layers_override_metadata_facts()
    {
        await using var imds = new FakeImds { PublicHostname = "ec2-203-0-113-25.compute-1.amazonaws.com" };
        var result = await ConfigLoader.LoadAsync(new ConfigSources { ImdsEndpoint = imds.Endpoint, ExtraLayers = [ConfigSources.DevLayer] });
        Assert.True(result.IsValid, result.Diagnostics.Lines());
        Assert.Equal("mail.example.test", result.Config.Hostname);
    }

    [Fact]
    public async Task Only_the_first_existing_vagrant_file_is_read()
    {
        using var dir = new TempDir();
        var disk = dir.Write("config-disk/letterbox.toml", Toml.Minimal + "log.level = \"warn\"\n");
        var shared = dir.Write("vagrant/letterbox.toml", Toml.Minimal + "log.level = \"debug\"\n");

        var both = await ConfigLoader.LoadAsync(new ConfigSources { VagrantFiles = [shared, disk] });
        Assert.Equal(LogSeverity.Debug, both.Config!.Log.Level);
        Assert.DoesNotContain(disk, both.Sources);

        var diskOnly = await ConfigLoader.LoadAsync(new ConfigSources { VagrantFiles = [dir.PathOf("vagrant/none.toml"), disk] });
        Assert.Equal(LogSeverity.Warn, diskOnly.Config!.Log.Level);
    }

    [Fact]
    public async Task User_data_tags_and_files_combine_key_by_key()
    {
        using var dir = new TempDir();
        var etc = dir.Write("letterbox.toml", "hostname = \"mail.example.com\"\n[smtp]\nmax_message_size = \"10M\"\n");
        await using var imds = new FakeImds
        {
            UserDataText = "domains = [\"example.com\"]\nsmtp.max_message_size = \"20M\"\n",
            Tags = new() { ["letterbox:log:level"] = "error", ["team"] = "mail" },
        };

        var result = await ConfigLoader.LoadAsync(new ConfigSources { EtcFile = etc, ImdsEndpoint = imds.Endpoint });

        Assert.True(result.IsValid, result.Diagnostics.Lines());
        Assert.Equal("mail.example.com", result.Config.Hostname);
        Assert.Equal(20L << 20, result.Config.Smtp.MaxMessageSize);
        Assert.Equal(LogSeverity.Error, result.Config.Log.Level);
        Assert.Equal(etc + ":1", result.Effective("hostname")!.Source);
        Assert.Equal("ec2 user-data:1", result.Effective("domains")!.Source);
        Assert.Equal("ec2 tag letterbox:log:level", result.Effective("log.level")!.Source);
        Assert.Equal("default", result.Effective("smtp.max_recipients")!.Source);
    }

    [Fact]
    public async Task Malformed_user_data_is_a_clear_error()
    {
        await using var imds = new FakeImds { UserDataText = "#!/bin/bash\necho hello\n", Tags = [] };
        var result = await ConfigLoader.LoadAsync(new ConfigSources { ImdsEndpoint = imds.Endpoint, ExtraLayers = [ConfigSources.DevLayer] });
        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors);
        Assert.Equal("error: ec2 user-data: user-data is not a Letterbox config document (it starts with #!/bin/bash, so it is a script)", error.ToString());
    }

    [Fact]
    public async Task Gzipped_user_data_is_a_clear_error()
    {
        await using var imds = new FakeImds { UserData = [0x1F, 0x8B, 0x08, 0x00, 0x00] };
        var result = await ConfigLoader.LoadAsync(new ConfigSources { ImdsEndpoint = imds.Endpoint, ExtraLayers = [ConfigSources.DevLayer] });
        var error = Assert.Single(result.Errors);
        Assert.Contains("user-data is not a Letterbox config document (it is gzip-compressed)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_imds_that_answers_garbage_is_an_error_in_the_result()
    {
        await using var imds = new FakeImds { Garbage = true };
        var result = await ConfigLoader.LoadAsync(new ConfigSources { ImdsEndpoint = imds.Endpoint, ExtraLayers = [ConfigSources.DevLayer] });
        var error = Assert.Single(result.Errors);
        Assert.Equal("ec2 metadata", error.Source);
        Assert.Contains("misbehaved", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_absent_imds_is_noted_but_is_not_an_error()
    {
        using var dir = new TempDir();
        var result = await ConfigLoader.LoadAsync(new ConfigSources
        {
            EtcFile = dir.Write("letterbox.toml", Toml.Minimal),
            ImdsEndpoint = Loopback.ClosedPort(),
        });

        Assert.True(result.IsValid, result.Diagnostics.Lines());
        Assert.Empty(result.Warnings);
        Assert.Contains(result.Sources, s => s.StartsWith("ec2 metadata: not available (cannot connect", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_silent_imds_falls_back_to_the_other_sources()
    {
        using var dir = new TempDir();
        using var silent = new Loopback.Silent();
        var result = await ConfigLoader.LoadAsync(new ConfigSources
        {
            EtcFile = dir.Write("letterbox.toml", Toml.Minimal),
            ImdsEndpoint = silent.Uri,
            ImdsTimeout = TimeSpan.FromMilliseconds(300),
        });
        Assert.True(result.IsValid, result.Diagnostics.Lines());
        Assert.Contains(result.Sources, s => s.StartsWith("ec2 metadata: not available (no answer", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_etc_file_is_skipped_but_a_missing_explicit_file_is_an_error()
    {
        using var dir = new TempDir();
        var missing = dir.PathOf("nope.toml");
        var result = await ConfigLoader.LoadAsync(new ConfigSources { EtcFile = missing, ExtraLayers = [ConfigSources.DevLayer] });
        Assert.True(result.IsValid, result.Diagnostics.Lines());

        var explicitMissing = await ConfigLoader.LoadAsync(ConfigSources.Dev(missing));
        var error = Assert.Single(explicitMissing.Errors);
        Assert.Equal($"error: {missing}: config file not found", error.ToString());
    }

    [Fact]
    public async Task Dev_sources_give_a_working_local_configuration()
    {
        var result = await ConfigLoader.LoadAsync(ConfigSources.Dev());
        Assert.True(result.IsValid, result.Diagnostics.Lines());
        var c = result.Config;
        Assert.Equal("mail.example.test", c.Hostname);
        Assert.Equal(["example.test"], c.Domains);
        Assert.Equal("127.0.0.1", Assert.Single(c.Network.Listen).ToString());
        Assert.Equal(10025, c.Network.Ports.Smtp);
        Assert.Equal(TlsMode.SelfSigned, c.Tls.Mode);
        Assert.Equal("dev mode:5", result.Effective("network.listen")!.Source);
        Assert.Null(ConfigSources.Dev().ImdsEndpoint);
    }

    [Fact]
    public async Task An_explicit_file_overrides_dev_mode()
    {
        using var dir = new TempDir();
        var file = dir.Write("mine.toml", "network.port_offset = 20000\n");
        var result = await ConfigLoader.LoadAsync(ConfigSources.Dev(file));
        Assert.True(result.IsValid, result.Diagnostics.Lines());
        Assert.Equal(20025, result.Config.Network.Ports.Smtp);
        Assert.Equal(file + ":1", result.Effective("network.port_offset")!.Source);
    }

    [Fact]
    public void Appliance_sources_use_the_real_paths()
    {
        var sources = ConfigSources.Appliance("/tmp/x.toml");
        Assert.Equal("/etc/letterbox/letterbox.toml", sources.EtcFile);
        Assert.Equal(["/vagrant/letterbox.toml", "/run/letterbox/config-disk/letterbox.toml"], sources.VagrantFiles);
        Assert.Equal(new Uri("http://169.254.169.254/"), sources.ImdsEndpoint);
        Assert.Equal(TimeSpan.FromSeconds(2), sources.ImdsTimeout);
        Assert.Equal("/tmp/x.toml", sources.ExplicitFile);
    }

    [Fact]
    public void Check_file_reports_every_diagnostic_of_that_file_over_the_defaults()
    {
        using var dir = new TempDir();
        var file = dir.Write("check.toml", "hostname = \"example.com\"\ndomains = [\"example.com\"]\n[smtp]\nmax_mesage_size = \"1M\"\nmax_recipients = 5\n");
        var result = ConfigLoader.CheckFile(file);
        Assert.Equal(
            [
                $"error: smtp.max_recipients ({file}:5): must be between 100 and 10000, got 5",
                $"error: hostname ({file}:1): hostname example.com is also a mail domain; the mail host needs a name of its own inside the domain, such as mail.example.com",
                $"warning: smtp.max_mesage_size ({file}:4): unknown key smtp.max_mesage_size (did you mean smtp.max_message_size?)",
            ],
            result.Diagnostics.Select(d => d.ToString()));
    }

    [Fact]
    public void Check_file_of_a_missing_file_is_an_error()
    {
        var result = ConfigLoader.CheckFile("/nonexistent/letterbox.toml");
        Assert.Contains(result.Errors, e => e.ToString() == "error: /nonexistent/letterbox.toml: config file not found");
    }
}
