using System.Net;

namespace Letterbox.Config;

/// <summary>
/// One configuration key: its name, type, default, documentation and constraints. The schema
/// is a list of these, and everything else (readers, validation, <c>config show</c>, the docs and
/// the sample file) is driven from it, so a key is added in exactly one place.
/// </summary>
/// <remarks>
/// <see cref="Default"/> and <see cref="Example"/> are written in the flat syntax of EC2 tags
/// (lists comma-separated), so they go through the same parser as user input and a test can
/// check that every default and example is valid.
/// </remarks>
public abstract class ConfigKey
{
    private protected ConfigKey(string name, ConfigType type, Type clrType)
    {
        if (clrType != ClrTypeOf(type))
        {
            // A mismatch would make ConfigValues.Get<T> fail at run time; fail at type load instead.
            throw new ArgumentException($"key {name}: {type} values are {ClrTypeOf(type).Name}, not {clrType.Name}");
        }
        Name = name;
        Type = type;
        var dot = name.LastIndexOf('.');
        Section = dot < 0 ? "" : name[..dot];
        Leaf = dot < 0 ? name : name[(dot + 1)..];
    }

    /// <summary>Dotted name, e.g. "smtp.max_message_size".</summary>
    public string Name { get; }

    /// <summary>The value type.</summary>
    public ConfigType Type { get; }

    /// <summary>The TOML table the key lives in ("" for top-level keys).</summary>
    public string Section { get; }

    /// <summary>The last part of the name.</summary>
    public string Leaf { get; }

    /// <summary>Default in flat syntax; null when the key has none.</summary>
    public string? Default { get; init; }

    /// <summary>Whether the merged configuration must have a value for this key.</summary>
    public bool Required { get; init; }

    /// <summary>What the key means, for the docs and the sample file.</summary>
    public required string Doc { get; init; }

    /// <summary>An example value in flat syntax.</summary>
    public required string Example { get; init; }

    /// <summary>Masked as ******** in <c>config show</c>.</summary>
    public bool Secret { get; init; }

    /// <summary>The allowed words of an <see cref="ConfigType.Enum"/> or of a <see cref="ConfigType.StringList"/>'s items.</summary>
    public IReadOnlyList<string> Allowed { get; init; } = [];

    /// <summary>Lowest allowed value of an Int or Size key.</summary>
    public long Min { get; init; }

    /// <summary>Highest allowed value of an Int or Size key.</summary>
    public long Max { get; init; } = int.MaxValue;

    /// <summary>Fewest items a list key may have.</summary>
    public int MinItems { get; init; }

    /// <summary>Port assumed when an endpoint omits one; null means the port is required.</summary>
    public int? DefaultPort { get; init; }

    /// <summary>True for the list types.</summary>
    public bool IsList => Type is ConfigType.StringList or ConfigType.DomainList or ConfigType.CidrList
        or ConfigType.AddressList or ConfigType.EndpointList;

    /// <summary>Key-specific checks on a well-typed value; returns what is wrong, or null.</summary>
    internal abstract string? CheckValue(object value);

    /// <summary>The .NET type each config type is bound to.</summary>
    public static Type ClrTypeOf(ConfigType type) => type switch
    {
        ConfigType.Bool => typeof(bool),
        ConfigType.Int => typeof(int),
        ConfigType.Size => typeof(long),
        ConfigType.Duration => typeof(TimeSpan),
        ConfigType.IPAddress => typeof(IPAddress),
        ConfigType.Endpoint => typeof(HostEndpoint),
        ConfigType.Cidr => typeof(IPNetwork),
        ConfigType.StringList or ConfigType.DomainList => typeof(IReadOnlyList<string>),
        ConfigType.CidrList => typeof(IReadOnlyList<IPNetwork>),
        ConfigType.AddressList => typeof(IReadOnlyList<IPAddress>),
        ConfigType.EndpointList => typeof(IReadOnlyList<HostEndpoint>),
        _ => typeof(string),
    };

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>A configuration key whose typed value is a <typeparamref name="T"/>.</summary>
public sealed class ConfigKey<T> : ConfigKey
    where T : notnull
{
    /// <summary>Declares a key; throws when <typeparamref name="T"/> does not match <paramref name="type"/>.</summary>
    public ConfigKey(string name, ConfigType type)
        : base(name, type, typeof(T))
    {
    }

    /// <summary>An extra rule for this key alone; returns what is wrong, or null.</summary>
    public Func<T, string?>? Check { get; init; }

    internal override string? CheckValue(object value) => Check?.Invoke((T)value);
}
