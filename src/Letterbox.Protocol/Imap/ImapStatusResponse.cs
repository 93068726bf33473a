using System.Buffers;
using System.Globalization;
using System.Text;

namespace Letterbox.Protocol.Imap;

/// <summary>The condition of a status response (RFC 9051 §7.1).</summary>
public enum ImapStatus
{
    /// <summary>Success (tagged) or information (untagged).</summary>
    Ok,
    /// <summary>Operational failure: the command was understood and could not be done.</summary>
    No,
    /// <summary>Protocol error: unknown command or bad syntax.</summary>
    Bad,
    /// <summary>Greeting only, untagged: the connection is already authenticated (RFC 9051 §7.1.4).</summary>
    PreAuth,
    /// <summary>Untagged: the server is closing the connection (RFC 9051 §7.1.5).</summary>
    Bye,
}

/// <summary>
/// A status response: "tag OK [CODE args] text" or "* BAD text". This is what the reader and the
/// parser return as errors, and what the server sends to complete a command.
/// </summary>
/// <remarks>
/// The text is made safe when written: it is TEXT-CHAR only (RFC 9051 §9: no CR, LF or other control
/// characters, which become spaces), non-ASCII becomes '?' unless the session has UTF-8 enabled (RFC
/// 9051 §9 "text": non-ASCII only after ENABLE IMAP4rev2; RFC 6855), it is cut to
/// <see cref="MaxTextLength"/> characters, and a text starting with "[" gets "(" instead when there is
/// no response code, so it cannot pass for one. So no caller can split the line or forge a code.
/// The tag and code are checked when constructed: a bad one is a programming error and throws.
/// </remarks>
public sealed class ImapStatusResponse
{
    /// <summary>The longest text written, in characters; the rest is cut.</summary>
    public const int MaxTextLength = 1000;

    public ImapStatusResponse(string? tag, ImapStatus status, string? code, string text)
    {
        if (tag is not null && !ImapChars.IsTag(tag))
            throw new ArgumentException("Not a valid IMAP tag.", nameof(tag));
        if (tag is not null && status is ImapStatus.PreAuth or ImapStatus.Bye)
            throw new ArgumentException("PREAUTH and BYE are untagged (RFC 9051 §7.1.4, §7.1.5).", nameof(tag));
        if (code is not null && !ImapResponseCode.IsValid(code))
            throw new ArgumentException("Not a valid response code: atom [SP text without ']'].", nameof(code));
        Tag = tag;
        Status = status;
        Code = code;
        Text = text ?? "";
    }

    /// <summary>The command's tag, or null for an untagged ("*") response.</summary>
    public string? Tag { get; }
    public ImapStatus Status { get; }
    /// <summary>The response code without brackets ("UIDVALIDITY 123", "TRYCREATE"), or null.</summary>
    public string? Code { get; }
    /// <summary>The human-readable text as given (made safe only when written).</summary>
    public string Text { get; }

    public static ImapStatusResponse Ok(string? tag, string text, string? code = null) => new(tag, ImapStatus.Ok, code, text);
    public static ImapStatusResponse No(string? tag, string text, string? code = null) => new(tag, ImapStatus.No, code, text);
    public static ImapStatusResponse Bad(string? tag, string text, string? code = null) => new(tag, ImapStatus.Bad, code, text);
    public static ImapStatusResponse Bye(string text, string? code = null) => new(null, ImapStatus.Bye, code, text);
    public static ImapStatusResponse PreAuth(string text, string? code = null) => new(null, ImapStatus.PreAuth, code, text);

    /// <summary>The same response with another tag (null: untagged).</summary>
    public ImapStatusResponse WithTag(string? tag) => new(tag, Status, Code, Text);

    /// <summary>Writes the response line, CRLF included.</summary>
    /// <param name="utf8">The session has enabled IMAP4rev2 or UTF8=ACCEPT: the text may keep non-ASCII characters.</param>
    public void WriteTo(IBufferWriter<byte> output, bool utf8 = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(Encoding.UTF8.GetBytes(Format(utf8)));
    }

    /// <summary>The response line as bytes, CRLF included.</summary>
    public byte[] ToBytes(bool utf8 = false) => Encoding.UTF8.GetBytes(Format(utf8));

    /// <summary>The wire form with ASCII-only text, CRLF included.</summary>
    public override string ToString() => Format(utf8: false);

    private string Format(bool utf8)
    {
        var sb = new StringBuilder();
        sb.Append(Tag ?? "*").Append(' ').Append(Keyword(Status)).Append(' ');
        if (Code is not null)
            sb.Append('[').Append(Code).Append("] ");
        int start = sb.Length;
        AppendText(sb, Text.Length > 0 ? Text : DefaultText(Status), utf8);
        if (Code is null && sb.Length > start && sb[start] == '[')
            sb[start] = '(';
        return sb.Append("\r\n").ToString();
    }

    // text = 1*(TEXT-CHAR / UTF8-2 / UTF8-3 / UTF8-4) (RFC 9051 §9), at most MaxTextLength characters.
    internal static void AppendText(StringBuilder sb, string text, bool utf8)
    {
        int count = 0;
        for (int i = 0; i < text.Length && count < MaxTextLength; i++, count++)
        {
            char c = text[i];
            if (c < 0x20 || c == 0x7F)
                sb.Append(' ');
            else if (c < 0x80)
                sb.Append(c);
            else if (!utf8)
                sb.Append('?');
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                sb.Append(c).Append(text[++i]);
            else
                sb.Append(char.IsSurrogate(c) || (c >= 0x80 && c <= 0x9F) ? '?' : c);
        }
    }

    internal static string Keyword(ImapStatus status) => status switch
    {
        ImapStatus.Ok => "OK",
        ImapStatus.No => "NO",
        ImapStatus.Bad => "BAD",
        ImapStatus.PreAuth => "PREAUTH",
        _ => "BYE",
    };

    private static string DefaultText(ImapStatus status) => status switch
    {
        ImapStatus.Ok or ImapStatus.PreAuth => "Completed",
        ImapStatus.No => "Failed",
        ImapStatus.Bad => "Syntax error",
        _ => "Closing connection",
    };
}

/// <summary>
/// Response codes, the bracketed part of a status response (RFC 9051 §7.1 and the extensions named).
/// Constants for the bare ones, builders for those with arguments.
/// </summary>
public static class ImapResponseCode
{
    /// <summary>RFC 9051 §7.1: a message the user must see.</summary>
    public const string Alert = "ALERT";
    /// <summary>RFC 9051 §7.1: the server could not parse a message's headers.</summary>
    public const string Parse = "PARSE";
    /// <summary>RFC 9051 §7.1: the mailbox was selected read-only.</summary>
    public const string ReadOnly = "READ-ONLY";
    /// <summary>RFC 9051 §7.1: the mailbox was selected read-write.</summary>
    public const string ReadWrite = "READ-WRITE";
    /// <summary>RFC 9051 §7.1: APPEND/COPY/MOVE to a mailbox that does not exist; CREATE might help.</summary>
    public const string TryCreate = "TRYCREATE";
    /// <summary>RFC 4315 §3: the mailbox cannot keep UIDs.</summary>
    public const string UidNotSticky = "UIDNOTSTICKY";
    /// <summary>RFC 3516 §4.3, RFC 9051 §7.1: the server cannot decode the section's transfer encoding.</summary>
    public const string UnknownCte = "UNKNOWN-CTE";
    /// <summary>RFC 4469 §5: the message or literal is too big (RFC 7888 §5, RFC 7889 §4).</summary>
    public const string TooBig = "TOOBIG";
    /// <summary>RFC 7162 §3.1.2: the mailbox does not support mod-sequences.</summary>
    public const string NoModSeq = "NOMODSEQ";
    /// <summary>RFC 7162 §3.2.4 / RFC 9051 §7.1: the previously selected mailbox is now closed.</summary>
    public const string Closed = "CLOSED";
    /// <summary>RFC 5530 §3: temporary failure (the store is down, say).</summary>
    public const string Unavailable = "UNAVAILABLE";
    /// <summary>RFC 5530 §3: bad user name or password.</summary>
    public const string AuthenticationFailed = "AUTHENTICATIONFAILED";
    /// <summary>RFC 5530 §3: authenticated, but not allowed to act as the authorization identity.</summary>
    public const string AuthorizationFailed = "AUTHORIZATIONFAILED";
    /// <summary>RFC 5530 §3: the credentials have expired.</summary>
    public const string Expired = "EXPIRED";
    /// <summary>RFC 5530 §3: the operation needs TLS (or another privacy layer).</summary>
    public const string PrivacyRequired = "PRIVACYREQUIRED";
    /// <summary>RFC 5530 §3: the user should contact the administrator.</summary>
    public const string ContactAdmin = "CONTACTADMIN";
    /// <summary>RFC 5530 §3: no permission.</summary>
    public const string NoPerm = "NOPERM";
    /// <summary>RFC 4978 §3: COMPRESS while compression is already on.</summary>
    public const string CompressionActive = "COMPRESSIONACTIVE";
    /// <summary>RFC 5530 §3: the mailbox is in use.</summary>
    public const string InUse = "INUSE";
    /// <summary>RFC 5530 §3: some of the messages were expunged meanwhile.</summary>
    public const string ExpungeIssued = "EXPUNGEISSUED";
    /// <summary>RFC 5530 §3: the server found corrupt data.</summary>
    public const string Corruption = "CORRUPTION";
    /// <summary>RFC 5530 §3: a server bug.</summary>
    public const string ServerBug = "SERVERBUG";
    /// <summary>RFC 5530 §3: the client did something wrong, though the syntax was fine.</summary>
    public const string ClientBug = "CLIENTBUG";
    /// <summary>RFC 5530 §3: the operation violates a permanent rule (creating INBOX, say).</summary>
    public const string Cannot = "CANNOT";
    /// <summary>RFC 5530 §3: an implementation limit was hit.</summary>
    public const string Limit = "LIMIT";
    /// <summary>RFC 5530 §3: over quota.</summary>
    public const string OverQuota = "OVERQUOTA";
    /// <summary>RFC 5530 §3: the mailbox already exists.</summary>
    public const string AlreadyExists = "ALREADYEXISTS";
    /// <summary>RFC 5530 §3: the mailbox does not exist (and TRYCREATE does not apply).</summary>
    public const string NonExistent = "NONEXISTENT";
    /// <summary>RFC 5530 §3: the operation succeeded but its result was not saved (SEARCHRES, say).</summary>
    public const string NotSaved = "NOTSAVED";
    /// <summary>RFC 5530 §3: DELETE refused because the mailbox has children.</summary>
    public const string HasChildren = "HASCHILDREN";

    /// <summary>"CAPABILITY IMAP4rev2 ..." (RFC 9051 §7.1).</summary>
    public static string Capability(IEnumerable<string> capabilities) => Join("CAPABILITY", capabilities, ImapChars.IsAtom);

    /// <summary>"BADCHARSET (UTF-8 US-ASCII)" (RFC 9051 §7.1): the charsets SEARCH accepts.</summary>
    public static string BadCharset(IEnumerable<string> supported) => "BADCHARSET (" + string.Join(' ', Check(supported, ImapChars.IsAtom)) + ")";

    /// <summary>"PERMANENTFLAGS (\Seen \*)" (RFC 9051 §7.1).</summary>
    public static string PermanentFlags(IEnumerable<string> flags) => "PERMANENTFLAGS (" + string.Join(' ', Check(flags, IsFlag)) + ")";

    /// <summary>"UIDNEXT n" (RFC 9051 §7.1).</summary>
    public static string UidNext(uint uid) => "UIDNEXT " + Number(uid);

    /// <summary>"UIDVALIDITY n" (RFC 9051 §7.1).</summary>
    public static string UidValidity(uint validity) => "UIDVALIDITY " + Number(validity);

    /// <summary>"UNSEEN n", the first unseen message (RFC 3501 §7.1; not in IMAP4rev2).</summary>
    public static string Unseen(uint sequenceNumber) => "UNSEEN " + Number(sequenceNumber);

    /// <summary>"APPENDUID validity uid" (RFC 4315 §3, RFC 9051 §7.1).</summary>
    public static string AppendUid(uint uidValidity, uint uid) => "APPENDUID " + Number(uidValidity) + " " + Number(uid);

    /// <summary>"COPYUID validity source-uids dest-uids" (RFC 4315 §3, RFC 9051 §7.1); the two lists pair up in order.</summary>
    public static string CopyUid(uint uidValidity, IReadOnlyList<uint> sourceUids, IReadOnlyList<uint> destinationUids)
    {
        ArgumentNullException.ThrowIfNull(sourceUids);
        ArgumentNullException.ThrowIfNull(destinationUids);
        if (sourceUids.Count == 0 || sourceUids.Count != destinationUids.Count)
            throw new ArgumentException("COPYUID needs as many destination UIDs as source UIDs, and at least one.");
        return "COPYUID " + Number(uidValidity) + " " + ImapSequenceSet.Format(sourceUids) + " " + ImapSequenceSet.Format(destinationUids);
    }

    /// <summary>"HIGHESTMODSEQ n" (RFC 7162 §3.1.1).</summary>
    public static string HighestModSeq(ulong modSeq) => "HIGHESTMODSEQ " + modSeq.ToString(CultureInfo.InvariantCulture);

    /// <summary>"MODIFIED set" (RFC 7162 §3.1.3): the messages STORE ... UNCHANGEDSINCE did not change.</summary>
    public static string Modified(IEnumerable<uint> numbers) => "MODIFIED " + ImapSequenceSet.Format(numbers);

    /// <summary>Whether <paramref name="code"/> fits resp-text-code's generic form: atom [SP 1*&lt;TEXT-CHAR except "]"&gt;].</summary>
    public static bool IsValid(string code)
    {
        if (string.IsNullOrEmpty(code))
            return false;
        int space = code.IndexOf(' ');
        string atom = space < 0 ? code : code[..space];
        if (!ImapChars.IsAtom(atom))
            return false;
        if (space < 0)
            return true;
        if (space == code.Length - 1)
            return false;
        for (int i = space + 1; i < code.Length; i++)
        {
            char c = code[i];
            if (c < 0x20 || c >= 0x7F || c == ']')
                return false;
        }
        return true;
    }

    private static string Number(uint n) => n.ToString(CultureInfo.InvariantCulture);

    private static bool IsFlag(string flag) =>
        flag == "\\*" || (flag.StartsWith('\\') ? ImapChars.IsAtom(flag[1..]) : ImapChars.IsAtom(flag));

    private static IEnumerable<string> Check(IEnumerable<string> items, Func<string, bool> valid)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (var item in items)
        {
            if (item is null || !valid(item))
                throw new ArgumentException($"Not valid in a response code: '{item}'.");
            yield return item;
        }
    }

    private static string Join(string name, IEnumerable<string> items, Func<string, bool> valid)
    {
        var sb = new StringBuilder(name);
        foreach (var item in Check(items, valid))
            sb.Append(' ').Append(item);
        return sb.ToString();
    }
}
