namespace Letterbox.Protocol.Imap;

/// <summary>
/// The character classes of the IMAP grammar (RFC 9051 §9), as one lookup table.
/// </summary>
/// <remarks>
/// CHAR is %x01-7F; atom-specials are "(" ")" "{" SP CTL "%" "*" DQUOTE "\" "]". So ATOM-CHAR is
/// %x21-7E without those; ASTRING-CHAR adds "]"; list-char adds "%" "*" "]"; a tag is ASTRING-CHAR
/// without "+". Nothing above %x7F belongs to any class: 8-bit text only travels in quoted strings
/// (UTF-8, RFC 9051 / RFC 6855) and literals.
/// </remarks>
internal static class ImapChars
{
    private const byte Atom = 1, AString = 2, List = 4, Tag = 8;

    private static readonly byte[] Table = Build();

    private static byte[] Build()
    {
        var t = new byte[256];
        for (int c = 0x21; c <= 0x7E; c++)
        {
            bool special = c is '(' or ')' or '{' or '%' or '*' or '"' or '\\' or ']';
            if (!special)
                t[c] = Atom | AString | List | Tag;
        }
        t[']'] = AString | List | Tag;
        t['%'] = List;
        t['*'] = List;
        t['+'] &= unchecked((byte)~Tag); // RFC 9051 §9: tag = 1*<any ASTRING-CHAR except "+">
        return t;
    }

    public static bool IsAtomChar(byte b) => (Table[b] & Atom) != 0;
    public static bool IsAStringChar(byte b) => (Table[b] & AString) != 0;
    public static bool IsListChar(byte b) => (Table[b] & List) != 0;
    public static bool IsTagChar(byte b) => (Table[b] & Tag) != 0;
    public static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    /// <summary>A non-empty run of ATOM-CHAR.</summary>
    public static bool IsAtom(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty)
            return false;
        foreach (byte b in s)
            if (!IsAtomChar(b))
                return false;
        return true;
    }

    public static bool IsAtom(string s)
    {
        if (s.Length == 0)
            return false;
        foreach (char c in s)
            if (c > 0x7F || !IsAtomChar((byte)c))
                return false;
        return true;
    }

    public static bool IsAStringAtom(string s)
    {
        if (s.Length == 0)
            return false;
        foreach (char c in s)
            if (c > 0x7F || !IsAStringChar((byte)c))
                return false;
        return true;
    }

    public static bool IsTag(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty)
            return false;
        foreach (byte b in s)
            if (!IsTagChar(b))
                return false;
        return true;
    }

    public static bool IsTag(string s)
    {
        if (s.Length == 0)
            return false;
        foreach (char c in s)
            if (c > 0x7F || !IsTagChar((byte)c))
                return false;
        return true;
    }
}
