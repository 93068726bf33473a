using System.CommandLine;
using System.Text;
using Letterbox.Net.Unix;
using Letterbox.Store.Keys;

namespace Letterbox.Cli;

/// <summary>
/// `letterbox dkim show DOMAIN`: the DKIM TXT records to publish for a domain (one per key: rsa-sha256
/// and ed25519-sha256), creating the keys if the domain has none yet. As root it acts as the owner of
/// the data directory, so the key files it creates stay readable by the daemons.
/// </summary>
public static class DkimCommands
{
    public static void Add(RootCommand root, Option<string?> data)
    {
        var dkim = new Command("dkim", "DKIM signing keys (rsa-sha256 and ed25519-sha256) of the mail domains.");
        var domain = new Argument<string>("DOMAIN") { Description = "A mail domain, e.g. example.com." };
        var show = new Command("show", "Print the DKIM TXT records to publish for DOMAIN (zone-file syntax, split into 255-byte strings); creates the keys at first use.")
        {
            Arguments = { domain },
        };
        show.SetAction(pr => Show(pr.GetValue(data), pr.GetValue(domain)!));
        dkim.Subcommands.Add(show);
        root.Subcommands.Add(dkim);
    }

    private static int Show(string? dataOption, string domain)
    {
        var data = Commands.ResolveDataDirectory(dataOption, Commands.DefaultDataDirectory);
        if (!Directory.Exists(data))
            throw new CliException(ExitCodes.RuntimeFailure, $"data directory {data} does not exist (start letterbox once, or pass --data)");
        if (UnixUser.IsRoot)
            UnixUser.BecomeOwnerOf(data);
        IReadOnlyList<DkimKey> keys;
        try
        {
            keys = new DkimKeyStore(data).EnsureKeys(domain);
        }
        catch (ArgumentException e)
        {
            throw new CliException(ExitCodes.UsageOrConfig, e.Message);
        }
        foreach (var key in keys)
        {
            Console.WriteLine($"; {key.Algorithm}, key {key.PrivateKeyPath}");
            Console.WriteLine($"{key.RecordName}. 3600 IN TXT {ZoneText(key.TxtRecord)}");
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// A TXT record's text as zone-file character-strings: one string holds at most 255 bytes
    /// (RFC 1035 §3.3.14), and a DKIM verifier joins them without separators (RFC 6376 §3.6.2.2).
    /// </summary>
    public static string ZoneText(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        var parts = new List<string>();
        for (int i = 0; i < bytes.Length; i += 255)
            parts.Add("\"" + Encoding.ASCII.GetString(bytes, i, Math.Min(255, bytes.Length - i)).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"");
        return parts.Count == 1 ? parts[0] : "( " + string.Join(" ", parts) + " )";
    }
}
