using System.Security.Cryptography;
using Letterbox.Protocol.Dns;

namespace Letterbox.Dns.Tsig;

/// <summary>A TSIG MAC algorithm (RFC 8945 §6): its name on the wire and its HMAC.</summary>
public sealed class TsigAlgorithm
{
    /// <summary>RFC 8945 §6: the one every implementation must have.</summary>
    public static readonly TsigAlgorithm HmacSha256 = new("hmac-sha256", HashAlgorithmName.SHA256, 32);

    public static readonly TsigAlgorithm HmacSha512 = new("hmac-sha512", HashAlgorithmName.SHA512, 64);

    private static readonly TsigAlgorithm[] All = [HmacSha256, HmacSha512];

    private TsigAlgorithm(string id, HashAlgorithmName hash, int macLength)
    {
        Id = id;
        Name = DnsName.Parse(id + ".");
        Hash = hash;
        MacLength = macLength;
    }

    /// <summary>As written in config and key files, and in dig's -y.</summary>
    public string Id { get; }

    public DnsName Name { get; }

    public HashAlgorithmName Hash { get; }

    /// <summary>Octets of an untruncated MAC.</summary>
    public int MacLength { get; }

    public static TsigAlgorithm? Find(DnsName name) => All.FirstOrDefault(a => a.Name.Equals(name));

    public static TsigAlgorithm? Find(string id) => All.FirstOrDefault(a => string.Equals(a.Id, id.TrimEnd('.'), StringComparison.OrdinalIgnoreCase));

    public override string ToString() => Id;
}

/// <summary>A shared secret and the name both ends know it by (RFC 8945 §3).</summary>
public sealed class TsigKey(DnsName name, TsigAlgorithm algorithm, byte[] secret)
{
    public DnsName Name { get; } = name;
    public TsigAlgorithm Algorithm { get; } = algorithm;
    public byte[] Secret { get; } = secret;

    /// <summary>The key as dig and kdig take it: -y ALGORITHM:NAME:BASE64.</summary>
    public string DigArgument => $"{Algorithm.Id}:{Name.ToString().TrimEnd('.')}:{Convert.ToBase64String(Secret)}";

    /// <summary>A fresh random secret as long as the hash's output (RFC 8945 §6: at least that long is recommended).</summary>
    public static TsigKey Generate(DnsName name, TsigAlgorithm algorithm) => new(name, algorithm, RandomNumberGenerator.GetBytes(algorithm.MacLength));
}
