namespace Letterbox.Config;

/// <summary>The value types a configuration key can have.</summary>
public enum ConfigType
{
    /// <summary>Free text.</summary>
    String,
    /// <summary>true or false.</summary>
    Bool,
    /// <summary>A whole number within the key's range.</summary>
    Int,
    /// <summary>A byte count: "25M", "512K", "1G" or a plain number of bytes.</summary>
    Size,
    /// <summary>A span of time: "30s", "5m", "1h", "1d" or a sum such as "1h30m".</summary>
    Duration,
    /// <summary>A fully qualified host name.</summary>
    Hostname,
    /// <summary>An IPv4 or IPv6 address.</summary>
    IPAddress,
    /// <summary>"host:port" or "[v6]:port".</summary>
    Endpoint,
    /// <summary>A network in CIDR notation.</summary>
    Cidr,
    /// <summary>One of a fixed set of words.</summary>
    Enum,
    /// <summary>A list of words, optionally from a fixed set.</summary>
    StringList,
    /// <summary>A list of mail domain names.</summary>
    DomainList,
    /// <summary>A list of CIDR networks.</summary>
    CidrList,
    /// <summary>A list of IP addresses.</summary>
    AddressList,
    /// <summary>A list of endpoints.</summary>
    EndpointList,
    /// <summary>An absolute file path.</summary>
    FilePath,
}
