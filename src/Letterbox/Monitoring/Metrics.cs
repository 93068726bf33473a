using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Letterbox.Monitoring;

/// <summary>
/// Counters and gauges of one process, rendered in the Prometheus text exposition format
/// (version 0.0.4). Names follow <c>letterbox_&lt;component&gt;_&lt;what&gt;</c>; every metric is
/// declared with its help text before use, so /metrics documents itself.
/// </summary>
public sealed class Metrics
{
    private sealed record Family(string Name, string Type, string Help);

    private readonly ConcurrentDictionary<string, Family> _families = new();
    private readonly ConcurrentDictionary<(string Name, string Labels), double> _values = new();

    public void DeclareCounter(string name, string help) => _families.TryAdd(name, new Family(name, "counter", help));
    public void DeclareGauge(string name, string help) => _families.TryAdd(name, new Family(name, "gauge", help));

    public void Increment(string name, double by = 1, params (string Key, string Value)[] labels)
    {
        Require(name);
        _values.AddOrUpdate((name, FormatLabels(labels)), by, (_, v) => v + by);
    }

    public void Set(string name, double value, params (string Key, string Value)[] labels)
    {
        Require(name);
        _values[(name, FormatLabels(labels))] = value;
    }

    public double Get(string name, params (string Key, string Value)[] labels) =>
        _values.TryGetValue((name, FormatLabels(labels)), out var v) ? v : 0;

    private void Require(string name)
    {
        if (!_families.ContainsKey(name))
            throw new InvalidOperationException($"metric {name} used before it was declared");
    }

    public string Render()
    {
        var sb = new StringBuilder();
        foreach (var family in _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            sb.Append("# HELP ").Append(family.Name).Append(' ').Append(family.Help).Append('\n');
            sb.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Type).Append('\n');
            foreach (var ((name, labels), value) in _values.Where(kv => kv.Key.Name == family.Name).OrderBy(kv => kv.Key.Labels, StringComparer.Ordinal))
                sb.Append(name).Append(labels).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }
        return sb.ToString();
    }

    private static string FormatLabels((string Key, string Value)[] labels)
    {
        if (labels.Length == 0)
            return "";
        var sb = new StringBuilder("{");
        for (int i = 0; i < labels.Length; i++)
        {
            if (i > 0)
                sb.Append(',');
            sb.Append(labels[i].Key).Append("=\"");
            foreach (char c in labels[i].Value)
                sb.Append(c switch { '\\' => "\\\\", '"' => "\\\"", '\n' => "\\n", _ => c.ToString() });
            sb.Append('"');
        }
        return sb.Append('}').ToString();
    }
}
