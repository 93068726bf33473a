using System.Globalization;

namespace Letterbox.Protocol.Imap;

/// <summary>
/// Capability names for the CAPABILITY response and the [CAPABILITY ...] response code
/// (RFC 9051 §7.2.2), each with the RFC that defines it. Names are case-insensitive on the wire;
/// these are the registered spellings.
/// </summary>
public static class ImapCapability
{
    /// <summary>RFC 3501 — IMAP4rev1.</summary>
    public const string Imap4Rev1 = "IMAP4rev1";
    /// <summary>RFC 9051 — IMAP4rev2 (also an ENABLE argument, RFC 9051 §6.3.1).</summary>
    public const string Imap4Rev2 = "IMAP4rev2";
    /// <summary>RFC 9051 §6.2.1 — STARTTLS; advertised only before TLS.</summary>
    public const string StartTls = "STARTTLS";
    /// <summary>RFC 9051 §6.2.3 — LOGIN is refused (before TLS, say).</summary>
    public const string LoginDisabled = "LOGINDISABLED";
    /// <summary>RFC 9051 §6.2.2 — prefix of "AUTH=mechanism"; see <see cref="Auth"/>.</summary>
    public const string AuthPrefix = "AUTH=";
    /// <summary>RFC 2177 — IDLE.</summary>
    public const string Idle = "IDLE";
    /// <summary>RFC 4315 — UIDPLUS: UID EXPUNGE, APPENDUID, COPYUID.</summary>
    public const string UidPlus = "UIDPLUS";
    /// <summary>RFC 6851 — MOVE.</summary>
    public const string Move = "MOVE";
    /// <summary>RFC 2342 — NAMESPACE.</summary>
    public const string Namespace = "NAMESPACE";
    /// <summary>RFC 2971 — ID.</summary>
    public const string Id = "ID";
    /// <summary>RFC 5161 — ENABLE.</summary>
    public const string Enable = "ENABLE";
    /// <summary>RFC 7888 — non-synchronizing literals of any size. Never advertised with <see cref="LiteralMinus"/> (RFC 7888 §5).</summary>
    public const string LiteralPlus = "LITERAL+";
    /// <summary>RFC 7888 §5 — non-synchronizing literals of at most 4096 octets.</summary>
    public const string LiteralMinus = "LITERAL-";
    /// <summary>RFC 4959 — SASL initial response in AUTHENTICATE.</summary>
    public const string SaslIr = "SASL-IR";
    /// <summary>RFC 6154 — special-use mailbox attributes (\Sent, \Trash...).</summary>
    public const string SpecialUse = "SPECIAL-USE";
    /// <summary>RFC 3348 — \HasChildren / \HasNoChildren.</summary>
    public const string Children = "CHILDREN";
    /// <summary>RFC 3691 — UNSELECT.</summary>
    public const string Unselect = "UNSELECT";
    /// <summary>RFC 4731 — SEARCH RETURN (...) and the ESEARCH response.</summary>
    public const string ESearch = "ESEARCH";
    /// <summary>RFC 5182 — SEARCH RETURN (SAVE) and the "$" sequence set.</summary>
    public const string SearchRes = "SEARCHRES";
    /// <summary>RFC 5258 — LIST selection and return options, several patterns.</summary>
    public const string ListExtended = "LIST-EXTENDED";
    /// <summary>RFC 5819 — LIST ... RETURN (STATUS (...)).</summary>
    public const string ListStatus = "LIST-STATUS";
    /// <summary>RFC 8438 — the STATUS item SIZE.</summary>
    public const string StatusSize = "STATUS=SIZE";
    /// <summary>RFC 7162 — CONDSTORE: MODSEQ, CHANGEDSINCE, UNCHANGEDSINCE, SELECT (CONDSTORE).</summary>
    public const string CondStore = "CONDSTORE";
    /// <summary>RFC 7162 §3.2 — QRESYNC: ENABLE QRESYNC, SELECT (QRESYNC ...), VANISHED, UID FETCH (... VANISHED).</summary>
    public const string QResync = "QRESYNC";
    /// <summary>RFC 9208 — QUOTA: GETQUOTA, GETQUOTAROOT (SETQUOTA only with QUOTASET, not offered).</summary>
    public const string Quota = "QUOTA";
    /// <summary>RFC 9208 §5.1 — the STORAGE resource (KiB), with STATUS DELETED-STORAGE.</summary>
    public const string QuotaResStorage = "QUOTA=RES-STORAGE";
    /// <summary>RFC 4978 — COMPRESS=DEFLATE: raw DEFLATE (RFC 1951) both ways after COMPRESS DEFLATE.</summary>
    public const string CompressDeflate = "COMPRESS=DEFLATE";
    /// <summary>RFC 7889 — APPENDLIMIT; "APPENDLIMIT=n" when one limit holds for every mailbox (see <see cref="AppendLimitOf"/>).</summary>
    public const string AppendLimit = "APPENDLIMIT";
    /// <summary>RFC 6855 — UTF8=ACCEPT (an ENABLE argument): UTF-8 mailbox names and quoted strings.</summary>
    public const string Utf8Accept = "UTF8=ACCEPT";
    /// <summary>RFC 3516 — BINARY fetch items and literal8 in APPEND.</summary>
    public const string Binary = "BINARY";

    /// <summary>"AUTH=PLAIN" and so on (RFC 9051 §6.2.2); the mechanism name is upper case (RFC 4422 §3.1).</summary>
    public static string Auth(string mechanism)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(mechanism);
        return AuthPrefix + mechanism.ToUpperInvariant();
    }

    /// <summary>"APPENDLIMIT=n" (RFC 7889 §2 (a)): the same upload limit for every mailbox.</summary>
    public static string AppendLimitOf(long octets)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(octets);
        return AppendLimit + "=" + octets.ToString(CultureInfo.InvariantCulture);
    }
}
