using System.Text;

namespace Letterbox.Dns.Challenges;

/// <summary>
/// The ACME DNS-01 hand-off (RFC 8555 §8.4) between the ACME client and the DNS daemon, two
/// processes that share only the data directory. The contract:
/// <list type="bullet">
/// <item><c>&lt;data&gt;/dns/challenges/</c> holds one file per owner name, named by the lower-case
/// FQDN without trailing dot (<c>_acme-challenge.mail.example.test</c>);</item>
/// <item>each line of a file is one TXT value (several values are allowed: a certificate for
/// example.test and *.example.test needs two at the same name);</item>
/// <item>files are replaced atomically (written to a temporary name, then renamed), and removed
/// when their last value is withdrawn.</item>
/// </list>
/// The DNS daemon notices a change within a second, serves the TXT records (TTL 60) in the
/// zone that contains the name, and bumps that zone's SOA serial.
/// </summary>
public static class ChallengeRecords
{
    /// <summary>TTL of challenge records: short, so a retried validation sees the new value.</summary>
    public const uint Ttl = 60;

    public static string Directory(string dataDirectory) => Path.Combine(dataDirectory, "dns", "challenges");

    /// <summary>Adds a TXT value at <paramref name="fqdn"/> (kept if already there).</summary>
    public static void Publish(string dataDirectory, string fqdn, string value)
    {
        CheckValue(value);
        lock (Gate)
        {
            var values = Read(dataDirectory, fqdn);
            if (!values.Contains(value))
                values.Add(value);
            Write(dataDirectory, fqdn, values);
        }
    }

    /// <summary>Removes a TXT value; the file goes when no value is left.</summary>
    public static void Withdraw(string dataDirectory, string fqdn, string value)
    {
        lock (Gate)
        {
            var values = Read(dataDirectory, fqdn);
            values.Remove(value);
            Write(dataDirectory, fqdn, values);
        }
    }

    /// <summary>Every published name and its values, as the DNS daemon reads them.</summary>
    public static IReadOnlyList<(string Fqdn, IReadOnlyList<string> Values)> All(string dataDirectory)
    {
        var dir = Directory(dataDirectory);
        if (!System.IO.Directory.Exists(dir))
            return [];
        var result = new List<(string, IReadOnlyList<string>)>();
        foreach (var path in System.IO.Directory.GetFiles(dir).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (name.StartsWith('.') || name.EndsWith(".tmp", StringComparison.Ordinal))
                continue; // a write in progress
            try
            {
                var values = File.ReadAllLines(path, Encoding.UTF8).Where(l => l.Length > 0).ToList();
                if (values.Count > 0)
                    result.Add((name, values));
            }
            catch (IOException)
            {
                // Removed between listing and reading: withdrawn.
            }
        }
        return result;
    }

    private static readonly Lock Gate = new();

    private static string FileFor(string dataDirectory, string fqdn)
    {
        var name = fqdn.Trim().TrimEnd('.').ToLowerInvariant();
        if (name.Length == 0 || name.Contains('/') || name.Contains('\0') || name.StartsWith('.') || name.Length > 253)
            throw new ArgumentException($"'{fqdn}' is not a domain name", nameof(fqdn));
        return Path.Combine(Directory(dataDirectory), name);
    }

    private static List<string> Read(string dataDirectory, string fqdn)
    {
        var path = FileFor(dataDirectory, fqdn);
        return File.Exists(path) ? File.ReadAllLines(path, Encoding.UTF8).Where(l => l.Length > 0).ToList() : [];
    }

    private static void Write(string dataDirectory, string fqdn, List<string> values)
    {
        var path = FileFor(dataDirectory, fqdn);
        if (values.Count == 0)
        {
            File.Delete(path);
            return;
        }
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        File.WriteAllText(tmp, string.Join('\n', values) + "\n", new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
    }

    private static void CheckValue(string value)
    {
        // A DNS-01 value is a base64url digest; anything with a line break would split into two values.
        if (value.Length == 0 || value.Length > 255 || value.Contains('\n') || value.Contains('\r'))
            throw new ArgumentException("a challenge value is one line of at most 255 characters", nameof(value));
    }
}
