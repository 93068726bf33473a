namespace Letterbox.Config;

/// <summary>Host and domain names as DNS will accept them in MX, A and certificate names.</summary>
public static class DomainSyntax
{
    /// <summary>
    /// Checks a name and returns its canonical form (lower case, no trailing dot), or an error.
    /// </summary>
    /// <param name="name">The name as written.</param>
    /// <param name="minLabels">2 for a fully qualified name; 1 where "localhost" is fine.</param>
    /// <param name="canonical">The canonical form when valid.</param>
    /// <returns>Null when valid; otherwise what is wrong.</returns>
    public static string? Check(string name, int minLabels, out string canonical)
    {
        canonical = "";
        var s = name.EndsWith('.') ? name[..^1] : name;
        if (s.Length == 0)
        {
            return "the name is empty";
        }
        if (s.Any(c => c > 127))
        {
            // Invariant globalization leaves no IDNA mapping to convert with; ask for the A-label.
            return $"\"{name}\" contains non-ASCII characters: write it in its xn-- (IDNA) form";
        }
        // RFC 1035 §2.3.4: 255 octets on the wire, which is 253 characters written out.
        if (s.Length > 253)
        {
            return $"\"{name}\" is longer than 253 characters";
        }
        var labels = s.ToLowerInvariant().Split('.');
        if (labels.Length < minLabels)
        {
            return $"\"{name}\" is not fully qualified (expected a name such as mail.example.com)";
        }
        foreach (var label in labels)
        {
            // RFC 1123 §2.1 letters, digits and hyphen, not at either end; RFC 1035 §2.3.4 at most 63.
            if (label.Length == 0)
            {
                return $"\"{name}\" has an empty label";
            }
            if (label.Length > 63)
            {
                return $"\"{name}\" has a label longer than 63 characters";
            }
            if (!label.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-'))
            {
                var bad = label.First(c => c is not (>= 'a' and <= 'z' or >= '0' and <= '9' or '-'));
                return $"\"{name}\" contains '{bad}' (only letters, digits, '-' and '.' are allowed)";
            }
            if (label[0] == '-' || label[^1] == '-')
            {
                return $"\"{name}\" has a label that starts or ends with '-'";
            }
        }
        if (labels.Length > 1 && labels[^1].All(char.IsAsciiDigit))
        {
            return $"\"{name}\" looks like an IP address, not a name";
        }
        canonical = string.Join('.', labels);
        return null;
    }
}
