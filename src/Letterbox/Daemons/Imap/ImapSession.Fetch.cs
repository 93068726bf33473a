using System.Text;
using Letterbox.Protocol.Imap;
using Letterbox.Store;
using MimeKit;
using MimeKit.Utils;

namespace Letterbox.Daemons.Imap;

/// <summary>FETCH (RFC 9051 §6.4.5, §7.5.2): flags, dates, sizes, sections, ENVELOPE and BODYSTRUCTURE.</summary>
public sealed partial class ImapSession
{
    /// <summary>A whole message at least this big goes from its file to the socket without a copy in memory.</summary>
    private const int StreamThreshold = 256 * 1024;

    private static readonly FormatOptions Format = CreateFormat();

    private static FormatOptions CreateFormat()
    {
        var f = FormatOptions.Default.Clone();
        f.NewLineFormat = NewLineFormat.Dos;
        return f;
    }

    private async Task<ImapStatusResponse> OnFetchAsync(ImapFetchCommand c, CancellationToken ct)
    {
        var view = _view!;
        if (c.Items.Any(i => i.Kind is ImapFetchItemKind.BinarySection or ImapFetchItemKind.BinarySize))
            return ImapStatusResponse.Bad(c.Tag, "BINARY not supported");
        // RFC 7162 §3.2.6: the VANISHED modifier is BAD unless QRESYNC was enabled.
        if (c.Vanished && !_qresync)
            return ImapStatusResponse.Bad(c.Tag, "ENABLE QRESYNC first");
        var targets = Select(c.Set, c.IsUid);
        if (targets is null)
            return ImapStatusResponse.Bad(c.Tag, "Invalid sequence number");
        if (c.Vanished)
            ReportSince(c.Set.IsSavedResult ? SavedAsSet() : c.Set, c.ChangedSince!.Value, changedFlags: false);
        if (c.ChangedSince is not null || c.Items.Any(i => i.Kind == ImapFetchItemKind.ModSeq))
            _condStore = true;
        var items = c.Items.ToList();
        if (c.IsUid && !items.Any(i => i.Kind == ImapFetchItemKind.Uid))
            items.Insert(0, new ImapFetchItem(ImapFetchItemKind.Uid)); // RFC 9051 §6.4.9
        if (c.ChangedSince is not null && !items.Any(i => i.Kind == ImapFetchItemKind.ModSeq))
            items.Add(new ImapFetchItem(ImapFetchItemKind.ModSeq)); // RFC 7162 §3.1.4.1

        // RFC 9051 §6.4.5: BODY[...] without PEEK sets \Seen, and the new flags are reported.
        var seenNow = new HashSet<uint>();
        if (!view.ReadOnly && items.Any(i => i.SetsSeen))
        {
            var unseen = targets.Where(t => !t.Message.Flags.HasFlag(MessageFlags.Seen)).Select(t => t.Message.Uid).ToList();
            if (unseen.Count > 0)
                foreach (var m in view.SetFlags(unseen, FlagOperation.Add, MessageFlags.Seen).Updated)
                    seenNow.Add(m.Uid);
        }
        bool wantsFlags = items.Any(i => i.Kind == ImapFetchItemKind.Flags);
        foreach (var (seq, original) in targets)
        {
            var m = view.Find(original.Uid) ?? original;
            if (c.ChangedSince is { } since && m.ModSeq <= since)
                continue;
            using var content = new MessageContent(view, m.Uid);
            _w.Untagged().Number((ulong)seq).Raw(" FETCH ("u8);
            bool first = true;
            foreach (var item in items)
            {
                if (!first)
                    _w.Space();
                first = false;
                await WriteItemAsync(item, m, content, ct);
            }
            if (!wantsFlags && seenNow.Contains(m.Uid))
                _w.Raw(first ? "FLAGS "u8 : " FLAGS "u8).FlagList(FlagsOf(m));
            _w.Raw(")"u8).EndLine();
            if (_out.WrittenCount > StreamThreshold)
                await FlushAsync(ct);
        }
        return ImapStatusResponse.Ok(c.Tag, "FETCH completed");
    }

    private async Task WriteItemAsync(ImapFetchItem item, MessageInfo m, MessageContent content, CancellationToken ct)
    {
        switch (item.Kind)
        {
            case ImapFetchItemKind.Flags:
                _w.Raw("FLAGS "u8).FlagList(FlagsOf(m));
                return;
            case ImapFetchItemKind.Uid:
                _w.Raw("UID "u8).Number(m.Uid);
                return;
            case ImapFetchItemKind.InternalDate:
                _w.Raw("INTERNALDATE "u8).DateTime(m.InternalDate);
                return;
            case ImapFetchItemKind.Rfc822Size:
                _w.Raw("RFC822.SIZE "u8).Number((ulong)m.Size);
                return;
            case ImapFetchItemKind.ModSeq:
                _w.Raw("MODSEQ ("u8).Number(m.ModSeq).Raw(")"u8);
                return;
            case ImapFetchItemKind.Envelope:
                _w.Raw("ENVELOPE "u8);
                if (content.Parsed is { } parsed)
                    WriteEnvelope(parsed);
                else
                    _w.Nil();
                return;
            case ImapFetchItemKind.Body or ImapFetchItemKind.BodyStructure:
                _w.FetchItemName(item).Space();
                if (content.Parsed is { } p)
                    WriteBodyStructure(p.Body, item.Kind == ImapFetchItemKind.BodyStructure);
                else
                    _w.Nil();
                return;
        }
        _w.FetchItemName(item).Space();
        var section = item.Kind switch
        {
            ImapFetchItemKind.Rfc822Header => new ImapSection([], ImapSectionText.Header, null),
            ImapFetchItemKind.Rfc822Text => new ImapSection([], ImapSectionText.Text, null),
            _ => item.Section ?? ImapSection.Whole,
        };
        if (section.Part.Count == 0 && section.Text == ImapSectionText.None && item.Partial is null && content.Length >= StreamThreshold)
        {
            // The whole message, straight from its file (never held in memory).
            using var file = _view!.OpenMessage(m.Uid);
            if (file is null)
            {
                _w.Raw("\"\""u8);
                return;
            }
            _w.LiteralHeader(file.Length);
            await FlushAsync(ct);
            await file.CopyToAsync(_stream, ct);
            return;
        }
        var bytes = SectionBytes(content, section);
        if (item.Partial is { } partial)
        {
            // RFC 9051 §6.4.5: <origin.length>, an origin past the end gives an empty string.
            long start = Math.Min(partial.Offset, bytes.Length);
            long length = Math.Min(partial.Length, bytes.Length - start);
            bytes = bytes.AsMemory((int)start, (int)length).ToArray();
        }
        _w.Literal(bytes);
    }

    private static byte[] SectionBytes(MessageContent content, ImapSection section)
    {
        var raw = content.Raw;
        if (raw is null)
            return [];
        if (section.Part.Count == 0)
            return TopLevel(raw, section);
        var entity = Locate(content.Parsed?.Body, section.Part);
        if (entity is null)
            return [];
        switch (section.Text)
        {
            case ImapSectionText.None:
                return ContentBytes(entity);
            case ImapSectionText.Mime:
                using (var ms = new MemoryStream())
                {
                    entity.Headers.WriteTo(Format, ms);
                    ms.Write("\r\n"u8);
                    return ms.ToArray();
                }
            default:
                // HEADER, HEADER.FIELDS, TEXT of a part: only for an embedded message/rfc822.
                return entity is MessagePart ? TopLevel(ContentBytes(entity), section) : [];
        }
    }

    /// <summary>Part numbering (RFC 9051 §6.4.5): multipart children from 1; a non-multipart body is part 1; a message/rfc822 part's numbers continue in its message.</summary>
    private static MimeEntity? Locate(MimeEntity? body, IReadOnlyList<uint> part)
    {
        var current = body;
        for (int i = 0; i < part.Count && current is not null; i++)
        {
            if (i > 0 && current is MessagePart embedded)
                current = embedded.Message?.Body;
            uint n = part[i];
            if (current is Multipart multipart)
                current = n >= 1 && n <= multipart.Count ? multipart[(int)n - 1] : null;
            else if (n != 1)
                current = null;
        }
        return current;
    }

    private static byte[] ContentBytes(MimeEntity entity)
    {
        using var ms = new MemoryStream();
        if (entity is MessagePart { Message: { } message })
            message.WriteTo(Format, ms);
        else
            entity.WriteTo(Format, ms, contentOnly: true);
        return ms.ToArray();
    }

    private static int HeaderEnd(byte[] raw)
    {
        if (raw.Length >= 2 && raw[0] == '\r' && raw[1] == '\n')
            return 2;
        if (raw.Length >= 1 && raw[0] == '\n')
            return 1;
        for (int i = 0; i < raw.Length - 1; i++)
        {
            if (raw[i] != '\n')
                continue;
            if (raw[i + 1] == '\n')
                return i + 2;
            if (raw[i + 1] == '\r' && i + 2 < raw.Length && raw[i + 2] == '\n')
                return i + 3;
        }
        return raw.Length;
    }

    private static byte[] TopLevel(byte[] raw, ImapSection section)
    {
        int end = HeaderEnd(raw);
        switch (section.Text)
        {
            case ImapSectionText.Header:
                return raw[..end];
            case ImapSectionText.Text:
                return raw[end..];
            case ImapSectionText.HeaderFields or ImapSectionText.HeaderFieldsNot:
                return FilterHeader(raw.AsSpan(0, end), section.HeaderFields ?? [], section.Text == ImapSectionText.HeaderFields);
            default:
                return raw;
        }
    }

    /// <summary>HEADER.FIELDS (NOT): whole fields, folded lines included, then the blank line.</summary>
    private static byte[] FilterHeader(ReadOnlySpan<byte> header, IReadOnlyList<string> names, bool include)
    {
        using var ms = new MemoryStream();
        bool keep = false;
        while (header.Length > 0)
        {
            int lf = header.IndexOf((byte)'\n');
            var line = lf < 0 ? header : header[..(lf + 1)];
            header = lf < 0 ? [] : header[(lf + 1)..];
            if (line.Length == 0 || line[0] is (byte)'\r' or (byte)'\n')
                break;
            if (line[0] is not ((byte)' ' or (byte)'\t'))
            {
                int colon = line.IndexOf((byte)':');
                string name = colon < 0 ? "" : Encoding.Latin1.GetString(line[..colon]).Trim();
                keep = colon >= 0 && names.Any(n => n.Equals(name, StringComparison.OrdinalIgnoreCase)) == include;
            }
            if (keep)
                ms.Write(line);
        }
        ms.Write("\r\n"u8);
        return ms.ToArray();
    }

    // ---- ENVELOPE and BODYSTRUCTURE (RFC 9051 §7.5.2) ----

    private static string? RawHeader(HeaderList headers, HeaderId id)
    {
        int index = headers.IndexOf(id);
        if (index < 0)
            return null;
        return Encoding.UTF8.GetString(headers[index].RawValue).Replace("\r", "").Replace("\n", "").Trim();
    }

    private void WriteEnvelope(MimeMessage message)
    {
        var h = message.Headers;
        _w.BeginList();
        _w.String(RawHeader(h, HeaderId.Date)).Space();
        _w.String(RawHeader(h, HeaderId.Subject)).Space();
        var from = h.Contains(HeaderId.From) ? message.From : null;
        WriteAddresses(from).Space();
        WriteAddresses(message.Sender is { } sender ? [sender] : from).Space();
        WriteAddresses(h.Contains(HeaderId.ReplyTo) ? message.ReplyTo : from).Space();
        WriteAddresses(message.To).Space();
        WriteAddresses(message.Cc).Space();
        WriteAddresses(message.Bcc).Space();
        _w.String(RawHeader(h, HeaderId.InReplyTo)).Space();
        _w.String(RawHeader(h, HeaderId.MessageId));
        _w.EndList();
    }

    private ImapResponseWriter WriteAddresses(IEnumerable<InternetAddress>? list)
    {
        var addresses = list?.ToList();
        if (addresses is null || addresses.Count == 0)
            return _w.Nil();
        _w.BeginList();
        foreach (var a in addresses)
        {
            if (a is MailboxAddress mailbox)
            {
                _w.BeginList().String(Phrase(mailbox.Name)).Space().Nil().Space()
                    .String(mailbox.LocalPart).Space().String(string.IsNullOrEmpty(mailbox.Domain) ? null : mailbox.Domain).EndList();
            }
            else if (a is GroupAddress group)
            {
                // RFC 9051 §7.5.2: group start (NIL NIL name NIL), members, group end (NIL NIL NIL NIL).
                _w.Raw("(NIL NIL "u8).String(group.Name).Raw(" NIL)"u8);
                foreach (var member in group.Members.Mailboxes)
                    _w.BeginList().String(Phrase(member.Name)).Raw(" NIL "u8).String(member.LocalPart).Space().String(member.Domain).EndList();
                _w.Raw("(NIL NIL NIL NIL)"u8);
            }
        }
        return _w.EndList();
    }

    /// <summary>A display name for ENVELOPE: RFC 2047 encoded words unless UTF-8 is on (RFC 9051 §7.5.2 addr-name).</summary>
    private string? Phrase(string? name)
    {
        if (string.IsNullOrEmpty(name))
            return null;
        if (_w.Utf8 || Ascii.IsValid(name))
            return name;
        return Encoding.ASCII.GetString(Rfc2047.EncodePhrase(Encoding.UTF8, name));
    }

    private void WriteParameters(IEnumerable<Parameter> parameters)
    {
        var list = parameters.ToList();
        if (list.Count == 0)
        {
            _w.Nil();
            return;
        }
        _w.BeginList();
        for (int i = 0; i < list.Count; i++)
        {
            if (i > 0)
                _w.Space();
            _w.String(list[i].Name).Space().String(list[i].Value);
        }
        _w.EndList();
    }

    private void WriteExtension(MimeEntity e)
    {
        // body-fld-dsp, body-fld-lang, body-fld-loc
        _w.Space();
        if (e.ContentDisposition is { } d)
        {
            _w.BeginList().String(d.Disposition).Space();
            WriteParameters(d.Parameters);
            _w.EndList();
        }
        else
            _w.Nil();
        _w.Space().Nil().Space().String(e.ContentLocation?.ToString());
    }

    private void WriteBodyStructure(MimeEntity? entity, bool extended)
    {
        if (entity is Multipart multipart && multipart.Count > 0)
        {
            _w.BeginList();
            foreach (var child in multipart)
                WriteBodyStructure(child, extended);
            _w.Space().String(multipart.ContentType.MediaSubtype);
            if (extended)
            {
                _w.Space();
                WriteParameters(multipart.ContentType.Parameters);
                WriteExtension(multipart);
            }
            _w.EndList();
            return;
        }
        if (entity is null or Multipart)
        {
            _w.Raw("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 0 0)"u8);
            return;
        }
        var type = entity.ContentType;
        var content = ContentBytes(entity);
        _w.BeginList().String(type.MediaType).Space().String(type.MediaSubtype).Space();
        WriteParameters(type.Parameters);
        _w.Space().String(RawHeader(entity.Headers, HeaderId.ContentId)).Space().String(RawHeader(entity.Headers, HeaderId.ContentDescription)).Space();
        _w.String((RawHeader(entity.Headers, HeaderId.ContentTransferEncoding) ?? "7BIT").ToUpperInvariant()).Space().Number((ulong)content.Length);
        long lines = content.Count(b => b == (byte)'\n');
        if (entity is MessagePart { Message: { } embedded } && type.IsMimeType("message", "rfc822"))
        {
            _w.Space();
            WriteEnvelope(embedded);
            _w.Space();
            WriteBodyStructure(embedded.Body, extended);
            _w.Space().Number((ulong)lines);
        }
        else if (type.MediaType.Equals("text", StringComparison.OrdinalIgnoreCase))
            _w.Space().Number((ulong)lines);
        if (extended)
        {
            _w.Space().String(RawHeader(entity.Headers, HeaderId.ContentMd5));
            WriteExtension(entity);
        }
        _w.EndList();
    }

    /// <summary>One message's bytes and parsed form for one FETCH response, each loaded at most once.</summary>
    private sealed class MessageContent(MailFolder view, uint uid) : IDisposable
    {
        private byte[]? _raw;
        private bool _rawLoaded;
        private MimeMessage? _parsed;
        private bool _parsedLoaded;

        public long Length => view.Find(uid)?.Size ?? 0;

        public byte[]? Raw
        {
            get
            {
                if (_rawLoaded)
                    return _raw;
                _rawLoaded = true;
                using var stream = view.OpenMessage(uid);
                if (stream is null)
                    return null;
                using var ms = new MemoryStream();
                stream.CopyTo(ms);
                _raw = ms.ToArray();
                return _raw;
            }
        }

        public MimeMessage? Parsed
        {
            get
            {
                if (_parsedLoaded)
                    return _parsed;
                _parsedLoaded = true;
                if (Raw is { } raw)
                    _parsed = MimeMessage.Load(new MemoryStream(raw, writable: false));
                return _parsed;
            }
        }

        public void Dispose() => _parsed?.Dispose();
    }
}
