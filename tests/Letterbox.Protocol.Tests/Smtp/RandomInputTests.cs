using System.Text;
using Letterbox.Protocol.Smtp;

namespace Letterbox.Protocol.Tests.Smtp;

/// <summary>
/// Random bytes, biased towards the characters the grammars care about, never make a parser
/// throw. Fixed seed and a bounded number of rounds, so a failure reproduces and the run stays short.
/// </summary>
public sealed class RandomInputTests
{
    private static readonly byte[] Interesting = Encoding.ASCII.GetBytes("<>@:;,.\"\\[]=+ \r\n\t\0-_abcXYZ019FROM:TO:");

    private static byte[] RandomInput(Random random, int maxLength)
    {
        byte[] bytes = new byte[random.Next(0, maxLength)];
        for (int i = 0; i < bytes.Length; i++)
        {
            int pick = random.Next(10);
            bytes[i] = pick < 6 ? Interesting[random.Next(Interesting.Length)]
                : pick < 8 ? (byte)random.Next(0x20, 0x7F)
                : (byte)random.Next(256);
        }
        return bytes;
    }

    private static readonly string[] Prefixes =
    [
        "", "MAIL FROM:", "RCPT TO:", "MAIL FROM:<", "RCPT TO:<@", "EHLO ", "BDAT ", "AUTH PLAIN ", "VRFY ",
        "MAIL FROM:<a@example.com> ", "RCPT TO:<b@example.com> NOTIFY=", "RCPT TO:<b@example.com> ORCPT=rfc822;",
    ];

    [Fact]
    public void Random_bytes_never_make_a_parser_throw()
    {
        var random = new Random(20261125);
        var contexts = new[]
        {
            new SmtpParseContext(SmtpExtensions.None),
            new SmtpParseContext((SmtpExtensions)0x3FF) { AuthMechanisms = ["PLAIN"] },
            new SmtpParseContext((SmtpExtensions)0x3FF) { TransactionSmtpUtf8 = true },
        };

        for (int round = 0; round < 3000; round++)
        {
            byte[] noise = RandomInput(random, 300);
            byte[] line = [.. Encoding.ASCII.GetBytes(Prefixes[random.Next(Prefixes.Length)]), .. noise];

            // Command parser, directly and as a split sequence.
            var context = contexts[random.Next(contexts.Length)];
            var whole = SmtpCommandParser.Parse(line, context);
            Assert.True(whole.IsSuccess || whole.Error is not null);
            int cut = random.Next(line.Length + 1);
            Assert.Equal(Feed.Describe(whole), Feed.Describe(SmtpCommandParser.Parse(Feed.Sequence([line[..cut], line[cut..]]), context)));

            // Address parsers and friends.
            SmtpAddressParser.TryParsePath(line.AsSpan(Math.Min(line.Length, random.Next(12))), SmtpPathKind.Forward, random.Next(2) == 0, out _, out _);
            SmtpAddressParser.TryParsePath(noise, SmtpPathKind.Reverse, true, out _, out _);
            SmtpAddressParser.TryParseMailbox(noise, random.Next(2) == 0, out _);
            SmtpDomain.IsValid(noise, true);
            SmtpDomain.TryParseAddressLiteral(noise, out _);
            Xtext.TryDecode(noise, out _);

            // Line reader + parser over random chunks, with a small limit so the over-long path runs.
            var chunks = Feed.RandomChunks(line, random, 64);
            Feed.RunCommands(chunks, context, 512, out _, useSequence: round % 5 == 0);

            // DATA: random chunks agree with the whole.
            byte[] data = RandomInput(random, 600);
            var a = new SmtpDataReader(random.Next(0, 700));
            var b = new SmtpDataReader(a.MaxMessageSize);
            var outA = new RecordingWriter();
            var outB = new RecordingWriter();
            var ra = a.Read(data, outA);
            long consumedB = 0;
            foreach (var chunk in Feed.RandomChunks(data, random))
            {
                var rb = b.Read(chunk, outB);
                consumedB += rb.Consumed;
                if (rb.IsComplete)
                    break;
            }
            Assert.Equal(ra.Consumed, consumedB);
            Assert.Equal(outA.Written, outB.Written);
            Assert.Equal((a.IsComplete, a.MessageSize, a.LineCount, a.IsTooLarge, a.HasBareLineFeed, a.HasBareCarriageReturn, a.HasLongLine),
                (b.IsComplete, b.MessageSize, b.LineCount, b.IsTooLarge, b.HasBareLineFeed, b.HasBareCarriageReturn, b.HasLongLine));

            // BDAT: a random size, random chunks, never more than declared.
            var chunker = new SmtpChunkReader(random.Next(0, 400));
            int declared = random.Next(0, data.Length + 1);
            chunker.BeginChunk(declared, random.Next(2) == 0);
            long taken = 0;
            foreach (var chunk in Feed.RandomChunks(data, random))
                taken += chunker.Read(chunk, outA).Consumed;
            Assert.Equal(declared, taken);
        }
    }
}
