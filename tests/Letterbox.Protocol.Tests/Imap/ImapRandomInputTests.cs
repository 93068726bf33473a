using System.Text;
using Letterbox.Protocol.Imap;

namespace Letterbox.Protocol.Tests.Imap;

/// <summary>
/// Random bytes, biased towards what the IMAP grammar cares about, never make the reader or a
/// parser throw, and the reader gives the same transcript whole and in random cuts. Fixed seed and a
/// bounded number of rounds, so a failure reproduces and the run stays short.
/// </summary>
public sealed class ImapRandomInputTests
{
    private static readonly byte[] Interesting = Encoding.ASCII.GetBytes("(){}[]<>\"\\%*+-~=:,.$& \r\n\r\n\0aAzZ019\t");

    private static readonly string[] Prefixes =
    [
        "", "a ", "a LOGIN ", "a LOGIN {3}\r\n", "a SELECT ", "a LIST ", "a LIST (", "a STATUS INBOX (", "a APPEND INBOX ",
        "a APPEND INBOX {5+}\r\n", "a SEARCH ", "a UID SEARCH RETURN (", "a SEARCH CHARSET ", "a SEARCH OR (", "a FETCH 1:* ",
        "a FETCH 1 (BODY[", "a UID FETCH 1 BINARY.PEEK[1.", "a STORE 1 ", "a STORE 1 (UNCHANGEDSINCE ", "a COPY 1:3 ",
        "a ID (", "a AUTHENTICATE PLAIN ", "a ENABLE ", "a UID EXPUNGE ", "a SELECT &", "a SEARCH MODSEQ \"",
    ];

    private static byte[] RandomBytes(Random random, int maxLength)
    {
        byte[] bytes = new byte[random.Next(0, maxLength)];
        for (int i = 0; i < bytes.Length; i++)
        {
            int pick = random.Next(10);
            bytes[i] = pick < 5 ? Interesting[random.Next(Interesting.Length)]
                : pick < 8 ? (byte)random.Next(0x20, 0x7F)
                : (byte)random.Next(256);
        }
        return bytes;
    }

    [Fact]
    public void Random_bytes_never_make_the_reader_or_parsers_throw()
    {
        var random = new Random(20261125);
        var limits = new[]
        {
            new ImapReaderLimits { MaxLineLength = 1024, MaxCommandSize = 2048, MaxLiteralSize = 200, MaxMessageSize = 300, MaxDiscardSize = 400 },
            new ImapReaderLimits { MaxLineLength = 1024, NonSynchronizingLiterals = ImapLiteralMode.LiteralPlus },
            new ImapReaderLimits { MaxLineLength = 1024, NonSynchronizingLiterals = ImapLiteralMode.SynchronizingOnly },
        };
        var options = new[]
        {
            ImapParseOptions.Default,
            new ImapParseOptions { Utf8MailboxNames = true, MaxSequenceRanges = 3, MaxNestingDepth = 4 },
        };

        for (int round = 0; round < 1500; round++)
        {
            byte[] noise = RandomBytes(random, 200);
            byte[] input = [.. Encoding.ASCII.GetBytes(Prefixes[random.Next(Prefixes.Length)]), .. noise, .. "\r\nz NOOP\r\n"u8];
            var limit = limits[random.Next(limits.Length)];
            var option = options[random.Next(options.Length)];

            var whole = ImapFeed.Run([input], out _, limit, option);
            var cut = ImapFeed.Run(ImapFeed.RandomChunks(input, random, 40), out _, limit, option, useSequence: round % 2 == 0);
            Assert.Equal(whole, cut);

            // Parsers on their own.
            ImapCommandParser.ParseLine(input.AsSpan(0, random.Next(input.Length + 1)), option);
            ImapCommandParser.ParseLine([.. "t "u8, .. noise], option);
            ImapMailboxName.TryDecode(noise, random.Next(2) == 0, out _);
            ImapSequenceSet.TryParse(noise, 5, out _);
            ImapDateTime.TryParse(noise, out _);
            ImapDateTime.TryParseDate(noise, out _);
            ImapCommandParser.TryParseSaslResponse(noise, out _, out _);
        }
    }

    [Fact]
    public void Random_mailbox_names_round_trip()
    {
        var random = new Random(5);
        for (int round = 0; round < 2000; round++)
        {
            var sb = new StringBuilder();
            int length = random.Next(0, 12);
            for (int i = 0; i < length; i++)
            {
                int pick = random.Next(4);
                sb.Append(pick switch
                {
                    0 => (char)random.Next(0x20, 0x7F),
                    1 => '&',
                    2 => (char)random.Next(0xA0, 0xD7FF),
                    _ => char.ConvertFromUtf32(random.Next(0x10000, 0x110000)), // a surrogate pair
                });
            }
            string name = sb.ToString();
            string wire = ImapMailboxName.EncodeModifiedUtf7(name);
            Assert.All(wire, c => Assert.InRange(c, ' ', '~'));
            Assert.True(ImapMailboxName.TryDecodeModifiedUtf7(Encoding.ASCII.GetBytes(wire), out var back), wire);
            Assert.Equal(name, back);
        }
    }
}
