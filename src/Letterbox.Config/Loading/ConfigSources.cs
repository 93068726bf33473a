namespace Letterbox.Config;

/// <summary>
/// Which sources to read. Precedence, lowest first: built-in defaults, EC2 metadata facts
/// (public addresses, public host name), <see cref="ExtraLayers"/>, <see cref="EtcFile"/>, the
/// first existing of <see cref="VagrantFiles"/>, EC2 user-data, EC2 <c>letterbox:</c> tags,
/// <see cref="ExplicitFile"/>.
/// </summary>
public sealed record ConfigSources
{
    /// <summary>The appliance's own config file.</summary>
    public const string DefaultEtcFile = "/etc/letterbox/letterbox.toml";

    /// <summary>The file Vagrant shares into the guest.</summary>
    public const string VagrantSharedFile = "/vagrant/letterbox.toml";

    /// <summary>The file on the disk labelled LBCONFIG, which the appliance mounts here (VirtualBox).</summary>
    public const string ConfigDiskFile = "/run/letterbox/config-disk/letterbox.toml";

    /// <summary>/etc/letterbox/letterbox.toml, or null to skip. A missing file is skipped silently.</summary>
    public string? EtcFile { get; init; }

    /// <summary>Candidate Vagrant/VirtualBox files; the first that exists is read, the rest are not.</summary>
    public IReadOnlyList<string> VagrantFiles { get; init; } = [];

    /// <summary>IMDS base URI, or null to skip EC2 entirely.</summary>
    public Uri? ImdsEndpoint { get; init; }

    /// <summary>How long IMDS may take to answer before it is taken to be absent.</summary>
    public TimeSpan ImdsTimeout { get; init; } = ImdsClient.DefaultTimeout;

    /// <summary>The --config FILE, highest precedence; unlike the others it must exist.</summary>
    public string? ExplicitFile { get; init; }

    /// <summary>Layers placed just above the defaults and EC2 metadata facts, lowest first (dev mode's settings).</summary>
    public IReadOnlyList<ConfigLayer> ExtraLayers { get; init; } = [];

    /// <summary>The real appliance: /etc, Vagrant/VirtualBox, EC2, and an optional --config FILE.</summary>
    public static ConfigSources Appliance(string? explicitFile = null) => new()
    {
        EtcFile = DefaultEtcFile,
        VagrantFiles = [VagrantSharedFile, ConfigDiskFile],
        ImdsEndpoint = ImdsClient.DefaultEndpoint,
        ExplicitFile = explicitFile,
    };

    /// <summary>Development mode: the built-in <see cref="DevLayer"/> and an optional --config FILE, nothing else.</summary>
    public static ConfigSources Dev(string? explicitFile = null) => new()
    {
        ExtraLayers = [DevLayer],
        ExplicitFile = explicitFile,
    };

    /// <summary>The source name of <see cref="DevLayer"/>'s values.</summary>
    public const string DevSource = "dev mode";

    /// <summary>
    /// What development mode sets: a test domain, loopback only, ports offset by 10000 so that
    /// nothing needs root, and a self-signed certificate.
    /// </summary>
    public static ConfigLayer DevLayer { get; } = TomlDocumentReader.Read(
        """
        hostname = "mail.example.test"
        domains = ["example.test"]

        [network]
        listen = ["127.0.0.1"]
        port_offset = 10000

        [tls]
        mode = "self-signed"
        """,
        DevSource);
}
