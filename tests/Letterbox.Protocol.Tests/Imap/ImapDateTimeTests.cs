using System.Globalization;
using System.Text;
using Letterbox.Protocol.Imap;

namespace Letterbox.Protocol.Tests.Imap;

public sealed class ImapDateTimeTests
{
    [Theory]
    [InlineData("25-Nov-2026 21:00:00 +0000", "2026-11-25T21:00:00+00:00")]
    [InlineData("17-Jul-1996 02:44:25 -0700", "1996-07-17T02:44:25-07:00")]
    [InlineData(" 5-Nov-2026 08:00:00 +0530", "2026-11-05T08:00:00+05:30")]
    [InlineData("5-nov-2026 08:00:00 +0530", "2026-11-05T08:00:00+05:30")]
    [InlineData("05-NOV-2026 23:59:59 -1400", "2026-11-05T23:59:59-14:00")]
    [InlineData("29-Feb-2024 00:00:00 +0000", "2024-02-29T00:00:00+00:00")]
    public void Parse(string text, string expected)
    {
        Assert.True(ImapDateTime.TryParse(Encoding.ASCII.GetBytes(text), out var value));
        Assert.Equal(expected, value.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("")]
    [InlineData("25-Nov-2026")]
    [InlineData("25-Nov-2026 21:00:00")]
    [InlineData("25-Nov-2026 21:00:00 0000")]
    [InlineData("25-Nov-2026 21:00:00 +000")]
    [InlineData("25-Nov-2026 21:00:00 +00000")]
    [InlineData("25-Nov-2026 24:00:00 +0000")]
    [InlineData("25-Nov-2026 21:60:00 +0000")]
    [InlineData("25-Nov-2026 21:00:60 +0000")]
    [InlineData("25-Nov-2026 21:00:00 +1500")]
    [InlineData("25-Nov-2026 21:00:00 +0060")]
    [InlineData("29-Feb-2026 21:00:00 +0000")]
    [InlineData("32-Jan-2026 21:00:00 +0000")]
    [InlineData("00-Jan-2026 21:00:00 +0000")]
    [InlineData("123-Jan-2026 21:00:00 +0000")]
    [InlineData("25-Foo-2026 21:00:00 +0000")]
    [InlineData("25-Nov-26 21:00:00 +0000")]
    [InlineData("25-Nov-2026  21:00:00 +0000")]
    [InlineData("01-Jan-0001 00:00:00 +0100")] // before DateTimeOffset's range in UTC
    [InlineData("31-Dec-9999 23:59:59 -0100")]
    [InlineData("25-Nov-2026 2a:00:00 +0000")]
    public void Refused(string text) => Assert.False(ImapDateTime.TryParse(Encoding.ASCII.GetBytes(text), out _));

    [Fact]
    public void Format()
    {
        Assert.Equal("25-Nov-2026 21:00:00 +0000", ImapDateTime.Format(new DateTimeOffset(2026, 11, 25, 21, 0, 0, TimeSpan.Zero)));
        Assert.Equal("05-Jan-2026 08:07:06 -0930", ImapDateTime.Format(new DateTimeOffset(2026, 1, 5, 8, 7, 6, new TimeSpan(-9, -30, 0))));
        Assert.Equal("25-Nov-2026", ImapDateTime.FormatDate(new DateOnly(2026, 11, 25)));
        Assert.Equal("5-Nov-2026", ImapDateTime.FormatDate(new DateOnly(2026, 11, 5)));
    }

    [Theory]
    [InlineData("25-Nov-2026", true)]
    [InlineData("1-Feb-1994", true)]
    [InlineData("01-feb-1994", true)]
    [InlineData("1-Feb-94", false)]
    [InlineData("1-Feb-1994 ", false)]
    [InlineData("30-Feb-1994", false)]
    [InlineData("Feb-1994", false)]
    public void Search_dates(string text, bool ok) => Assert.Equal(ok, ImapDateTime.TryParseDate(Encoding.ASCII.GetBytes(text), out _));

    [Fact]
    public void Format_and_parse_agree()
    {
        var random = new Random(11);
        for (int i = 0; i < 200; i++)
        {
            var value = new DateTimeOffset(random.Next(1970, 2100), random.Next(1, 13), random.Next(1, 29), random.Next(24), random.Next(60), random.Next(60),
                TimeSpan.FromMinutes(random.Next(-14 * 4, 14 * 4 + 1) * 15));
            Assert.True(ImapDateTime.TryParse(Encoding.ASCII.GetBytes(ImapDateTime.Format(value)), out var back));
            Assert.Equal(value, back);
            Assert.Equal(value.Offset, back.Offset);
        }
    }
}
