using Letterbox.Protocol.Smtp;

namespace Letterbox.Protocol.Tests.Smtp;

public sealed class XtextTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a+2Bb", "a+b")]
    [InlineData("e+3Dmc2", "e=mc2")]
    [InlineData("lower+2bcase", "lower+case")]
    [InlineData("sp+20ace", "sp ace")]
    [InlineData("utf+C3+BC", "utfü")]
    [InlineData("", "")]
    public void Decodes(string encoded, string decoded)
    {
        Assert.True(Xtext.TryDecode(encoded, out var value));
        Assert.Equal(decoded, value);
    }

    [Theory]
    [InlineData("a=b")]
    [InlineData("a b")]
    [InlineData("a+")]
    [InlineData("a+2")]
    [InlineData("a+G0")]
    [InlineData("+FF")]
    [InlineData("ü")]
    public void Refuses(string encoded) => Assert.False(Xtext.TryDecode(encoded, out _));

    [Theory]
    [InlineData("user@example.com")]
    [InlineData("a+b=c d")]
    [InlineData("ünïcödé")]
    public void Round_trips(string value)
    {
        string encoded = Xtext.Encode(value);
        Assert.DoesNotContain(' ', encoded);
        Assert.True(Xtext.TryDecode(encoded, out var back));
        Assert.Equal(value, back);
    }
}
