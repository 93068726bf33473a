using System.Text;
using Letterbox.Protocol.Http;

namespace Letterbox.Tests.Http;

/// <summary>
/// The request-head parser fed whole, byte by byte, and with hostile input. It must answer
/// "need more" for every prefix of a good request and the same result for the whole.
/// </summary>
public sealed class HttpRequestParserTests
{
    private static HttpParseStatus Parse(string text, out HttpRequestHead? head, out int error) =>
        HttpRequestParser.Parse(Encoding.Latin1.GetBytes(text), out head, out _, out error);

    [Theory]
    [InlineData("GET /healthz HTTP/1.1\r\nHost: mail.example.test\r\n\r\n", "GET", "/healthz")]
    [InlineData("HEAD /metrics?x=1 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n", "HEAD", "/metrics")]
    [InlineData("GET / HTTP/1.0\r\n\r\n", "GET", "/")]
    [InlineData("\r\nGET /livez HTTP/1.1\nHost: a\n\n", "GET", "/livez")]
    public void Parses_good_requests_whole_and_byte_by_byte(string text, string method, string path)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        for (int i = 0; i < bytes.Length; i++)
        {
            var partial = HttpRequestParser.Parse(bytes.AsSpan(0, i), out _, out _, out _);
            Assert.Equal(HttpParseStatus.NeedMore, partial);
        }
        var status = HttpRequestParser.Parse(bytes, out var head, out int consumed, out _);
        Assert.Equal(HttpParseStatus.Done, status);
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(method, head!.Method);
        Assert.Equal(path, head.Path);
    }

    [Theory]
    [InlineData("GET /x HTTP/1.1\r\n\r\n", 400)]                           // HTTP/1.1 without Host
    [InlineData("GET  /x HTTP/1.1\r\nHost: a\r\n\r\n", 400)]               // two spaces
    [InlineData("GET http://evil/ HTTP/1.1\r\nHost: a\r\n\r\n", 400)]      // absolute form: we are no proxy
    [InlineData("GET /x HTTP/2.0\r\nHost: a\r\n\r\n", 505)]
    [InlineData("GET /x HTTP/1.1\r\nHost : a\r\n\r\n", 400)]               // space before colon (RFC 9112 §5.1)
    [InlineData("GET /x HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400)]     // obsolete line folding
    [InlineData("GET /x HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400)]          // bare CR
    [InlineData("GET /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 411)]
    [InlineData("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", 413)]
    [InlineData("G\u00c9T /x HTTP/1.1\r\nHost: a\r\n\r\n", 400)]          // 8-bit in the method
    [InlineData("GET /x HTTP/1.1\r\nHost: a\u0000\r\n\r\n", 400)]          // NUL
    [InlineData("\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003\n\n", 400)] // a TLS ClientHello
    public void Refuses_malformed_requests_with_the_right_status(string text, int expected)
    {
        Assert.Equal(HttpParseStatus.Invalid, Parse(text, out var head, out int error));
        Assert.Null(head);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void A_head_that_never_ends_is_cut_at_the_limit()
    {
        var text = "GET /x HTTP/1.1\r\nHost: a\r\nX-Pad: " + new string('a', HttpRequestParser.MaxHeadBytes);
        Assert.Equal(HttpParseStatus.Invalid, Parse(text, out _, out int error));
        Assert.Equal(431, error);
    }

    [Fact]
    public void Too_many_headers_are_refused()
    {
        var sb = new StringBuilder("GET /x HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < HttpRequestParser.MaxHeaders + 1; i++)
            sb.Append("X-").Append(i).Append(": y\r\n");
        sb.Append("\r\n");
        Assert.Equal(HttpParseStatus.Invalid, Parse(sb.ToString(), out _, out int error));
        Assert.Equal(431, error);
    }

    [Fact]
    public void Random_garbage_never_throws()
    {
        var rng = new Random(1234);
        for (int i = 0; i < 2000; i++)
        {
            var bytes = new byte[rng.Next(0, 300)];
            rng.NextBytes(bytes);
            if (rng.Next(2) == 0)
                bytes = [.. "GET / HTTP/1.1\r\n"u8.ToArray(), .. bytes, .. "\r\n\r\n"u8.ToArray()];
            var status = HttpRequestParser.Parse(bytes, out var head, out _, out int error);
            Assert.True(status != HttpParseStatus.Done || head is not null);
            Assert.True(status != HttpParseStatus.Invalid || error >= 400);
        }
    }
}
