using System.Globalization;
using System.Text;

namespace Letterbox.Config;

/// <summary>
/// docs/configuration.md and the sample letterbox.toml, generated from <see cref="ConfigSchema"/>
/// so that the documentation cannot drift from the code (a test compares the committed file).
/// </summary>
public static class ConfigDocs
{
    private const int Width = 78;

    /// <summary>The full text of docs/configuration.md.</summary>
    public static string Markdown()
    {
        var md = new StringBuilder();
        md.Append(
            $"""
            # Letterbox configuration

            <!-- Generated from src/Letterbox.Config/Schema/ConfigSchema.cs by ConfigDocs.Markdown(); do not edit.
                 Regenerate with: LETTERBOX_WRITE_DOCS=1 dotnet test tests/Letterbox.Config.Tests -->

            Letterbox reads its settings from TOML documents and from flat keys such as EC2 instance tags.
            Every key has a type, and most have a default: only `hostname` and `domains` must be set, and on
            EC2 `hostname` defaults to the instance's public host name.

            - `letterbox config check FILE` validates one file over the defaults and prints every problem.
            - `letterbox config show` prints every effective value and where it came from, with secrets masked.

            Each problem is one line, `error: <key> (<source>): <what is wrong>`; unknown keys are warnings
            that name the nearest valid key.

            ## Sources and precedence

            Sources are read in this order; a later source overrides an earlier one key by key.

            1. Built-in defaults (listed with each key below).
            2. EC2 instance metadata: `public-ipv4`, `ipv6` and `public-hostname` fill `network.public_ipv4`,
               `network.public_ipv6` and `hostname`, each only when present.
            3. Development mode only: built-in settings for a local instance (`{Flat(ConfigSources.DevLayer)}`).
            4. `{ConfigSources.DefaultEtcFile}`.
            5. Vagrant or VirtualBox: `{ConfigSources.VagrantSharedFile}`, or else
               `{ConfigSources.ConfigDiskFile}`, from a disk labelled `LBCONFIG`.
            6. EC2 user-data: a TOML document like the files above.
            7. EC2 instance tags whose keys start with `{FlatKeyReader.TagPrefix}` (the instance must allow tags in its metadata).
            8. The file given with `--config FILE`.

            Missing sources are skipped. When the EC2 metadata service does not answer within
            {ImdsClient.DefaultTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} seconds, Letterbox is not on EC2 and carries on without it.
            User-data that is something else (a shell script, cloud-config) is an error: Letterbox does not
            guess at documents meant for another program.

            ## TOML documents

            Tables and dotted keys are the same thing: `[smtp]` followed by `max_message_size = "50M"` sets
            `smtp.max_message_size`. A value must have its key's TOML type: booleans are `true` or `false`,
            integers are bare, lists are arrays (even of one item), everything else is a string.

            ```toml
            hostname = "mail.example.com"
            domains = ["example.com"]

            [smtp]
            max_message_size = "50M"
            ```

            ## Flat keys and EC2 tags

            A flat key is the dotted name with `:` between the parts: `smtp:max_message_size`; top-level keys
            have no section: `hostname`. A flat-key file has one `section:key = value` per line, `#` starts a
            comment line. As an EC2 instance tag the key is prefixed with `{FlatKeyReader.TagPrefix}` and the tag's value
            is the value. Flat values are plain text read by the key's type: lists are comma-separated,
            booleans are `true`/`false` (or `yes`/`no`, `on`/`off`, `1`/`0`).

            | Tag key | Tag value |
            |---|---|
            | `letterbox:hostname` | `mail.example.com` |
            | `letterbox:domains` | `example.com, example.org` |
            | `letterbox:smtp:max_message_size` | `50M` |
            | `letterbox:tls:mode` | `self-signed` |

            ## Secrets

            No key holds a password or key inline, because user-data, tags and config files are readable
            by more people and programs than a secret should be. Secrets are given as a path to a file
            readable only by root (keys ending in `_file`) or as a hash (keys ending in `_hash`). Writing
            `relay.password = "..."` is an error that names `relay.password_file`. Secret keys are shown as
            `{EffectiveValue.Mask}` by `letterbox config show`.

            ## Value types

            | Type | Written as |
            |---|---|
            | size | `"25M"`, `"512K"`, `"1G"` (multiples of 1024) or an integer number of bytes |
            | duration | `"30s"`, `"5m"`, `"1h"`, `"1d"`, or a sum such as `"1h30m"` |
            | host name | a fully qualified name, `"mail.example.com"`; non-ASCII names in their `xn--` form |
            | IP address | `"192.0.2.1"` or `"2001:db8::1"` |
            | endpoint | `"host:port"` or `"[2001:db8::1]:port"` |
            | CIDR network | `"192.0.2.0/24"`, `"2001:db8::/32"`; a bare address is a single host |
            | file path | an absolute path |

            ## Keys

            """).Append('\n');
        foreach (var key in ConfigSchema.All)
        {
            AppendKey(md, key);
        }
        md.Append("## Complete example\n\n```toml\n").Append(SampleToml()).Append("```\n");
        return md.ToString();
    }

    /// <summary>
    /// A complete letterbox.toml: the required keys set to examples, every other key commented
    /// out at its default (or an example, for keys without one), each under its documentation.
    /// </summary>
    public static string SampleToml()
    {
        var toml = new StringBuilder();
        toml.Append(
            """
            # letterbox.toml: Letterbox configuration (TOML).
            # Every key is listed. Lines such as "# user = ..." show the default (or, for
            # keys without one, an example): remove the "#" and edit to change them.

            """);
        var section = "";
        foreach (var key in ConfigSchema.All)
        {
            if (key.Section != section)
            {
                section = key.Section;
                toml.Append('\n').Append('[').Append(section).Append("]\n");
            }
            toml.Append('\n');
            foreach (var line in Wrap(key.Doc, Width - 2))
            {
                toml.Append("# ").Append(line).Append('\n');
            }
            var value = TomlLiteral.FromFlat(key, key.Required ? key.Example : key.Default ?? key.Example);
            toml.Append(key.Required ? "" : "# ").Append(key.Leaf).Append(" = ").Append(value).Append('\n');
        }
        return toml.ToString();
    }

    private static void AppendKey(StringBuilder md, ConfigKey key)
    {
        md.Append("### `").Append(key.Name).Append("`\n\n").Append(key.Doc).Append("\n\n");
        md.Append("| | |\n|---|---|\n");
        md.Append("| Type | ").Append(TypeName(key)).Append(" |\n");
        var fallback = key.Default is { } d
            ? "`" + TomlLiteral.FromFlat(key, d) + "`"
            : key.Required ? "none: required" : "none: not set";
        md.Append("| Default | ").Append(fallback).Append(" |\n");
        md.Append("| Example | `").Append(key.Name).Append(" = ").Append(TomlLiteral.FromFlat(key, key.Example)).Append("` |\n");
        md.Append("| Tag | `").Append(FlatKeyReader.TagPrefix).Append(key.Name.Replace('.', ':')).Append("` = `")
            .Append(key.Example).Append("` |\n");
        if (key.Secret)
        {
            md.Append("| Secret | masked in `config show` |\n");
        }
        md.Append('\n');
    }

    private static string TypeName(ConfigKey key) => key.Type switch
    {
        ConfigType.String => "string",
        ConfigType.Bool => "boolean",
        ConfigType.Int => $"integer, {key.Min} to {key.Max}",
        ConfigType.Size => $"size, {SizeSyntax.Format(key.Min)} to {SizeSyntax.Format(key.Max)}",
        ConfigType.Duration => "duration",
        ConfigType.Hostname => "host name",
        ConfigType.IPAddress => "IP address",
        ConfigType.Endpoint => key.DefaultPort is { } p ? $"endpoint (port {p} when omitted)" : "endpoint",
        ConfigType.Cidr => "CIDR network",
        ConfigType.Enum => "one of " + string.Join(", ", key.Allowed.Select(a => $"`{a}`")),
        ConfigType.StringList when key.Allowed.Count > 0 => "list of " + string.Join(", ", key.Allowed.Select(a => $"`{a}`")),
        ConfigType.StringList => "list of strings",
        ConfigType.DomainList => key.MinItems > 0 ? "list of domain names, at least one" : "list of domain names",
        ConfigType.CidrList => "list of CIDR networks",
        ConfigType.AddressList => "list of IP addresses",
        ConfigType.EndpointList => key.DefaultPort is { } lp ? $"list of endpoints (port {lp} when omitted)" : "list of endpoints",
        ConfigType.FilePath => "file path",
        _ => key.Type.ToString(),
    };

    private static string Flat(ConfigLayer layer) =>
        string.Join(", ", layer.Entries.Select(e => $"{e.Key} = {e.Value.ToToml()}"));

    private static IEnumerable<string> Wrap(string text, int width)
    {
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                yield return line.ToString();
                line.Clear();
            }
            line.Append(line.Length > 0 ? " " : "").Append(word);
        }
        if (line.Length > 0)
        {
            yield return line.ToString();
        }
    }
}
