namespace Letterbox.Store.Tests.Index;

public sealed class ModifiedUtf7Tests
{
    // RFC 3501 §5.1.3 and Dovecot's directory names.
    [Theory]
    [InlineData("INBOX", "INBOX")]
    [InlineData("Entwürfe", "Entw&APw-rfe")]
    [InlineData("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-")]
    [InlineData("&", "&-")]
    [InlineData("Tom & Jerry", "Tom &- Jerry")]
    [InlineData("ü", "&APw-")]
    [InlineData("üü", "&APwA,A-")]
    [InlineData("😀", "&2D3eAA-")]
    public void Encodes_and_decodes(string text, string encoded)
    {
        Assert.Equal(encoded, ModifiedUtf7.Encode(text));
        Assert.Equal(text, ModifiedUtf7.Decode(encoded));
    }

    [Theory]
    [InlineData("&AGE-")] // 'a' must not be shifted
    [InlineData("&APw-&APw-")] // two shifted runs in a row
    [InlineData("&APw")] // unterminated
    [InlineData("&AP-")] // leftover bits
    [InlineData("&APx-")] // non-zero padding bits
    [InlineData("&2D0-")] // lone high surrogate
    [InlineData("é")] // raw 8-bit
    [InlineData("&A=w-")] // not base64
    public void Refuses_what_is_not_canonical(string encoded)
    {
        Assert.Null(ModifiedUtf7.Decode(encoded));
    }

    [Fact]
    public void Refuses_to_encode_an_unpaired_surrogate()
    {
        Assert.Throws<ArgumentException>(() => ModifiedUtf7.Encode("a\ud800b"));
    }
}
