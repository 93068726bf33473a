using System.Text;
using Letterbox.Protocol.Smtp;

namespace Letterbox.Protocol.Tests.Smtp;

public sealed class SmtpAddressParserTests
{
    private static SmtpAddressError Path(string path, SmtpPathKind kind, bool utf8, out SmtpAddress? address, out int consumed) =>
        SmtpAddressParser.TryParsePath(Encoding.UTF8.GetBytes(path), kind, utf8, out address, out consumed);

    private static SmtpAddressError Path(byte[] path, SmtpPathKind kind = SmtpPathKind.Forward, bool utf8 = true) =>
        SmtpAddressParser.TryParsePath(path, kind, utf8, out _, out _);

    [Theory]
    [InlineData("<a@example.com>", "a", "example.com", false, false)]
    [InlineData("<Postmaster@EXAMPLE.com>", "Postmaster", "example.com", true, false)]
    [InlineData("<POSTMASTER>", "POSTMASTER", "", true, false)]
    [InlineData("<\"x y\"@example.com>", "x y", "example.com", false, false)]
    [InlineData("<\"\"@example.com>", "", "example.com", false, false)]
    [InlineData("<a@[192.0.2.1]>", "a", "[192.0.2.1]", false, true)]
    [InlineData("<a@[IPv6:2001:db8::1]>", "a", "[IPv6:2001:db8::1]", false, true)]
    [InlineData("<a@[ipv6:2001:DB8::1]>", "a", "[IPv6:2001:db8::1]", false, true)]
    [InlineData("<@a.example,@b.example:user@c.example>", "user", "c.example", false, false)]
    [InlineData("<!#$%&'*+-/=?^_`{|}~@example.com>", "!#$%&'*+-/=?^_`{|}~", "example.com", false, false)]
    [InlineData("<a@localhost>", "a", "localhost", false, false)]
    [InlineData("<a@x1-2.example>", "a", "x1-2.example", false, false)]
    public void Parses_forward_paths(string input, string local, string domain, bool postmaster, bool literal)
    {
        Assert.Equal(SmtpAddressError.None, Path(input + " NOTIFY=NEVER", SmtpPathKind.Forward, false, out var a, out int consumed));
        Assert.Equal(input.Length, consumed);
        Assert.Equal(local, a!.LocalPart);
        Assert.Equal(domain, a.Domain);
        Assert.Equal(postmaster, a.IsPostmaster);
        Assert.Equal(literal, a.IsAddressLiteral);
        Assert.False(a.IsNull);
        Assert.False(a.RequiresSmtpUtf8);
    }

    [Fact]
    public void The_null_path_is_for_mail_only()
    {
        Assert.Equal(SmtpAddressError.None, Path("<>", SmtpPathKind.Reverse, false, out var a, out int n));
        Assert.Same(SmtpAddress.Null, a);
        Assert.True(a!.IsNull);
        Assert.Equal(2, n);
        Assert.Equal("<>", a.ToPath());
        Assert.Equal(SmtpAddressError.NullNotAllowed, Path("<>", SmtpPathKind.Forward, false, out _, out _));
        // The domain-less postmaster is for RCPT only.
        Assert.Equal(SmtpAddressError.Syntax, Path("<Postmaster>", SmtpPathKind.Reverse, false, out _, out _));
    }

    [Theory]
    [InlineData("a@example.com")]
    [InlineData("<a@example.com")]
    [InlineData("<<a@example.com>>")]
    [InlineData("< a@example.com>")]
    [InlineData("<a@example.com >")]
    [InlineData("<a b@example.com>")]
    [InlineData("<a@exa mple.com>")]
    [InlineData("<a\t@example.com>")]
    [InlineData("<a\0@example.com>")]
    [InlineData("<\"a\0\"@example.com>")]
    [InlineData("<\"a\\\u0001\"@example.com>")]
    [InlineData("<a\r\n@example.com>")]
    [InlineData("<@>")]
    [InlineData("<@a.example>")]
    [InlineData("<@a.example:>")]
    [InlineData("<@a.example;user@b.example>")]
    [InlineData("<@a.example,@:user@b.example>")]
    [InlineData("<@a.example,,@b.example:user@c.example>")]
    [InlineData("<@-a.example:user@c.example>")]
    [InlineData("<a@example..com>")]
    [InlineData("<a@[192.0.2.256]>")]
    [InlineData("<a@[192.0.2]>")]
    [InlineData("<a@[0x7f.0.0.1]>")]
    [InlineData("<a@[IPv6:2001:db8::1%25eth0]>")]
    [InlineData("<a@[IPv6:not-an-address]>")]
    [InlineData("<a@[]>")]
    [InlineData("<a@[192.0.2.1]x>")]
    [InlineData("<")]
    [InlineData("")]
    [InlineData("<a@\u0085example.com>")]
    public void Refuses_malformed_paths(string input)
    {
        Assert.Equal(SmtpAddressError.Syntax, Path(input, SmtpPathKind.Forward, true, out var a, out int consumed));
        Assert.Null(a);
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void Local_part_limit_is_64_octets()
    {
        string ok = new('l', 64), over = new('l', 65), huge = new('l', 300);
        Assert.Equal(SmtpAddressError.None, Path($"<{ok}@example.com>", SmtpPathKind.Forward, false, out _, out _));
        Assert.Equal(SmtpAddressError.LocalPartTooLong, Path($"<{over}@example.com>", SmtpPathKind.Forward, false, out _, out _));
        Assert.Equal(SmtpAddressError.LocalPartTooLong, Path($"<{huge}@example.com>", SmtpPathKind.Forward, false, out _, out _));
        // Quoted: the 64 octets include the quotes.
        Assert.Equal(SmtpAddressError.None, Path($"<\"{new string('q', 62)}\"@example.com>", SmtpPathKind.Forward, false, out _, out _));
        Assert.Equal(SmtpAddressError.LocalPartTooLong, Path($"<\"{new string('q', 63)}\"@example.com>", SmtpPathKind.Forward, false, out _, out _));
        Assert.Equal(SmtpAddressError.LocalPartTooLong, Path($"<\"{new string('q', 300)}\"@example.com>", SmtpPathKind.Forward, false, out _, out _));
        // Counted in octets, not characters.
        Assert.Equal(SmtpAddressError.LocalPartTooLong, Path($"<{new string('ü', 33)}@example.com>", SmtpPathKind.Forward, true, out _, out _));
        Assert.Equal(SmtpAddressError.None, Path($"<{new string('ü', 32)}@example.com>", SmtpPathKind.Forward, true, out _, out _));
    }

    [Fact]
    public void Label_and_domain_limits()
    {
        string label63 = new('d', 63), label64 = new('d', 64), label65 = new('d', 65);
        Assert.Equal(SmtpAddressError.None, Path($"<a@{label63}.example>", SmtpPathKind.Forward, false, out _, out _));
        Assert.Equal(SmtpAddressError.DomainTooLong, Path($"<a@{label64}.example>", SmtpPathKind.Forward, false, out _, out _));
        Assert.Equal(SmtpAddressError.DomainTooLong, Path($"<a@{label65}.example>", SmtpPathKind.Forward, false, out _, out _));
        Assert.Equal(SmtpAddressError.DomainTooLong, Path($"<@{label65}.example:a@b.example>", SmtpPathKind.Forward, false, out _, out _));

        // 255 octets of domain pass; 256 do not (RFC 5321 §4.5.3.1.2). In a path the 256-octet path
        // limit bites first, so the domain limit shows on a bare mailbox.
        string d255 = string.Join('.', Enumerable.Repeat(new string('d', 63), 4))[..255];
        Assert.Equal(SmtpAddressError.None, SmtpAddressParser.TryParseMailbox($"a@{d255}", false, out var a));
        Assert.Equal(255, a!.Domain.Length);
        Assert.Equal(SmtpAddressError.DomainTooLong, SmtpAddressParser.TryParseMailbox($"a@{d255}d", false, out _));
        Assert.Equal(SmtpAddressError.DomainTooLong, Path($"<a@{d255}d>", SmtpPathKind.Forward, false, out _, out _));
        Assert.Equal(SmtpAddressError.PathTooLong, Path($"<a@{d255}>", SmtpPathKind.Forward, false, out _, out _));

        // A path is at most 256 octets with its brackets (RFC 5321 §4.5.3.1.3).
        string d189 = d255[..189];
        string local64 = new('l', 64);
        Assert.Equal(256, $"<{local64}@{d189}>".Length);
        Assert.Equal(SmtpAddressError.None, Path($"<{local64}@{d189}>", SmtpPathKind.Forward, false, out _, out _));
        Assert.Equal(SmtpAddressError.PathTooLong, Path($"<{local64}@{d189}d>", SmtpPathKind.Forward, false, out _, out _));
        Assert.Equal(SmtpAddressError.PathTooLong, Path($"<@{d189}:{local64}@b.example>", SmtpPathKind.Forward, false, out _, out _));
    }

    [Fact]
    public void Utf8_needs_smtputf8_and_must_be_valid()
    {
        Assert.Equal(SmtpAddressError.NeedsSmtpUtf8, Path("<ü@example.com>", SmtpPathKind.Forward, false, out _, out _));
        Assert.Equal(SmtpAddressError.NeedsSmtpUtf8, Path("<a@bücher.example>", SmtpPathKind.Forward, false, out _, out _));
        Assert.Equal(SmtpAddressError.NeedsSmtpUtf8, Path("<\"ü x\"@example.com>", SmtpPathKind.Forward, false, out _, out _));
        Assert.Equal(SmtpAddressError.NeedsSmtpUtf8, Path("<@bücher.example:a@example.com>", SmtpPathKind.Forward, false, out _, out _));
        Assert.Equal(SmtpAddressError.None, Path("<ü@Bücher.Example>", SmtpPathKind.Forward, true, out var a, out _));
        Assert.True(a!.RequiresSmtpUtf8);
        Assert.Equal("ü@bücher.example", a.ToString());

        byte[][] invalid =
        [
            [.. "<"u8, 0xFF, .. "@example.com>"u8],           // never valid
            [.. "<"u8, 0xC3, .. "@example.com>"u8],           // truncated sequence
            [.. "<"u8, 0xC0, 0xAF, .. "@example.com>"u8],     // overlong "/"
            [.. "<"u8, 0xED, 0xA0, 0x80, .. "@example.com>"u8], // UTF-16 surrogate
            [.. "<a@"u8, 0xFE, .. ".example>"u8],
            [.. "<\""u8, 0xFF, .. "\"@example.com>"u8],
        ];
        foreach (var bytes in invalid)
        {
            Assert.Equal(SmtpAddressError.InvalidUtf8, Path(bytes, utf8: true));
            Assert.Equal(SmtpAddressError.InvalidUtf8, Path(bytes, utf8: false));
        }
    }

    [Theory]
    [InlineData("a@example.com", "a@example.com")]
    [InlineData("A.B@Example.COM", "A.B@example.com")]
    [InlineData("\"a b\"@example.com", "\"a b\"@example.com")]
    [InlineData("\"ab\"@example.com", "ab@example.com")]
    [InlineData("\"a..b\"@example.com", "\"a..b\"@example.com")]
    [InlineData("\"a\\\\b\"@example.com", "\"a\\\\b\"@example.com")]
    public void Mailboxes_round_trip(string input, string normalized)
    {
        Assert.Equal(SmtpAddressError.None, SmtpAddressParser.TryParseMailbox(input, false, out var a));
        Assert.Equal(normalized, a!.ToString());
        Assert.Equal(SmtpAddressError.None, SmtpAddressParser.TryParseMailbox(a.ToString(), false, out var again));
        Assert.Equal(a, again);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("a@")]
    [InlineData("<a@example.com>")]
    [InlineData("a@example.com ")]
    [InlineData("Postmaster")]
    public void Bare_mailbox_refusals(string input) =>
        Assert.NotEqual(SmtpAddressError.None, SmtpAddressParser.TryParseMailbox(input, true, out _));

    [Fact]
    public void Domain_syntax()
    {
        Assert.True(SmtpDomain.IsValid("a.b-c.d1"u8, false));
        Assert.False(SmtpDomain.IsValid("a_b.example"u8, false));
        Assert.False(SmtpDomain.IsValid(""u8, false));
        Assert.False(SmtpDomain.IsValid("a..b"u8, false));
        Assert.False(SmtpDomain.IsValid(Encoding.UTF8.GetBytes("bücher.example"), false));
        Assert.True(SmtpDomain.IsValid(Encoding.UTF8.GetBytes("bücher.example"), true));
        Assert.False(SmtpDomain.IsValid(Encoding.UTF8.GetBytes("-bücher.example"), true));
        Assert.True(SmtpDomain.TryParseAddressLiteral("[010.000.002.001]"u8, out var ip));
        Assert.Equal("10.0.2.1", ip!.ToString());
        Assert.False(SmtpDomain.TryParseAddressLiteral("[1.2.3.4.5]"u8, out _));
        Assert.False(SmtpDomain.TryParseAddressLiteral("[1234.2.3.4]"u8, out _));
        Assert.False(SmtpDomain.TryParseAddressLiteral("1.2.3.4"u8, out _));
        Assert.False(SmtpDomain.TryParseAddressLiteral("[IPv6:1.2.3.4]"u8, out _));
    }
}
