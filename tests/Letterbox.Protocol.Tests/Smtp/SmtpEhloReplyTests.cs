using Letterbox.Protocol.Smtp;

namespace Letterbox.Protocol.Tests.Smtp;

public sealed class SmtpEhloReplyTests
{
    private const SmtpExtensions Everything = SmtpExtensions.Pipelining | SmtpExtensions.Size | SmtpExtensions.EightBitMime
        | SmtpExtensions.SmtpUtf8 | SmtpExtensions.EnhancedStatusCodes | SmtpExtensions.StartTls | SmtpExtensions.Chunking
        | SmtpExtensions.BinaryMime | SmtpExtensions.Auth | SmtpExtensions.Dsn;

    [Fact]
    public void Before_tls_offers_starttls_and_no_auth()
    {
        var reply = SmtpEhloReply.Create("mx.example.com", Everything, tlsActive: false, 10485760, ["PLAIN", "LOGIN"]);
        Assert.Equal(
            "250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10485760\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n" +
            "250-ENHANCEDSTATUSCODES\r\n250-STARTTLS\r\n250-CHUNKING\r\n250-BINARYMIME\r\n250 DSN\r\n",
            reply.ToString());
        Assert.Null(reply.Status);
    }

    [Fact]
    public void After_tls_offers_auth_and_no_starttls()
    {
        var reply = SmtpEhloReply.Create("mx.example.com", Everything, tlsActive: true, 0, ["PLAIN", "LOGIN"], "at your service");
        Assert.Equal(
            "250-mx.example.com at your service\r\n250-PIPELINING\r\n250-SIZE 0\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n" +
            "250-ENHANCEDSTATUSCODES\r\n250-CHUNKING\r\n250-BINARYMIME\r\n250-AUTH PLAIN LOGIN\r\n250 DSN\r\n",
            reply.ToString());
    }

    [Fact]
    public void Only_what_is_enabled()
    {
        Assert.Equal("250-mx\r\n250 PIPELINING\r\n", SmtpEhloReply.Create("mx", SmtpExtensions.Pipelining, false, 0).ToString());
        Assert.Equal("250 mx\r\n", SmtpEhloReply.Create("mx", SmtpExtensions.None, false, 0).ToString());
        // BINARYMIME needs CHUNKING (RFC 3030 §3); AUTH needs mechanisms.
        Assert.Equal("250 mx\r\n", SmtpEhloReply.Create("mx", SmtpExtensions.BinaryMime | SmtpExtensions.Auth, true, 0).ToString());
    }

    [Theory]
    [InlineData(false, true, SmtpExtensions.StartTls)]
    [InlineData(true, true, SmtpExtensions.Auth)]
    [InlineData(true, false, SmtpExtensions.None)]
    public void Advertised_set_feeds_the_parser(bool tls, bool mechanisms, SmtpExtensions expected)
    {
        Assert.Equal(expected, SmtpEhloReply.Advertised(SmtpExtensions.StartTls | SmtpExtensions.Auth, tls, mechanisms));
    }
}
