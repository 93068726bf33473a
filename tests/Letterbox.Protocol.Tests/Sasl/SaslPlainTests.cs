using System.Text;
using Letterbox.Protocol.Sasl;

namespace Letterbox.Protocol.Tests.Sasl;

public sealed class SaslPlainTests
{
    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    [Theory]
    [InlineData("\0alice@example.com\0secret", "", "alice@example.com", "secret")]
    [InlineData("admin\0alice@example.com\0pässwörd", "admin", "alice@example.com", "pässwörd")]
    public void Decodes_rfc_4616_messages(string message, string authz, string authc, string password)
    {
        var c = SaslPlain.Decode(B64(message));
        Assert.Equal(new PlainCredentials(authz, authc, password), c);
    }

    [Theory]
    [InlineData("not base64 !!")]
    [InlineData("")]
    public void Refuses_bad_base64(string input) => Assert.Null(SaslPlain.Decode(input));

    [Theory]
    [InlineData("alice secret")]              // no NULs
    [InlineData("\0alice")]                   // one NUL
    [InlineData("\0\0secret")]                // empty authcid
    [InlineData("\0alice\0")]                 // empty password
    [InlineData("\0alice\0sec\0ret")]         // NUL in the password
    public void Refuses_malformed_messages(string message) => Assert.Null(SaslPlain.Decode(B64(message)));

    [Fact]
    public void Refuses_invalid_utf8_and_overlong_fields()
    {
        Assert.Null(SaslPlain.Parse([0, (byte)'a', 0, 0xff, 0xfe]));
        Assert.Null(SaslPlain.Decode(B64("\0" + new string('a', 256) + "\0pw")));
        Assert.Null(SaslPlain.Decode(new string('A', 100_000)));
    }
}
