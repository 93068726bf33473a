using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Letterbox.Store;

/// <summary>
/// An address split at its last '@'. How the parts compare (see README.md, "Addresses"):
/// <list type="bullet">
/// <item>The domain is always lowercased (<see cref="string.ToLowerInvariant"/>) and loses a trailing dot.</item>
/// <item>A local part of one of our domains is unquoted (<c>"john"</c> = <c>john</c>, RFC 5321 §4.1.2)
/// and its ASCII letters are lowercased; other characters (SMTPUTF8, RFC 6531) are kept as given and
/// compared byte for byte — no Unicode normalization, since the appliance runs with invariant globalization.</item>
/// <item>A local part of a remote domain is kept exactly as given: only the remote host may interpret it
/// (RFC 5321 §2.4).</item>
/// </list>
/// </summary>
internal readonly record struct Address(string LocalPart, string Domain)
{
    /// <summary>RFC 5321 §4.5.3.1.1.</summary>
    public const int MaxLocalPartBytes = 64;

    /// <summary>RFC 5321 §4.5.3.1.2.</summary>
    public const int MaxDomainLength = 255;

    public override string ToString() => LocalPart + "@" + Domain;

    /// <summary>
    /// Splits and checks an address, lowercasing the domain but leaving the local part as given.
    /// Rejects what could never be a mailbox: empty parts, control characters, over-long parts.
    /// </summary>
    public static bool TryParse(string? text, out Address address)
    {
        address = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        int at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1)
        {
            return false;
        }
        string local = text[..at];
        if (Encoding.UTF8.GetByteCount(local) > MaxLocalPartBytes || HasControl(local))
        {
            return false;
        }
        if (!TryNormalizeDomain(text[(at + 1)..], out string? domain))
        {
            return false;
        }
        address = new Address(local, domain);
        return true;
    }

    /// <summary><see cref="TryParse"/>, then the local part folded as for one of our domains.</summary>
    public static bool TryParseLocal(string? text, out Address address)
    {
        if (!TryParse(text, out address) || !TryFoldLocalPart(address.LocalPart, out string? local))
        {
            address = default;
            return false;
        }
        address = address with { LocalPart = local };
        return true;
    }

    /// <summary>Unquotes a quoted-string local part and lowercases its ASCII letters.</summary>
    public static bool TryFoldLocalPart(string local, [NotNullWhen(true)] out string? folded)
    {
        folded = null;
        if (local.Length >= 2 && local[0] == '"' && local[^1] == '"')
        {
            var unquoted = new StringBuilder(local.Length);
            for (int i = 1; i < local.Length - 1; i++)
            {
                char c = local[i];
                if (c == '\\' && i + 1 < local.Length - 1)
                {
                    c = local[++i];
                }
                unquoted.Append(c);
            }
            local = unquoted.ToString();
        }
        if (local.Length == 0 || Encoding.UTF8.GetByteCount(local) > MaxLocalPartBytes || HasControl(local))
        {
            return false;
        }
        folded = string.Create(local.Length, local, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                char c = source[i];
                span[i] = c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;
            }
        });
        return true;
    }

    /// <summary>
    /// Lowercases a domain and checks it is a host name (labels of letters, digits, '-', '_' or
    /// non-ASCII, RFC 5321 §4.1.2) or an address literal in brackets.
    /// </summary>
    public static bool TryNormalizeDomain(string? text, [NotNullWhen(true)] out string? domain)
    {
        domain = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        string d = text.ToLowerInvariant();
        if (d.EndsWith('.'))
        {
            d = d[..^1];
        }
        if (d.Length == 0 || d.Length > MaxDomainLength || HasControl(d))
        {
            return false;
        }
        if (d[0] == '[')
        {
            // RFC 5321 §4.1.3 address literal: never one of our domains, but a valid forward target.
            if (d[^1] != ']' || d.AsSpan(1, d.Length - 2).ContainsAny("[]\\/ "))
            {
                return false;
            }
            domain = d;
            return true;
        }
        foreach (var range in d.AsSpan().Split('.'))
        {
            var label = d.AsSpan(range);
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }
            foreach (char c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' || c > 0x7f))
                {
                    return false;
                }
            }
        }
        domain = d;
        return true;
    }

    private static bool HasControl(string s)
    {
        foreach (char c in s)
        {
            if (c < 0x20 || c == 0x7f)
            {
                return true;
            }
        }
        return false;
    }
}
