namespace Letterbox.Config;

/// <summary>Whether EC2 instance metadata was found.</summary>
public enum Ec2MetadataStatus
{
    /// <summary>No metadata service (not on EC2, or IMDS turned off): not an error.</summary>
    Absent,
    /// <summary>The service answered; the fields hold what it had.</summary>
    Available,
    /// <summary>Something answered but not as IMDSv2 does; <see cref="Ec2Metadata.Detail"/> says what.</summary>
    Failed,
}

/// <summary>What the EC2 instance metadata service (IMDSv2) told us.</summary>
public sealed record Ec2Metadata
{
    /// <summary>Absent, available or failed.</summary>
    public required Ec2MetadataStatus Status { get; init; }

    /// <summary>Why metadata is absent, or what went wrong; null when available.</summary>
    public string? Detail { get; init; }

    /// <summary>User-data bytes as stored; null when the instance has none.</summary>
    public byte[]? UserData { get; init; }

    /// <summary>False when the instance does not expose tags in metadata (a launch option).</summary>
    public bool TagsEnabled { get; init; }

    /// <summary>Instance tags whose keys start with <c>letterbox:</c>, in the order listed.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Tags { get; init; } = [];

    /// <summary>meta-data/public-ipv4, if any.</summary>
    public string? PublicIpv4 { get; init; }

    /// <summary>meta-data/ipv6, if any.</summary>
    public string? Ipv6 { get; init; }

    /// <summary>meta-data/public-hostname, if any.</summary>
    public string? PublicHostname { get; init; }

    /// <summary>No metadata service, for the given reason.</summary>
    public static Ec2Metadata Absent(string why) => new() { Status = Ec2MetadataStatus.Absent, Detail = why };

    /// <summary>A metadata service that misbehaved.</summary>
    public static Ec2Metadata Failed(string what) => new() { Status = Ec2MetadataStatus.Failed, Detail = what };
}
