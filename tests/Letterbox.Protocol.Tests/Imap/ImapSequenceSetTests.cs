using System.Text;
using Letterbox.Protocol.Imap;

namespace Letterbox.Protocol.Tests.Imap;

public sealed class ImapSequenceSetTests
{
    private static ImapSequenceSet Parse(string text)
    {
        Assert.True(ImapSequenceSet.TryParse(Encoding.ASCII.GetBytes(text), 10_000, out var set), text);
        return set!;
    }

    [Theory]
    [InlineData("1", 10, "1")]
    [InlineData("1:5,7,9:*", 12, "1:5,7,9:12")]
    [InlineData("*", 12, "12")]
    [InlineData("*:4,5:7", 10, "4:10")] // RFC 9051 §9 seq-range example
    [InlineData("2,4:7,9,12:*", 15, "2,4:7,9,12:15")]
    [InlineData("7:3", 10, "3:7")]
    [InlineData("5,1,3,2,4", 10, "1:5")]
    [InlineData("559:*", 100, "100:559")] // a UID range past the last UID still includes it
    [InlineData("1:4294967295", 7, "1:4294967295")]
    [InlineData("4294967295", 7, "4294967295")]
    [InlineData("*", 0, "")] // nothing in use: "*" matches nothing
    [InlineData("1:*,3", 0, "3")]
    public void Resolve(string text, uint largest, string expected)
    {
        var set = Parse(text);
        Assert.Equal(text, set.ToString());
        Assert.Equal(expected, set.Resolve(largest).ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("1:0")]
    [InlineData("01")]
    [InlineData("1,")]
    [InlineData(",1")]
    [InlineData("1,,2")]
    [InlineData("1:")]
    [InlineData(":1")]
    [InlineData("1:2:3")]
    [InlineData("4294967296")]
    [InlineData("99999999999999999999999")]
    [InlineData("$,1")]
    [InlineData("1,$")]
    [InlineData("**")]
    [InlineData("1 2")]
    [InlineData("-1")]
    public void Refused(string text) => Assert.False(ImapSequenceSet.TryParse(Encoding.ASCII.GetBytes(text), 10_000, out _));

    [Fact]
    public void Saved_result()
    {
        var set = Parse("$");
        Assert.True(set.IsSavedResult);
        Assert.Same(ImapSequenceSet.SavedResult, set);
        Assert.Equal("$", set.ToString());
        Assert.Throws<InvalidOperationException>(() => set.Resolve(5));
    }

    [Fact]
    public void Range_cap()
    {
        Assert.True(ImapSequenceSet.TryParse("1,2,3"u8, 3, out _));
        Assert.False(ImapSequenceSet.TryParse("1,2,3,4"u8, 3, out _));
    }

    [Fact]
    public void Huge_ranges_cost_nothing_until_enumerated()
    {
        var all = Parse("1:*").Resolve(uint.MaxValue);
        Assert.Equal(uint.MaxValue, all.Count);
        Assert.True(all.Contains(uint.MaxValue));
        Assert.False(all.Contains(0));
        Assert.Equal([1u, 2u, 3u], all.Take(3));

        var resolved = Parse("10:20,30,40:50,25").Resolve(100);
        Assert.Equal(24, resolved.Count);
        Assert.Equal((10u, 50u), (resolved.Min, resolved.Max));
        foreach (uint n in new uint[] { 10, 15, 20, 25, 30, 40, 50 })
            Assert.True(resolved.Contains(n));
        foreach (uint n in new uint[] { 9, 21, 24, 26, 31, 39, 51 })
            Assert.False(resolved.Contains(n));
        Assert.Equal(resolved.ToList(), resolved.Distinct().Order());
    }

    [Theory]
    [InlineData("1:5", 5, true)]
    [InlineData("1:6", 5, false)]
    [InlineData("*", 5, true)]
    [InlineData("*", 0, false)] // RFC 9051 §9: "*" on an empty mailbox is BAD for sequence numbers
    [InlineData("1", 0, false)]
    public void Valid_for_message_count(string text, uint count, bool valid) => Assert.Equal(valid, Parse(text).IsValidFor(count));

    [Fact]
    public void Contains_without_resolving()
    {
        var set = Parse("3:*,1");
        Assert.True(set.Contains(1, 10));
        Assert.False(set.Contains(2, 10));
        Assert.True(set.Contains(10, 10));
        Assert.False(set.Contains(11, 10));
        Assert.True(set.HasStar);
        Assert.False(Parse("1:4").HasStar);
    }

    [Theory]
    [InlineData(new uint[] { 1 }, "1")]
    [InlineData(new uint[] { 3, 4, 5, 9 }, "3:5,9")]
    [InlineData(new uint[] { 9, 3, 4, 5 }, "9,3:5")] // order kept: COPYUID pairs sets in order
    [InlineData(new uint[] { 4294967294, 4294967295 }, "4294967294:4294967295")]
    public void Format(uint[] numbers, string expected) => Assert.Equal(expected, ImapSequenceSet.Format(numbers));

    [Fact]
    public void Format_refuses_nonsense()
    {
        Assert.Throws<ArgumentException>(() => ImapSequenceSet.Format([]));
        Assert.Throws<ArgumentException>(() => ImapSequenceSet.Format([0u]));
    }
}
