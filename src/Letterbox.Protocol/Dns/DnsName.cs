using System.Text;

namespace Letterbox.Protocol.Dns;

/// <summary>
/// A domain name as a list of labels, with their case as written (RFC 4343: case is kept but does
/// not matter for comparison). Labels are byte strings; here each char holds one byte (0-255).
/// <see cref="Key"/> is the lower-case presentation form with a trailing dot, used for lookups.
/// </summary>
public sealed class DnsName : IEquatable<DnsName>
{
    /// <summary>RFC 1035 §2.3.4: labels are 63 octets or less.</summary>
    public const int MaxLabelLength = 63;

    /// <summary>RFC 1035 §2.3.4: names are 255 octets or less on the wire, length bytes and root included.</summary>
    public const int MaxWireLength = 255;

    private readonly string[] _labels;
    private string? _key;

    public static readonly DnsName Root = new([]);

    private DnsName(string[] labels)
    {
        _labels = labels;
        int length = 1;
        foreach (var l in labels)
            length += 1 + l.Length;
        WireLength = length;
    }

    /// <summary>Labels from the leftmost (most specific) to the one under the root.</summary>
    public IReadOnlyList<string> Labels => _labels;

    public int LabelCount => _labels.Length;

    /// <summary>Octets this name takes on the wire, uncompressed.</summary>
    public int WireLength { get; }

    public bool IsRoot => _labels.Length == 0;

    /// <summary>Lower-case presentation form with a trailing dot: the lookup key.</summary>
    public string Key => _key ??= Format(lower: true);

    /// <summary>Builds a name from labels, checking the RFC 1035 limits.</summary>
    public static DnsName FromLabels(IEnumerable<string> labels)
    {
        var array = labels.ToArray();
        foreach (var l in array)
        {
            if (l.Length is 0 or > MaxLabelLength)
                throw new FormatException($"a label must be 1 to {MaxLabelLength} octets, not {l.Length}");
            foreach (char c in l)
                if (c > 0xFF)
                    throw new FormatException("a label holds octets only");
        }
        var name = new DnsName(array);
        if (name.WireLength > MaxWireLength)
            throw new FormatException($"a name must be at most {MaxWireLength} octets, not {name.WireLength}");
        return name;
    }

    /// <summary>
    /// Parses presentation format (RFC 1035 §5.1): "\." and "\DDD" escapes, a trailing dot for an
    /// absolute name, "@" for the origin; a name without trailing dot is relative to <paramref name="origin"/>.
    /// </summary>
    public static DnsName Parse(string text, DnsName? origin = null)
    {
        if (text == "@")
            return origin ?? throw new FormatException("\"@\" without an origin");
        if (text == ".")
            return Root;
        if (text.Length == 0)
            throw new FormatException("empty name");
        var labels = new List<string>();
        var label = new StringBuilder();
        bool absolute = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\')
            {
                if (i + 3 < text.Length && char.IsAsciiDigit(text[i + 1]) && char.IsAsciiDigit(text[i + 2]) && char.IsAsciiDigit(text[i + 3]))
                {
                    int value = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
                    if (value > 255)
                        throw new FormatException($"escape \\{text.Substring(i + 1, 3)} is above 255");
                    label.Append((char)value);
                    i += 3;
                }
                else if (i + 1 < text.Length)
                {
                    label.Append(text[++i]);
                }
                else
                {
                    throw new FormatException("name ends in a lone backslash");
                }
            }
            else if (c == '.')
            {
                if (label.Length == 0)
                    throw new FormatException($"empty label in '{text}'");
                labels.Add(label.ToString());
                label.Clear();
                if (i == text.Length - 1)
                    absolute = true;
            }
            else
            {
                if (c > 0xFF)
                    throw new FormatException("names are ASCII here; write an IDN as its A-label (xn--...)");
                label.Append(c);
            }
        }
        if (label.Length > 0)
            labels.Add(label.ToString());
        if (!absolute)
        {
            if (origin is null)
                throw new FormatException($"relative name '{text}' without an origin");
            labels.AddRange(origin._labels);
        }
        return FromLabels(labels);
    }

    public static bool TryParse(string text, out DnsName? name, DnsName? origin = null)
    {
        try
        {
            name = Parse(text, origin);
            return true;
        }
        catch (FormatException)
        {
            name = null;
            return false;
        }
    }

    /// <summary>The name one label up; the root's parent is the root.</summary>
    public DnsName Parent() => _labels.Length == 0 ? this : new DnsName(_labels[1..]);

    /// <summary>This name with its leftmost <paramref name="count"/> labels removed.</summary>
    public DnsName Suffix(int count) => count == 0 ? this : new DnsName(_labels[count..]);

    /// <summary>A child of this name.</summary>
    public DnsName Prepend(string label) => FromLabels([label, .. _labels]);

    /// <summary>True when this name equals <paramref name="ancestor"/> or lies below it.</summary>
    public bool IsAtOrBelow(DnsName ancestor)
    {
        int skip = _labels.Length - ancestor._labels.Length;
        if (skip < 0)
            return false;
        for (int i = 0; i < ancestor._labels.Length; i++)
            if (!string.Equals(_labels[skip + i], ancestor._labels[i], StringComparison.OrdinalIgnoreCase))
                return false;
        return true;
    }

    /// <summary>The lookup key of the suffix that starts at label <paramref name="index"/>.</summary>
    public string SuffixKey(int index) => index == 0 ? Key : Suffix(index).Key;

    public override string ToString() => Format(lower: false);

    private string Format(bool lower)
    {
        if (_labels.Length == 0)
            return ".";
        var sb = new StringBuilder(WireLength + 8);
        foreach (var l in _labels)
        {
            foreach (char c in l)
                AppendEscaped(sb, (byte)c, lower);
            sb.Append('.');
        }
        return sb.ToString();
    }

    /// <summary>
    /// One octet in presentation form. The hot path (<see cref="DnsNameReader.TryReadKey"/>) uses
    /// the same rules, so a key made from the wire equals one made from a master file.
    /// </summary>
    internal static void AppendEscaped(StringBuilder sb, byte b, bool lower)
    {
        Span<char> chars = stackalloc char[4];
        int n = Escape(b, lower, chars);
        sb.Append(chars[..n]);
    }

    internal static int Escape(byte b, bool lower, Span<char> destination)
    {
        if (b <= 0x20 || b >= 0x7F)
        {
            destination[0] = '\\';
            destination[1] = (char)('0' + b / 100);
            destination[2] = (char)('0' + b / 10 % 10);
            destination[3] = (char)('0' + b % 10);
            return 4;
        }
        char c = (char)b;
        if (c is '.' or '\\' or '"' or '(' or ')' or ';' or '@' or '$')
        {
            destination[0] = '\\';
            destination[1] = c;
            return 2;
        }
        destination[0] = lower && c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;
        return 1;
    }

    public bool Equals(DnsName? other) => other is not null && Key == other.Key;

    public override bool Equals(object? obj) => obj is DnsName n && Equals(n);

    public override int GetHashCode() => Key.GetHashCode(StringComparison.Ordinal);
}
