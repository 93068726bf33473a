using System.Text;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Tsig;

/// <summary>
/// TSIG secrets live in &lt;data&gt;/dns/tsig/NAME.key, one line "ALGORITHM BASE64SECRET", mode
/// 0600, never in the config text (which is logged, diffed and copied around). A file anyone
/// else may read is refused, as ssh refuses an open private key.
/// </summary>
public static class TsigKeyFile
{
    public static string Directory(string dataDirectory) => Path.Combine(dataDirectory, "dns", "tsig");

    public static string PathOf(string dataDirectory, DnsName name) => Path.Combine(Directory(dataDirectory), name.Key.TrimEnd('.') + ".key");

    /// <summary>A key name we accept: letters, digits, '-', '_' and dots, so that it is also a safe file name.</summary>
    public static bool IsValidName(string text, out DnsName? name)
    {
        name = null;
        var trimmed = text.TrimEnd('.');
        if (trimmed.Length is 0 or > 200 || trimmed.StartsWith('.') || trimmed.Contains("..", StringComparison.Ordinal)
            || !trimmed.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            return false;
        return DnsName.TryParse(trimmed + ".", out name);
    }

    /// <summary>The key, or null with <paramref name="problem"/> saying why (missing, unreadable, too open, malformed).</summary>
    public static TsigKey? Load(string dataDirectory, DnsName name, out string? problem)
    {
        var path = PathOf(dataDirectory, name);
        problem = null;
        try
        {
            if (!File.Exists(path))
            {
                problem = $"TSIG key file {path} does not exist (create it with `letterbox dns tsig-key {name.ToString().TrimEnd('.')}`)";
                return null;
            }
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            {
                problem = $"TSIG key file {path} may be read by others; chmod 600 it";
                return null;
            }
            var parts = File.ReadAllText(path, Encoding.ASCII).Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || TsigAlgorithm.Find(parts[0]) is not { } algorithm)
            {
                problem = $"TSIG key file {path}: expected one line \"hmac-sha256 BASE64SECRET\"";
                return null;
            }
            var secret = Convert.FromBase64String(parts[1]);
            if (secret.Length < 16)
            {
                problem = $"TSIG key file {path}: a secret of {secret.Length} octets is too short";
                return null;
            }
            return new TsigKey(name, algorithm, secret);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            problem = $"TSIG key file {path}: {e.Message}";
            return null;
        }
    }

    /// <summary>Writes a key file with mode 0600 from the start (never readable by others, not even briefly).</summary>
    public static string Write(string dataDirectory, TsigKey key, bool overwrite)
    {
        var path = PathOf(dataDirectory, key.Name);
        System.IO.Directory.CreateDirectory(Directory(dataDirectory));
        var options = new FileStreamOptions
        {
            Mode = overwrite ? FileMode.Create : FileMode.CreateNew,
            Access = FileAccess.Write,
        };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(path, options))
        {
            stream.Write(Encoding.ASCII.GetBytes($"{key.Algorithm.Id} {Convert.ToBase64String(key.Secret)}\n"));
        }
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }
}
