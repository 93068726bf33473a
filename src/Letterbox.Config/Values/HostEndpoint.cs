using System.Globalization;
using System.Net;

namespace Letterbox.Config;

/// <summary>A host (name or IP literal) and a port, written "host:port" or "[v6]:port".</summary>
/// <param name="Host">Canonical host name or IP address text (IPv6 without brackets).</param>
/// <param name="Port">1 to 65535.</param>
public sealed record HostEndpoint(string Host, int Port)
{
    /// <summary>The IP address when the host is a literal, else null (a name to resolve).</summary>
    public IPAddress? Address => IpSyntax.TryParseAddress(Host, out var a) ? a : null;

    /// <summary>"host:port", with IPv6 literals in brackets.</summary>
    public override string ToString() =>
        Host.Contains(':') ? $"[{Host}]:{Port.ToString(CultureInfo.InvariantCulture)}" : $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses an endpoint.</summary>
    /// <param name="text">"host:port", "[v6]:port", or a bare host when <paramref name="defaultPort"/> is given.</param>
    /// <param name="defaultPort">Port to assume when omitted; null makes the port required.</param>
    /// <param name="endpoint">The endpoint when valid.</param>
    /// <returns>Null when valid; otherwise what is wrong.</returns>
    public static string? Check(string text, int? defaultPort, out HostEndpoint endpoint)
    {
        endpoint = new HostEndpoint("", 0);
        var s = text.Trim();
        string host;
        string? portText;
        if (s.StartsWith('['))
        {
            var close = s.IndexOf(']');
            if (close < 0)
            {
                return $"\"{text}\" has '[' without ']'";
            }
            host = s[1..close];
            var rest = s[(close + 1)..];
            if (rest.Length > 0 && rest[0] != ':')
            {
                return $"\"{text}\": expected ':port' after ']'";
            }
            portText = rest.Length > 0 ? rest[1..] : null;
            if (!host.Contains(':') || !IpSyntax.TryParseAddress(host, out var v6))
            {
                return $"\"{text}\": [{host}] is not an IPv6 address";
            }
            host = v6.ToString();
        }
        else
        {
            var colons = s.Count(c => c == ':');
            if (colons > 1)
            {
                return $"\"{text}\": write IPv6 addresses in brackets, as [2001:db8::1]:53";
            }
            var colon = s.IndexOf(':');
            host = colon < 0 ? s : s[..colon];
            portText = colon < 0 ? null : s[(colon + 1)..];
            if (!IpSyntax.TryParseAddress(host, out _))
            {
                if (DomainSyntax.Check(host, 1, out var canonical) is { } hostError)
                {
                    return $"\"{text}\": {hostError}";
                }
                host = canonical;
            }
        }
        int port;
        if (portText is null)
        {
            if (defaultPort is not { } d)
            {
                return $"\"{text}\" has no port (expected host:port)";
            }
            port = d;
        }
        else if (portText.Length is 0 or > 5 || !portText.All(char.IsAsciiDigit)
            || (port = int.Parse(portText, CultureInfo.InvariantCulture)) is < 1 or > 65535)
        {
            return $"\"{text}\" has an invalid port (1 to 65535)";
        }
        endpoint = new HostEndpoint(host, port);
        return null;
    }
}
