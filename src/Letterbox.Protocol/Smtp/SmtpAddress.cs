using System.Net;
using System.Text;

namespace Letterbox.Protocol.Smtp;

/// <summary>
/// An envelope address from MAIL FROM or RCPT TO, normalized: the local part decoded (quotes and
/// quoted-pairs removed, case kept: RFC 5321 §2.4 leaves its case to the receiving host), the
/// domain lower-cased, an address literal in canonical form. Source routes are not kept
/// (RFC 5321 §4.1.2, appendix C: a server MAY ignore them, and we do).
/// </summary>
public sealed record SmtpAddress
{
    private SmtpAddress(string localPart, string domain, IPAddress? literal)
    {
        LocalPart = localPart;
        Domain = domain;
        AddressLiteral = literal;
    }

    /// <summary>The null reverse-path "&lt;&gt;" of bounces (RFC 5321 §4.5.5).</summary>
    public static SmtpAddress Null { get; } = new("", "", null);

    /// <summary>The local part, decoded. Empty for <see cref="Null"/>.</summary>
    public string LocalPart { get; }

    /// <summary>The domain, lower-cased; "[192.0.2.1]" or "[IPv6:2001:db8::1]" for an address literal; empty for <see cref="Null"/> and the bare "&lt;Postmaster&gt;".</summary>
    public string Domain { get; }

    /// <summary>The address of an address-literal domain, else null.</summary>
    public IPAddress? AddressLiteral { get; }

    public bool IsNull => LocalPart.Length == 0 && Domain.Length == 0;

    /// <summary>True for any postmaster address, including the domain-less "&lt;Postmaster&gt;" that RCPT must accept (RFC 5321 §4.5.1).</summary>
    public bool IsPostmaster => string.Equals(LocalPart, "postmaster", StringComparison.OrdinalIgnoreCase);

    public bool IsAddressLiteral => AddressLiteral is not null;

    /// <summary>True if the address holds non-ASCII characters, so it may only travel in an SMTPUTF8 transaction (RFC 6531).</summary>
    public bool RequiresSmtpUtf8 => !Ascii.IsValid(LocalPart) || !Ascii.IsValid(Domain);

    /// <summary>"user@example.com", with the local part quoted again if it is not a Dot-string; "" for the null path.</summary>
    public override string ToString()
    {
        if (IsNull)
            return "";
        string local = IsDotString(LocalPart) ? LocalPart : Quote(LocalPart);
        return Domain.Length == 0 ? local : local + "@" + Domain;
    }

    /// <summary>The address in angle brackets, as in a MAIL or RCPT command: "&lt;user@example.com&gt;", "&lt;&gt;".</summary>
    public string ToPath() => "<" + ToString() + ">";

    internal static SmtpAddress Create(string localPart, string domain, IPAddress? literal) => new(localPart, domain, literal);

    // RFC 5321 §4.1.2: Dot-string = Atom *("." Atom); RFC 6531 adds UTF-8 to atext.
    private static bool IsDotString(string s)
    {
        if (s.Length == 0 || s[0] == '.' || s[^1] == '.' || s.Contains("..", StringComparison.Ordinal))
            return false;
        foreach (char c in s)
            if (c != '.' && !(c >= 0x80 || SmtpAddressParser.IsAtext((byte)c)))
                return false;
        return true;
    }

    private static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (char c in s)
        {
            if (c is '"' or '\\')
                sb.Append('\\');
            sb.Append(c);
        }
        return sb.Append('"').ToString();
    }
}
