using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Letterbox.Dns.Zones;

namespace Letterbox.Dns.Generation;

/// <summary>
/// SOA serials that change exactly when a zone's content does, across restarts: the last
/// serial and a hash of the content are kept in <c>&lt;data&gt;/dns/serials</c>, one zone a line.
/// A changed zone gets max(last + 1, current Unix time), so serials only grow (RFC 1982
/// arithmetic stays happy) and secondaries always see a change.
/// </summary>
public sealed class ZoneSerials(string dataDirectory, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public string Path { get; } = System.IO.Path.Combine(dataDirectory, "dns", "serials");

    /// <summary>The zone with its serial; with <paramref name="persist"/> the new serial is saved (the daemon does, `dns zone` does not).</summary>
    public Zone Assign(Zone zone, bool persist)
    {
        var state = Load();
        string hash = ContentHash(zone);
        uint serial;
        if (state.TryGetValue(zone.Apex.Key, out var known) && known.Hash == hash)
        {
            serial = known.Serial;
        }
        else
        {
            uint now = (uint)Math.Clamp(_time.GetUtcNow().ToUnixTimeSeconds(), 1, uint.MaxValue);
            serial = known.Hash is null ? now : Math.Max(unchecked(known.Serial + 1), now);
            if (persist)
            {
                state[zone.Apex.Key] = (serial, hash);
                try
                {
                    Save(state);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Serve the zone anyway; the serial is recomputed (and still grows) on the next change.
                }
            }
        }
        return zone.WithSerial(serial);
    }

    /// <summary>A hash of every record but the SOA serial.</summary>
    public static string ContentHash(Zone zone)
    {
        var sb = new StringBuilder();
        foreach (var r in zone.WithSerial(0).Records())
            sb.Append(r.ToText().ToLowerInvariant()).Append('\n');
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..32];
    }

    private Dictionary<string, (uint Serial, string? Hash)> Load()
    {
        var state = new Dictionary<string, (uint, string?)>(StringComparer.Ordinal);
        if (!File.Exists(Path))
            return state;
        foreach (var line in File.ReadAllLines(Path))
        {
            var parts = line.Split(' ');
            if (parts.Length == 3 && uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint serial))
                state[parts[0]] = (serial, parts[2]);
        }
        return state;
    }

    private void Save(Dictionary<string, (uint Serial, string? Hash)> state)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var tmp = Path + ".tmp";
        File.WriteAllLines(tmp, state.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"{kv.Key} {kv.Value.Serial.ToString(CultureInfo.InvariantCulture)} {kv.Value.Hash}"));
        File.Move(tmp, Path, overwrite: true);
    }
}
