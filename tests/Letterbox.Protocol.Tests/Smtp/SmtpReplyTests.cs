using System.Buffers;
using System.Text;
using Letterbox.Protocol.Smtp;

namespace Letterbox.Protocol.Tests.Smtp;

public sealed class SmtpReplyTests
{
    [Fact]
    public void Single_line_with_enhanced_code()
    {
        var reply = new SmtpReply(SmtpReplyCode.Ok, EnhancedStatus.OtherAddress, "Ok");
        Assert.Equal("250 2.1.0 Ok\r\n", reply.ToString());
        Assert.Equal("2.1.0", reply.EnhancedCode);
        Assert.True(reply.IsPositive);
    }

    [Fact]
    public void The_class_follows_the_reply_code()
    {
        Assert.Equal("550 5.1.1 No such user\r\n", new SmtpReply(550, EnhancedStatus.BadDestinationMailbox, "No such user").ToString());
        Assert.Equal("450 4.2.2 Mailbox full\r\n", new SmtpReply(450, EnhancedStatus.MailboxFull, "Mailbox full").ToString());
        Assert.True(new SmtpReply(450, null).IsTransient);
        Assert.True(new SmtpReply(554, null).IsPermanent);
    }

    [Fact]
    public void Multi_line()
    {
        Assert.Equal("250-a\r\n250 b\r\n", new SmtpReply(250, null, "a", "b").ToString());
        Assert.Equal("214-2.0.0 one\r\n214-2.0.0 two\r\n214 2.0.0 three\r\n",
            new SmtpReply(214, EnhancedStatus.Undefined, "one", "two", "three").ToString());
    }

    [Fact]
    public void Empty_text()
    {
        Assert.Equal("250\r\n", new SmtpReply(250, null).ToString());
        Assert.Equal("250 2.0.0\r\n", new SmtpReply(250, EnhancedStatus.Undefined, "").ToString());
        Assert.Equal("250-\r\n250 x\r\n", new SmtpReply(250, null, "", "x").ToString());
    }

    [Theory]
    [InlineData("evil\r\n250 injected", "evil  250 injected")]
    [InlineData("a\nb", "a b")]
    [InlineData("a\rb", "a b")]
    [InlineData("nul\0here", "nul here")]
    [InlineData("tab\tkept", "tab\tkept")]
    [InlineData("Grüße", "Gr??e")]
    [InlineData("\u0085", "?")]
    public void Text_never_breaks_the_line(string text, string expected)
    {
        var reply = new SmtpReply(550, EnhancedStatus.DeliveryNotAuthorized, text);
        string wire = reply.ToString();
        Assert.Equal($"550 5.7.1 {expected}\r\n", wire);
        Assert.Equal(1, wire.Count(c => c == '\n'));
        Assert.Equal(1, wire.Count(c => c == '\r'));
    }

    [Fact]
    public void Long_text_is_cut_to_512_octets_per_line()
    {
        var reply = new SmtpReply(250, EnhancedStatus.Undefined, new string('x', 2000), "short");
        var lines = reply.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal(510, lines[0].Length);
        Assert.Equal("250 2.0.0 short", lines[1]);
    }

    [Fact]
    public void Writes_to_a_buffer_writer()
    {
        var writer = new ArrayBufferWriter<byte>();
        int n = SmtpReplies.LineTooLong.WriteTo(writer);
        Assert.Equal("500 5.5.2 Line too long\r\n", Encoding.ASCII.GetString(writer.WrittenSpan));
        Assert.Equal(n, writer.WrittenCount);
        Assert.Equal(writer.WrittenSpan.ToArray(), SmtpReplies.LineTooLong.ToBytes());
    }

    [Fact]
    public void Well_known_replies()
    {
        Assert.Equal("550 5.5.2 Error: bare <LF> received\r\n", SmtpReplies.BareLineFeed.ToString());
        Assert.Equal("552 5.3.4 Message size exceeds fixed maximum message size\r\n", SmtpReplies.MessageTooBig.ToString());
        Assert.Equal("354 End data with <CR><LF>.<CR><LF>\r\n", SmtpReplies.StartMailInput.ToString());
    }

    [Fact]
    public void Bad_codes_are_bugs()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmtpReply(199, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmtpReply(600, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EnhancedStatusCode(1000, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EnhancedStatusCode(0, -1));
    }

    [Fact]
    public void Errors_become_replies()
    {
        var error = new SmtpError(SmtpReplyCode.ParametersNotRecognized, EnhancedStatus.InvalidArguments, "Unrecognized parameter");
        Assert.Equal("555 5.5.4 Unrecognized parameter\r\n", error.ToReply().ToString());
        Assert.Equal("5.5.4", error.EnhancedCode);
    }
}
