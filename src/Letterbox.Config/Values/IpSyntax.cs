using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Letterbox.Config;

/// <summary>
/// Strict IP and CIDR parsing. <see cref="IPAddress.TryParse(string?, out IPAddress?)"/> accepts
/// "1" as 0.0.0.1 and <see cref="IPNetwork.TryParse(string?, out IPNetwork)"/> silently clears host
/// bits, either of which would turn a typo into a working but wrong configuration.
/// </summary>
public static class IpSyntax
{
    /// <summary>Parses a dotted-quad IPv4 or an IPv6 address (no brackets, no zone).</summary>
    public static bool TryParseAddress(string text, out IPAddress address)
    {
        address = IPAddress.None;
        var s = text.Trim();
        if (s.Contains(':'))
        {
            // Only the address itself: no [brackets], %zone or :port that the framework parser tolerates.
            if (!s.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.')
                || !IPAddress.TryParse(s, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }
            address = v6;
            return true;
        }
        var parts = s.Split('.');
        if (parts.Length != 4 || parts.Any(p => p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit)
            || int.Parse(p, CultureInfo.InvariantCulture) > 255))
        {
            return false;
        }
        address = IPAddress.Parse(s);
        return true;
    }

    /// <summary>
    /// Parses "address/prefix"; a bare address means a single host (/32 or /128).
    /// </summary>
    /// <returns>Null when valid; otherwise what is wrong.</returns>
    public static string? CheckNetwork(string text, out IPNetwork network)
    {
        network = default;
        var s = text.Trim();
        var slash = s.IndexOf('/');
        var addressText = slash < 0 ? s : s[..slash];
        if (!TryParseAddress(addressText, out var address))
        {
            return $"\"{text}\" is not a network in CIDR notation such as 192.0.2.0/24";
        }
        var maxPrefix = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = maxPrefix;
        if (slash >= 0)
        {
            var prefixText = s[(slash + 1)..];
            if (prefixText.Length is 0 or > 3 || !prefixText.All(char.IsAsciiDigit)
                || (prefix = int.Parse(prefixText, CultureInfo.InvariantCulture)) > maxPrefix)
            {
                return $"\"{text}\" has an invalid prefix length (0 to {maxPrefix})";
            }
        }
        var masked = new IPNetwork(Mask(address, prefix), prefix);
        if (!masked.BaseAddress.Equals(address))
        {
            return $"\"{text}\" has host bits set: did you mean {masked}?";
        }
        network = masked;
        return null;
    }

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var bits = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - bits));
        }
        return new IPAddress(bytes);
    }
}
