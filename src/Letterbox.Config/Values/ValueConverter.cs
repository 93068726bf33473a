using System.Globalization;
using System.Net;

namespace Letterbox.Config;

/// <summary>
/// Turns a <see cref="RawValue"/> into the typed value its key declares. TOML values must have
/// the matching TOML type (a bool is <c>true</c>, not <c>"true"</c>); flat values from tags and
/// flat-key files are text and are read according to the key's type.
/// </summary>
internal static class ValueConverter
{
    /// <summary>Converts and checks a value.</summary>
    /// <returns>Null when valid (<paramref name="value"/> is set); otherwise what is wrong.</returns>
    public static string? Convert(ConfigKey key, RawValue raw, out object value)
    {
        var error = key.IsList ? ConvertList(key, raw, out value) : ConvertScalar(key, key.Type, raw, out value);
        return error ?? key.CheckValue(value);
    }

    /// <summary>What a key expects, for messages and docs: "a size such as ...".</summary>
    public static string Expected(ConfigKey key) => key.Type switch
    {
        ConfigType.StringList when key.Allowed.Count > 0 => "a list of " + string.Join(", ", key.Allowed),
        ConfigType.StringList => "a list of strings",
        ConfigType.DomainList => "a list of domain names",
        ConfigType.CidrList => "a list of networks in CIDR notation",
        ConfigType.AddressList => "a list of IP addresses",
        ConfigType.EndpointList => "a list of host:port endpoints",
        ConfigType.Enum => "one of " + string.Join(", ", key.Allowed),
        _ => ExpectedScalar(key.Type),
    };

    private static string ExpectedScalar(ConfigType type) => type switch
    {
        ConfigType.String => "a string",
        ConfigType.Bool => "true or false",
        ConfigType.Int => "an integer",
        ConfigType.Size => "a size such as \"25M\", \"512K\", \"1G\" or a number of bytes",
        ConfigType.Duration => "a duration such as \"30s\", \"5m\" or \"1h\"",
        ConfigType.Hostname => "a fully qualified host name such as \"mail.example.com\"",
        ConfigType.IPAddress => "an IP address",
        ConfigType.Endpoint => "host:port or [IPv6]:port",
        ConfigType.Cidr => "a network in CIDR notation such as \"192.0.2.0/24\"",
        ConfigType.FilePath => "an absolute file path",
        _ => "a string",
    };

    private static string? ConvertList(ConfigKey key, RawValue raw, out object value)
    {
        value = null!;
        IEnumerable<RawValue> items;
        if (raw.Kind == RawKind.Flat)
        {
            // Tags and flat keys cannot nest, so lists are comma-separated; "" is the empty list.
            items = raw.Text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(RawValue.Flat);
        }
        else if (raw.Kind == RawKind.Array)
        {
            items = raw.Items;
        }
        else
        {
            var hint = raw.Kind == RawKind.String ? $" (write [{raw.ToToml()}] for a list of one)" : "";
            return $"expected {Expected(key)}, got {raw.Describe()}{hint}";
        }

        var itemType = key.Type switch
        {
            ConfigType.DomainList => ConfigType.Hostname,
            ConfigType.CidrList => ConfigType.Cidr,
            ConfigType.AddressList => ConfigType.IPAddress,
            ConfigType.EndpointList => ConfigType.Endpoint,
            _ => ConfigType.String,
        };
        var converted = new List<object>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var item in items)
        {
            index++;
            if (ConvertScalar(key, itemType, item, out var one) is { } itemError)
            {
                return $"item {index}: {itemError}";
            }
            if (key.Allowed.Count > 0 && !key.Allowed.Contains((string)one))
            {
                return $"item {index}: expected one of {string.Join(", ", key.Allowed)}, got {item.Describe()}";
            }
            var canonical = one.ToString()!;
            if (!seen.Add(canonical))
            {
                return $"{canonical} is listed twice";
            }
            converted.Add(one);
        }
        if (converted.Count < key.MinItems)
        {
            return key.MinItems == 1 ? "must list at least one value" : $"must list at least {key.MinItems} values";
        }
        value = key.Type switch
        {
            ConfigType.CidrList => converted.Cast<IPNetwork>().ToArray(),
            ConfigType.AddressList => converted.Cast<IPAddress>().ToArray(),
            ConfigType.EndpointList => converted.Cast<HostEndpoint>().ToArray(),
            _ => (object)converted.Cast<string>().ToArray(),
        };
        return null;
    }

    private static string? ConvertScalar(ConfigKey key, ConfigType type, RawValue raw, out object value)
    {
        value = null!;
        var mismatch = $"expected {(type == key.Type ? Expected(key) : ExpectedScalar(type))}, got {raw.Describe()}";
        switch (type)
        {
            case ConfigType.Bool:
                if (raw.Kind == RawKind.Boolean)
                {
                    value = raw.Text == "true";
                    return null;
                }
                if (raw.Kind == RawKind.Flat && ParseFlatBool(raw.Text) is { } b)
                {
                    value = b;
                    return null;
                }
                return mismatch;

            case ConfigType.Int:
                long n;
                if (raw.Kind == RawKind.Integer)
                {
                    n = raw.AsInteger();
                }
                else if (raw.Kind != RawKind.Flat
                    || !long.TryParse(raw.Text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out n))
                {
                    return mismatch;
                }
                if (n < key.Min || n > key.Max)
                {
                    return $"must be between {key.Min} and {key.Max}, got {n}";
                }
                value = (int)n;
                return null;

            case ConfigType.Size:
                long bytes;
                if (raw.Kind == RawKind.Integer)
                {
                    bytes = raw.AsInteger();
                }
                else if (raw.Kind is not (RawKind.String or RawKind.Flat) || !SizeSyntax.TryParse(raw.Text, out bytes))
                {
                    return mismatch;
                }
                if (bytes < key.Min || bytes > key.Max)
                {
                    return $"must be between {SizeSyntax.Format(key.Min)} and {SizeSyntax.Format(key.Max)}, got {SizeSyntax.Format(bytes)}";
                }
                value = bytes;
                return null;
        }

        if (raw.Kind is not (RawKind.String or RawKind.Flat))
        {
            return mismatch;
        }
        var text = raw.Text.Trim();
        if (text.Length == 0)
        {
            return "must not be empty";
        }
        switch (type)
        {
            case ConfigType.Duration:
                if (!DurationSyntax.TryParse(text, out var duration))
                {
                    return mismatch;
                }
                value = duration;
                return null;

            case ConfigType.Hostname:
                if (DomainSyntax.Check(text, 2, out var name) is { } nameError)
                {
                    return nameError;
                }
                value = name;
                return null;

            case ConfigType.IPAddress:
                if (!IpSyntax.TryParseAddress(text, out var address))
                {
                    return $"\"{text}\" is not an IP address";
                }
                value = address;
                return null;

            case ConfigType.Endpoint:
                if (HostEndpoint.Check(text, key.DefaultPort, out var endpoint) is { } endpointError)
                {
                    return endpointError;
                }
                value = endpoint;
                return null;

            case ConfigType.Cidr:
                if (IpSyntax.CheckNetwork(text, out var network) is { } networkError)
                {
                    return networkError;
                }
                value = network;
                return null;

            case ConfigType.Enum:
                var word = key.Allowed.FirstOrDefault(a => string.Equals(a, text, StringComparison.OrdinalIgnoreCase));
                if (word is null)
                {
                    return mismatch;
                }
                value = word;
                return null;

            case ConfigType.FilePath:
                // Daemons change directory and user, so a relative path would name another file later.
                if (!text.StartsWith('/') || text.Contains('\0'))
                {
                    return $"\"{text}\" is not an absolute path";
                }
                value = text;
                return null;

            default:
                value = text;
                return null;
        }
    }

    private static bool? ParseFlatBool(string text) => text.Trim().ToLowerInvariant() switch
    {
        "true" or "yes" or "on" or "1" => true,
        "false" or "no" or "off" or "0" => false,
        _ => null,
    };
}
