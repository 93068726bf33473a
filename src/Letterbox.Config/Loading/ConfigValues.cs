namespace Letterbox.Config;

/// <summary>The typed value of every key that has one after merging, with where it came from.</summary>
internal sealed class ConfigValues
{
    private readonly Dictionary<ConfigKey, (object Value, ConfigOrigin Origin)> _values = [];
    private readonly Dictionary<ConfigKey, ConfigOrigin> _invalid = [];

    public void Set(ConfigKey key, object value, ConfigOrigin origin) => _values[key] = (value, origin);

    /// <summary>Records a key that was set but failed validation (already reported).</summary>
    public void SetInvalid(ConfigKey key, ConfigOrigin origin) => _invalid[key] = origin;

    /// <summary>True when the key has a valid value.</summary>
    public bool Has(ConfigKey key) => _values.ContainsKey(key);

    /// <summary>True when the key was written at all, valid or not: "missing" rules must not fire for a key that is only wrong.</summary>
    public bool IsSet(ConfigKey key) => _values.ContainsKey(key) || _invalid.ContainsKey(key);

    /// <summary>The value of a key that is known to be set (it has a default, or is required and checked).</summary>
    public T Get<T>(ConfigKey<T> key)
        where T : notnull =>
        _values.TryGetValue(key, out var v) ? (T)v.Value : throw new InvalidOperationException($"{key.Name} has no value");

    /// <summary>The value of an optional key, or null.</summary>
    public T? Optional<T>(ConfigKey<T> key)
        where T : class =>
        _values.TryGetValue(key, out var v) ? (T)v.Value : null;

    /// <summary>The value of a key if it has a valid one.</summary>
    public bool TryGet<T>(ConfigKey<T> key, out T value)
        where T : notnull
    {
        var found = _values.TryGetValue(key, out var v);
        value = found ? (T)v.Value : default!;
        return found;
    }

    /// <summary>The untyped value of a key if it has a valid one.</summary>
    public bool TryGetObject(ConfigKey key, out object value, out ConfigOrigin origin)
    {
        var found = _values.TryGetValue(key, out var v);
        (value, origin) = found ? (v.Value, v.Origin) : (null!, null!);
        return found;
    }

    public ConfigOrigin? OriginOf(ConfigKey key) =>
        _values.TryGetValue(key, out var v) ? v.Origin : _invalid.GetValueOrDefault(key);
}
