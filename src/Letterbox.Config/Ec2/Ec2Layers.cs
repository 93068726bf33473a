using System.Text;

namespace Letterbox.Config;

/// <summary>Turns what IMDS said into configuration layers.</summary>
public static class Ec2Layers
{
    /// <summary>Layer name for the instance's addresses and host name.</summary>
    public const string MetadataSource = "ec2 metadata";

    /// <summary>Layer name for user-data.</summary>
    public const string UserDataSource = "ec2 user-data";

    /// <summary>
    /// The low-precedence layer of facts about the instance: public-ipv4, ipv6 and public-hostname
    /// become network.public_ipv4, network.public_ipv6 and hostname, each only when present.
    /// </summary>
    public static ConfigLayer Metadata(Ec2Metadata metadata)
    {
        var entries = new List<ConfigEntry>();
        void Add(string key, string? value, string path)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                entries.Add(new ConfigEntry(key, RawValue.Flat(value), new ConfigOrigin($"{MetadataSource} {path}")));
            }
        }
        Add(ConfigSchema.Network.PublicIpv4.Name, metadata.PublicIpv4, "public-ipv4");
        Add(ConfigSchema.Network.PublicIpv6.Name, metadata.Ipv6, "ipv6");
        Add(ConfigSchema.Host.Hostname.Name, metadata.PublicHostname, "public-hostname");
        return new ConfigLayer(MetadataSource, entries);
    }

    /// <summary>User-data as a TOML layer, or null when the instance has none.</summary>
    public static ConfigLayer? UserData(Ec2Metadata metadata)
    {
        if (metadata.UserData is not { } bytes)
        {
            return null;
        }
        if (DocumentSniffer.DescribeBinary(bytes) is { } binary)
        {
            return ConfigLayer.Failed(UserDataSource, ConfigDiagnostic.Error(null, UserDataSource,
                $"user-data is not a Letterbox config document ({binary})"));
        }
        return TomlDocumentReader.Read(Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF'), UserDataSource, "user-data");
    }

    /// <summary>The <c>letterbox:</c> tags as a flat-key layer.</summary>
    public static ConfigLayer Tags(Ec2Metadata metadata) => FlatKeyReader.ReadTags(metadata.Tags);
}
