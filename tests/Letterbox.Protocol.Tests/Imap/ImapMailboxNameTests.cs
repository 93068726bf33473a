using System.Text;
using Letterbox.Protocol.Imap;

namespace Letterbox.Protocol.Tests.Imap;

/// <summary>Modified UTF-7 (RFC 3501 §5.1.3) and UTF-8 mailbox names (RFC 6855).</summary>
public sealed class ImapMailboxNameTests
{
    [Theory]
    [InlineData("INBOX", "INBOX")]
    [InlineData("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-")] // RFC 3501 §5.1.3 example
    [InlineData("☺!", "&Jjo-!")] // RFC 2152-style example from RFC 3501
    [InlineData("Tom & Jerry", "Tom &- Jerry")]
    [InlineData("&", "&-")]
    [InlineData("Entwürfe", "Entw&APw-rfe")]
    [InlineData("Ünïcödé", "&ANw-n&AO8-c&APY-d&AOk-")]
    [InlineData("𝄞 music", "&2DTdHg- music")] // a surrogate pair
    [InlineData("a\u00e9\u00e9b", "a&AOkA6Q-b")]
    [InlineData("", "")]
    public void Round_trip(string name, string wire)
    {
        Assert.Equal(wire, ImapMailboxName.EncodeModifiedUtf7(name));
        Assert.True(ImapMailboxName.TryDecodeModifiedUtf7(Encoding.ASCII.GetBytes(wire), out var decoded));
        Assert.Equal(name, decoded);
        Assert.Equal(wire, ImapMailboxName.Encode(name, utf8: false));
        Assert.Equal(name, ImapMailboxName.Encode(name, utf8: true));
    }

    [Theory]
    [InlineData("&")] // unterminated shift
    [InlineData("&AGE")] // unterminated run: names "MUST end in US-ASCII"
    [InlineData("abc&")]
    [InlineData("&AGE-&AGE-")] // null shift: two adjacent encoded runs
    [InlineData("&A!-")] // not modified BASE64
    [InlineData("&AG/-")] // "/" is "," in modified BASE64
    [InlineData("&AGE=-")] // no padding
    [InlineData("&AEE-")] // "A" encoded: printable ASCII must stand for itself
    [InlineData("&ACY-")] // "&" encoded instead of "&-"
    [InlineData("&AGF-")] // leftover bits not zero
    [InlineData("&A-")] // fewer than 16 bits
    [InlineData("&AGEA-")] // leftover of 6 bits or more
    [InlineData("&2D0-")] // lone high surrogate
    [InlineData("&3R4-")] // lone low surrogate
    [InlineData("&2DTYNA-")] // high surrogate followed by another high
    [InlineData("tab\there")] // raw control character
    [InlineData("&AAA-")] // decodes to U+0000
    [InlineData("&AAo-")] // decodes to LF
    public void Invalid_modified_utf7_is_refused(string wire)
    {
        Assert.False(ImapMailboxName.TryDecode(Encoding.ASCII.GetBytes(wire), utf8: false, out _));
    }

    [Fact]
    public void Raw_8bit_is_refused_in_modified_utf7()
    {
        Assert.False(ImapMailboxName.TryDecodeModifiedUtf7([0x42, 0xC3, 0xBC], out _));
        Assert.False(ImapMailboxName.TryDecodeModifiedUtf7([0x00], out _));
        Assert.False(ImapMailboxName.TryDecodeModifiedUtf7([0x7F], out _));
    }

    [Fact]
    public void Utf8_names()
    {
        Assert.True(ImapMailboxName.TryDecode("Bücher/日本語"u8, utf8: true, out var name));
        Assert.Equal("Bücher/日本語", name);
        Assert.True(ImapMailboxName.TryDecode("&ZeVnLIqe-"u8, utf8: true, out var literal));
        Assert.Equal("&ZeVnLIqe-", literal); // no mUTF-7 decoding once UTF-8 is on
        Assert.False(ImapMailboxName.TryDecode([0xC3, 0x28], utf8: true, out _)); // invalid UTF-8
        Assert.False(ImapMailboxName.TryDecode([0xED, 0xA0, 0x80], utf8: true, out _)); // encoded surrogate
        Assert.False(ImapMailboxName.TryDecode("a\u0085b"u8, utf8: true, out _)); // C1 control
        Assert.False(ImapMailboxName.TryDecode("a\rb"u8, utf8: true, out _));
    }

    [Fact]
    public void Lone_surrogates_are_replaced_when_encoding()
    {
        string wire = ImapMailboxName.EncodeModifiedUtf7("a\uD800b");
        Assert.True(ImapMailboxName.TryDecodeModifiedUtf7(Encoding.ASCII.GetBytes(wire), out var back));
        Assert.Equal("a\uFFFDb", back);
    }

    [Theory]
    [InlineData("inbox", "INBOX")]
    [InlineData("InBoX", "INBOX")]
    [InlineData("INBOX/Sub", "INBOX/Sub")]
    [InlineData("Inboxes", "Inboxes")]
    public void Inbox_is_case_insensitive(string name, string expected) => Assert.Equal(expected, ImapMailboxName.Normalize(name));
}
