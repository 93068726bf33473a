using System.Net;

namespace Letterbox.Config.Tests;

public class ValueSyntaxTests
{
    [Theory]
    [InlineData("25M", 26214400L)]
    [InlineData("512K", 524288L)]
    [InlineData("1G", 1073741824L)]
    [InlineData("1g", 1073741824L)]
    [InlineData("1000", 1000L)]
    [InlineData(" 64K ", 65536L)]
    public void Sizes_parse(string text, long bytes)
    {
        Assert.True(SizeSyntax.TryParse(text, out var parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("M")]
    [InlineData("25MB")]
    [InlineData("2.5M")]
    [InlineData("-1")]
    [InlineData("25 M")]
    [InlineData("99999999999999999999")]
    [InlineData("9999999999T")]
    public void Bad_sizes_do_not_parse(string text) => Assert.False(SizeSyntax.TryParse(text, out _));

    [Theory]
    [InlineData(26214400L, "25M")]
    [InlineData(1000L, "1000")]
    [InlineData(1536L, "1536")]
    [InlineData(3072L, "3K")]
    public void Sizes_format_exactly(long bytes, string text) => Assert.Equal(text, SizeSyntax.Format(bytes));

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("1h", 3600)]
    [InlineData("1d", 86400)]
    [InlineData("1h30m", 5400)]
    public void Durations_parse_and_format(string text, int seconds)
    {
        Assert.True(DurationSyntax.TryParse(text, out var parsed));
        Assert.Equal(TimeSpan.FromSeconds(seconds), parsed);
        Assert.Equal(text, DurationSyntax.Format(parsed));
    }

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("s")]
    [InlineData("5 m")]
    [InlineData("1.5h")]
    [InlineData("5min")]
    [InlineData("-5m")]
    public void Bad_durations_do_not_parse(string text) => Assert.False(DurationSyntax.TryParse(text, out _));

    [Theory]
    [InlineData("mail.example.com", "mail.example.com")]
    [InlineData("Mail.Example.COM.", "mail.example.com")]
    [InlineData("xn--bcher-kva.example", "xn--bcher-kva.example")]
    [InlineData("a-b.c1.example", "a-b.c1.example")]
    public void Valid_names(string name, string canonical)
    {
        Assert.Null(DomainSyntax.Check(name, 2, out var c));
        Assert.Equal(canonical, c);
    }

    [Theory]
    [InlineData("localhost", "not fully qualified")]
    [InlineData("mail..example.com", "empty label")]
    [InlineData("-mail.example.com", "starts or ends with '-'")]
    [InlineData("mail_1.example.com", "contains '_'")]
    [InlineData("bücher.example", "xn--")]
    [InlineData("192.0.2.1", "looks like an IP address")]
    [InlineData("mail example.com", "contains ' '")]
    public void Invalid_names(string name, string why) => Assert.Contains(why, DomainSyntax.Check(name, 2, out _), StringComparison.Ordinal);

    [Fact]
    public void Overlong_names_and_labels_are_invalid()
    {
        Assert.Contains("63", DomainSyntax.Check(new string('a', 64) + ".example", 2, out _), StringComparison.Ordinal);
        var longName = string.Join('.', Enumerable.Repeat(new string('a', 60), 5));
        Assert.Contains("253", DomainSyntax.Check(longName, 2, out _), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("192.0.2.1", true)]
    [InlineData("2001:db8::1", true)]
    [InlineData("::", true)]
    [InlineData("1", false)]
    [InlineData("10.1", false)]
    [InlineData("256.1.1.1", false)]
    [InlineData("1.2.3.4.5", false)]
    [InlineData("fe80::1%eth0", false)]
    [InlineData("[2001:db8::1]", false)]
    [InlineData("mail.example.com", false)]
    public void Strict_addresses(string text, bool valid) => Assert.Equal(valid, IpSyntax.TryParseAddress(text, out _));

    [Theory]
    [InlineData("192.0.2.0/24", "192.0.2.0/24")]
    [InlineData("2001:db8::/32", "2001:db8::/32")]
    [InlineData("10.1.2.3", "10.1.2.3/32")]
    [InlineData("::1", "::1/128")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    public void Valid_networks(string text, string canonical)
    {
        Assert.Null(IpSyntax.CheckNetwork(text, out var network));
        Assert.Equal(canonical, network.ToString());
    }

    [Theory]
    [InlineData("10.0.0.1/8", "did you mean 10.0.0.0/8?")]
    [InlineData("10.0.0.0/33", "invalid prefix length")]
    [InlineData("10.0.0.0/", "invalid prefix length")]
    [InlineData("2001:db8::/129", "invalid prefix length")]
    [InlineData("10.0/8", "not a network")]
    [InlineData("example.com/24", "not a network")]
    public void Invalid_networks(string text, string why) => Assert.Contains(why, IpSyntax.CheckNetwork(text, out _), StringComparison.Ordinal);

    [Theory]
    [InlineData("smtp.example.net:587", null, "smtp.example.net", 587)]
    [InlineData("SMTP.Example.NET:25", null, "smtp.example.net", 25)]
    [InlineData("192.0.2.1:53", null, "192.0.2.1", 53)]
    [InlineData("[2001:DB8::1]:53", null, "2001:db8::1", 53)]
    [InlineData("[2001:db8::1]", 53, "2001:db8::1", 53)]
    [InlineData("localhost:53", null, "localhost", 53)]
    [InlineData("192.0.2.1", 53, "192.0.2.1", 53)]
    public void Valid_endpoints(string text, int? defaultPort, string host, int port)
    {
        Assert.Null(HostEndpoint.Check(text, defaultPort, out var endpoint));
        Assert.Equal(new HostEndpoint(host, port), endpoint);
    }

    [Theory]
    [InlineData("smtp.example.net", "has no port")]
    [InlineData("smtp.example.net:0", "invalid port")]
    [InlineData("smtp.example.net:65536", "invalid port")]
    [InlineData("smtp.example.net:smtp", "invalid port")]
    [InlineData("2001:db8::1:53", "in brackets")]
    [InlineData("[2001:db8::1:53", "without ']'")]
    [InlineData("[192.0.2.1]:53", "not an IPv6 address")]
    [InlineData("[2001:db8::1]53", "expected ':port'")]
    [InlineData("smtp_relay.example.net:25", "contains '_'")]
    public void Invalid_endpoints(string text, string why) => Assert.Contains(why, HostEndpoint.Check(text, null, out _), StringComparison.Ordinal);

    [Fact]
    public void Endpoints_print_v6_in_brackets_and_expose_literal_addresses()
    {
        Assert.Equal("[2001:db8::1]:53", new HostEndpoint("2001:db8::1", 53).ToString());
        Assert.Equal("mail.example.com:25", new HostEndpoint("mail.example.com", 25).ToString());
        Assert.Equal(IPAddress.Parse("192.0.2.1"), new HostEndpoint("192.0.2.1", 53).Address);
        Assert.Null(new HostEndpoint("mail.example.com", 25).Address);
    }

    [Theory]
    [InlineData("ab", "ab", 0)]
    [InlineData("smtp", "smpt", 1)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    public void Edit_distance(string a, string b, int distance) => Assert.Equal(distance, KeyNames.Distance(a, b));
}
