using System.Buffers;
using System.Text;
using Letterbox.Protocol.Smtp;

namespace Letterbox.Protocol.Tests.Smtp;

/// <summary>How input is cut before it reaches a parser: every parser must give the same answer for each.</summary>
public enum Split
{
    Whole,
    ByteByByte,
    LineByLine,
}

/// <summary>Feeding helpers shared by the SMTP tests.</summary>
internal static class Feed
{
    public static readonly Split[] AllSplits = [Split.Whole, Split.ByteByByte, Split.LineByLine];

    public static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    public static string Text(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);

    /// <summary>The input cut as <paramref name="split"/> says (line by line: after every LF).</summary>
    public static List<byte[]> Chunks(byte[] data, Split split)
    {
        var chunks = new List<byte[]>();
        switch (split)
        {
            case Split.Whole:
                chunks.Add(data);
                break;
            case Split.ByteByByte:
                foreach (byte b in data)
                    chunks.Add([b]);
                break;
            case Split.LineByLine:
                int start = 0;
                for (int i = 0; i < data.Length; i++)
                    if (data[i] == (byte)'\n')
                    {
                        chunks.Add(data[start..(i + 1)]);
                        start = i + 1;
                    }
                if (start < data.Length)
                    chunks.Add(data[start..]);
                break;
        }
        return chunks;
    }

    /// <summary>Random cuts, for property tests.</summary>
    public static List<byte[]> RandomChunks(byte[] data, Random random, int maxChunk = 17)
    {
        var chunks = new List<byte[]>();
        int i = 0;
        while (i < data.Length)
        {
            int n = Math.Min(data.Length - i, random.Next(0, maxChunk + 1));
            chunks.Add(data[i..(i + n)]);
            i += n;
        }
        return chunks;
    }

    /// <summary>A sequence with one segment per part, so parsers see the given splits as segment boundaries.</summary>
    public static ReadOnlySequence<byte> Sequence(IReadOnlyList<byte[]> parts)
    {
        Segment? first = null, last = null;
        foreach (var part in parts)
        {
            if (part.Length == 0)
                continue;
            if (first is null)
                first = last = new Segment(part, 0);
            else
                last = last!.Append(part);
        }
        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data, long index)
        {
            Memory = data;
            RunningIndex = index;
        }

        public Segment Append(byte[] data)
        {
            var next = new Segment(data, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    /// <summary>
    /// A server's command loop in miniature: buffer what arrives, cut lines with
    /// <see cref="SmtpLineReader"/>, parse each with <see cref="SmtpCommandParser"/>, and describe
    /// what happened, one string per line. Also reports the most bytes ever held in the buffer.
    /// </summary>
    public static List<string> RunCommands(IEnumerable<byte[]> chunks, SmtpParseContext context, int maxLine, out int maxBuffered, bool useSequence = false)
    {
        var reader = new SmtpLineReader(maxLine);
        var outcomes = new List<string>();
        var pending = new List<byte[]>();
        maxBuffered = 0;
        foreach (var chunk in chunks)
        {
            pending.Add(chunk);
            while (true)
            {
                byte[] flat = [.. pending.SelectMany(p => p)];
                maxBuffered = Math.Max(maxBuffered, flat.Length);
                SmtpLineResult r;
                ReadOnlySequence<byte> seq = default;
                if (useSequence)
                {
                    seq = Sequence(pending);
                    r = reader.Read(seq);
                }
                else
                    r = reader.Read(flat);

                if (r.Status == SmtpLineStatus.Line)
                {
                    var result = useSequence
                        ? SmtpCommandParser.Parse(seq.Slice(0, r.LineLength), context)
                        : SmtpCommandParser.Parse(flat.AsSpan(0, r.LineLength), context);
                    outcomes.Add((r.BareLineFeed ? "[LF] " : "") + Describe(result));
                }
                else if (r.Status == SmtpLineStatus.LineTooLong)
                    outcomes.Add("TOO LONG");

                // Drop what was consumed, keep the rest (as separate parts when using sequences).
                long consumed = r.Consumed;
                var rest = new List<byte[]>();
                foreach (var p in pending)
                {
                    if (consumed >= p.Length)
                    {
                        consumed -= p.Length;
                        continue;
                    }
                    rest.Add(p[(int)consumed..]);
                    consumed = 0;
                }
                pending = rest;
                if (r.Status == SmtpLineStatus.NeedMore)
                    break;
            }
        }
        return outcomes;
    }

    /// <summary>A stable description of a parse result, for comparing in tables.</summary>
    public static string Describe(SmtpCommandResult result)
    {
        if (!result.IsSuccess)
            return $"{result.Error.Value.Code} {result.Error.Value.EnhancedCode}";
        var sb = new StringBuilder();
        switch (result.Command)
        {
            case HeloCommand h:
                sb.Append(h.IsExtended ? "EHLO " : "HELO ").Append(h.Host).Append(h.IsValidSyntax ? " valid" : " invalid");
                if (h.AddressLiteral is not null)
                    sb.Append(" literal=").Append(h.AddressLiteral);
                break;
            case MailCommand m:
                sb.Append("MAIL ").Append(m.ReversePath.ToPath());
                var mp = m.Parameters;
                if (mp.Size is { } size) sb.Append(" SIZE=").Append(size);
                if (mp.Body != SmtpBodyType.Unspecified) sb.Append(" BODY=").Append(mp.Body);
                if (mp.SmtpUtf8) sb.Append(" SMTPUTF8");
                if (mp.Return != DsnReturn.Unspecified) sb.Append(" RET=").Append(mp.Return);
                if (mp.EnvelopeId is not null) sb.Append(" ENVID=").Append(mp.EnvelopeId);
                if (mp.Auth is not null) sb.Append(" AUTH=").Append(mp.Auth);
                break;
            case RcptCommand rc:
                sb.Append("RCPT ").Append(rc.ForwardPath.ToPath());
                var rp = rc.Parameters;
                if (rp.Notify != DsnNotify.Unspecified) sb.Append(" NOTIFY=").Append(rp.Notify);
                if (rp.OriginalRecipientType is not null) sb.Append(" ORCPT=").Append(rp.OriginalRecipientType).Append(';').Append(rp.OriginalRecipient);
                break;
            case BdatCommand b:
                sb.Append("BDAT ").Append(b.Size).Append(b.Last ? " LAST" : "");
                break;
            case AuthCommand a:
                sb.Append("AUTH ").Append(a.Mechanism);
                if (a.InitialResponse is not null) sb.Append(' ').Append(a.InitialResponse);
                break;
            case TextCommand t:
                sb.Append(t.Verb.ToString().ToUpperInvariant());
                if (t.Argument is not null) sb.Append(' ').Append(t.Argument);
                break;
        }
        return sb.ToString();
    }
}

/// <summary>An IBufferWriter that records what was written, in pieces as small as asked.</summary>
internal sealed class RecordingWriter : IBufferWriter<byte>
{
    private readonly ArrayBufferWriter<byte> _inner = new();

    public byte[] Written => _inner.WrittenSpan.ToArray();
    public string Text => Encoding.Latin1.GetString(_inner.WrittenSpan);

    public void Advance(int count) => _inner.Advance(count);
    public Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);
    public Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);
}
