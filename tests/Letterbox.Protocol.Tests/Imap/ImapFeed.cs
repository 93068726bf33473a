using System.Buffers;
using System.Globalization;
using System.Text;
using Letterbox.Protocol.Imap;

namespace Letterbox.Protocol.Tests.Imap;

/// <summary>How input is cut before it reaches the reader: every cut must give the same transcript.</summary>
public enum Cut
{
    Whole,
    ByteByByte,
    LineByLine,
    Random,
}

/// <summary>Feeding helpers for the IMAP tests: cutting input, a server loop in miniature, stable descriptions.</summary>
internal static class ImapFeed
{
    public static readonly Cut[] AllCuts = [Cut.Whole, Cut.ByteByByte, Cut.LineByLine, Cut.Random];

    public static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>The input cut as <paramref name="cut"/> says (line by line: after every LF; random: fixed seed).</summary>
    public static List<byte[]> Chunks(byte[] data, Cut cut, int seed = 7)
    {
        var chunks = new List<byte[]>();
        switch (cut)
        {
            case Cut.Whole:
                chunks.Add(data);
                break;
            case Cut.ByteByByte:
                foreach (byte b in data)
                    chunks.Add([b]);
                break;
            case Cut.LineByLine:
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
            case Cut.Random:
                chunks.AddRange(RandomChunks(data, new Random(seed)));
                break;
        }
        return chunks;
    }

    public static List<byte[]> RandomChunks(byte[] data, Random random, int maxChunk = 23)
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

    /// <summary>A sequence with one segment per chunk.</summary>
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

    /// <summary>What a test server does with an announced APPEND message: accept it, or refuse it with this response.</summary>
    public delegate ImapStatusResponse? AppendPolicy(ImapAppendCommand command);

    /// <summary>
    /// A server's command loop in miniature: buffer what arrives, read with <see cref="ImapCommandReader"/>,
    /// answer continuations, stream APPEND messages into memory, parse commands. Returns one line per
    /// event: "+" (continuation sent), "MSG n" (message announced), a command description, or
    /// "ERR response" (with " CLOSE" when the connection must end; the loop then stops).
    /// Also reports the most bytes ever held in the caller's buffer.
    /// </summary>
    public static List<string> Run(IEnumerable<byte[]> chunks, out int maxBuffered, ImapReaderLimits? limits = null,
        ImapParseOptions? options = null, AppendPolicy? policy = null, bool useSequence = false)
    {
        var reader = new ImapCommandReader(limits);
        var events = new List<string>();
        var pending = new List<byte[]>();
        var message = new MemoryStream();
        maxBuffered = 0;
        foreach (var chunk in chunks)
        {
            pending.Add(chunk);
            while (true)
            {
                byte[] flat = [.. pending.SelectMany(p => p)];
                maxBuffered = Math.Max(maxBuffered, flat.Length);
                var seq = Sequence(pending);
                var r = useSequence ? reader.Read(seq) : reader.Read(flat);
                switch (r.Status)
                {
                    case ImapReadStatus.Continuation:
                        events.Add("+");
                        break;
                    case ImapReadStatus.MessageLiteral:
                    {
                        var partial = ImapCommandParser.Parse(reader.Frame, options);
                        ImapStatusResponse? refusal = null;
                        if (!partial.IsSuccess)
                            refusal = partial.Error;
                        else if (policy is not null)
                            refusal = policy((ImapAppendCommand)partial.Command);
                        events.Add($"MSG {r.LiteralLength}{(r.IsSynchronizing ? "" : "+")}{(r.IsBinary ? " binary" : "")}{(refusal is null ? "" : " refused")}");
                        if (refusal is null)
                        {
                            reader.AcceptMessage();
                            if (r.IsSynchronizing)
                                events.Add("+");
                            message.SetLength(0);
                        }
                        else
                            reader.RejectMessage(refusal);
                        break;
                    }
                    case ImapReadStatus.MessageData:
                        if (useSequence)
                            foreach (var m in seq.Slice(0, r.Consumed))
                                message.Write(m.Span);
                        else
                            message.Write(flat, 0, (int)r.Consumed);
                        break;
                    case ImapReadStatus.Command:
                    {
                        var result = ImapCommandParser.Parse(reader.Frame, options);
                        string text = Describe(result);
                        if (result.Command is ImapAppendCommand)
                            text += " data=" + Escape(message.ToArray());
                        events.Add(text);
                        break;
                    }
                    case ImapReadStatus.Error:
                        events.Add("ERR " + r.Response!.ToString().TrimEnd() + (r.CloseConnection ? " CLOSE" : ""));
                        if (r.CloseConnection)
                            return events;
                        break;
                }
                Drop(pending, r.Consumed);
                if (r.Status == ImapReadStatus.NeedMore)
                    break;
            }
        }
        return events;
    }

    public static List<string> Run(string input, Cut cut, ImapReaderLimits? limits = null, ImapParseOptions? options = null, AppendPolicy? policy = null) =>
        Run(Chunks(Bytes(input), cut), out _, limits, options, policy, useSequence: cut == Cut.Random);

    private static void Drop(List<byte[]> pending, long consumed)
    {
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
        pending.Clear();
        pending.AddRange(rest);
    }

    public static string Escape(byte[] data)
    {
        var sb = new StringBuilder();
        foreach (byte b in data)
        {
            if (b == '\r') sb.Append("\\r");
            else if (b == '\n') sb.Append("\\n");
            else if (b < 0x20 || b >= 0x7F) sb.Append("\\x").Append(b.ToString("X2", CultureInfo.InvariantCulture));
            else sb.Append((char)b);
        }
        return sb.ToString();
    }

    /// <summary>A stable description of a parse result, for comparing in tables.</summary>
    public static string Describe(ImapCommandResult result)
    {
        if (!result.IsSuccess)
        {
            var e = result.Error;
            return $"{e.Tag ?? "*"} {e.Status.ToString().ToUpperInvariant()}{(e.Code is null ? "" : " [" + e.Code + "]")}";
        }
        var c = result.Command;
        string head = c.Tag + " ";
        return head + c switch
        {
            ImapSimpleCommand s => s.Kind.ToString().ToUpperInvariant(),
            ImapAuthenticateCommand a => $"AUTHENTICATE {a.Mechanism}" + (a.InitialResponse is null ? "" : " ir=" + Escape(a.InitialResponse)),
            ImapLoginCommand l => $"LOGIN {l.UserName} {l.Password}",
            ImapEnableCommand e => "ENABLE " + string.Join(' ', e.Capabilities),
            ImapSelectCommand s => $"{s.Kind.ToString().ToUpperInvariant()} {s.Mailbox}{(s.CondStore ? " CONDSTORE" : "")}"
                + (s.QResync is { } q ? $" qresync={q.UidValidity},{q.ModSeq}" + (q.KnownUids is null ? "" : $",known={q.KnownUids}")
                    + (q.KnownSequenceNumbers is null ? "" : $",match={q.KnownSequenceNumbers}/{q.KnownSequenceUids}") : ""),
            ImapMailboxCommand m => $"{m.Kind.ToString().ToUpperInvariant()} {m.Mailbox}",
            ImapRenameCommand r => $"RENAME {r.From} {r.To}",
            ImapListCommand l => $"{l.Kind.ToString().ToUpperInvariant()} ref={l.Reference} pat={string.Join(',', l.Patterns)}"
                + (l.Selection == ImapListSelection.None ? "" : " sel=" + l.Selection)
                + (l.Return == ImapListReturn.None ? "" : " ret=" + l.Return)
                + (l.StatusItems == ImapStatusItems.None ? "" : " status=" + l.StatusItems)
                + (l.IsExtended ? " ext" : ""),
            ImapStatusCommand s => $"STATUS {s.Mailbox} {s.Items}",
            ImapAppendCommand a => $"APPEND {a.Mailbox} flags=[{string.Join(' ', a.Flags)}]"
                + (a.InternalDate is { } d ? " date=" + d.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture) : "")
                + $" len={a.MessageLength}{(a.IsBinary ? " binary" : "")}{(a.Utf8 ? " utf8" : "")}",
            ImapExpungeCommand x => x.IsUid ? "UID EXPUNGE " + x.UidSet : "EXPUNGE",
            ImapSearchCommand s => (s.IsUid ? "UID " : "") + "SEARCH"
                + (s.HasReturn ? " ret=" + s.Return : "")
                + (s.Charset is null ? "" : " charset=" + s.Charset)
                + " " + Describe(s.Criteria),
            ImapFetchCommand f => (f.IsUid ? "UID " : "") + $"FETCH {f.Set} " + string.Join(' ', f.Items.Select(Describe))
                + (f.ChangedSince is { } cs ? " changedsince=" + cs : "") + (f.Vanished ? " vanished" : ""),
            ImapStoreCommand s => (s.IsUid ? "UID " : "") + $"STORE {s.Set} "
                + (s.Action == ImapStoreAction.Add ? "+" : s.Action == ImapStoreAction.Remove ? "-" : "")
                + "FLAGS" + (s.Silent ? ".SILENT" : "") + " (" + string.Join(' ', s.Flags) + ")"
                + (s.UnchangedSince is { } us ? " unchangedsince=" + us : ""),
            ImapCopyCommand cp => (cp.IsUid ? "UID " : "") + $"{cp.Kind.ToString().ToUpperInvariant()} {cp.Set} {cp.Mailbox}",
            ImapQuotaCommand q => $"{q.Kind.ToString().ToUpperInvariant()} {q.Argument}" + (q.Limits.Count == 0 ? "" : " " + string.Join(' ', q.Limits.Select(l => $"{l.Key}={l.Value}"))),
            ImapCompressCommand z => "COMPRESS " + z.Algorithm,
            ImapIdCommand id => "ID " + (id.Parameters is null ? "NIL" : "(" + string.Join(", ", id.Parameters.Select(p => p.Key + "=" + (p.Value ?? "NIL"))) + ")"),
            _ => "?",
        };
    }

    public static string Describe(ImapSearchKey key) => key switch
    {
        ImapSearchFlagKey f => f.Kind.ToString().ToUpperInvariant(),
        ImapSearchTextKey t => $"{t.Kind.ToString().ToUpperInvariant()}:{t.Value}",
        ImapSearchHeaderKey h => $"HEADER:{h.FieldName}:{h.Value}",
        ImapSearchDateKey d => $"{d.Kind.ToString().ToUpperInvariant()}:{d.Date:yyyy-MM-dd}",
        ImapSearchSizeKey s => $"{s.Kind.ToString().ToUpperInvariant()}:{s.Size}",
        ImapSearchSetKey s => $"{(s.Kind == ImapSearchKeyKind.Uid ? "UID" : "SET")}:{s.Set}",
        ImapSearchNotKey n => $"NOT({Describe(n.Operand)})",
        ImapSearchOrKey o => $"OR({Describe(o.Left)},{Describe(o.Right)})",
        ImapSearchAndKey a => $"AND({string.Join(',', a.Operands.Select(Describe))})",
        ImapSearchModSeqKey m => $"MODSEQ:{m.ModSeq}" + (m.EntryName is null ? "" : $":{m.EntryName}:{m.EntryType}"),
        _ => "?",
    };

    public static string Describe(ImapFetchItem item)
    {
        string name = item.Kind switch
        {
            ImapFetchItemKind.BodySection => (item.Peek ? "BODY.PEEK[" : "BODY[") + item.Section + "]",
            ImapFetchItemKind.BinarySection => (item.Peek ? "BINARY.PEEK[" : "BINARY[") + item.Section + "]",
            _ => item.ResponseName,
        };
        return item.Partial is { } p ? $"{name}<{p.Offset}.{p.Length}>" : name;
    }
}
