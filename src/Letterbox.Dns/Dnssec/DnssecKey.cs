using System.Security.Cryptography;
using Letterbox.Protocol.Dns;
using Letterbox.Store;

namespace Letterbox.Dns.Dnssec;

/// <summary>
/// A zone's signing key: ECDSA P-256 with SHA-256, DNSSEC algorithm 13 (RFC 6605). One key per
/// zone does both jobs (a "combined signing key", flags 257: zone key and secure entry point),
/// so the DS at the registrar and the key that signs every RRset are the same one.
/// </summary>
public sealed class DnssecKey
{
    /// <summary>ECDSAP256SHA256 (RFC 6605 §2).</summary>
    public const byte Algorithm = 13;

    /// <summary>RFC 4034 §2.1.2: the protocol field is always 3.</summary>
    public const byte Protocol = 3;

    private readonly ECDsa _ecdsa;

    private DnssecKey(DnsName apex, ECDsa ecdsa)
    {
        Apex = apex;
        _ecdsa = ecdsa;
        var q = ecdsa.ExportParameters(includePrivateParameters: false).Q;
        // RFC 6605 §4: the public key is Q as X then Y, 32 octets each, without the SEC1 0x04 prefix.
        Dnskey = new DnskeyRData(DnskeyRData.ZoneKeyFlag | DnskeyRData.SepFlag, Protocol, Algorithm, [.. q.X!, .. q.Y!]);
        KeyTag = Dnskey.KeyTag();
        Ds = DsRData.Of(apex, Dnskey);
    }

    public DnsName Apex { get; }

    public DnskeyRData Dnskey { get; }

    public ushort KeyTag { get; }

    /// <summary>The DS record (SHA-256 digest) to publish at the parent, i.e. the registrar.</summary>
    public DsRData Ds { get; }

    /// <summary>RFC 6605 §4: the signature is r then s, 32 octets each: .NET's IEEE P1363 format, its default.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data) =>
        _ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public static DnssecKey Create(DnsName apex) => new(apex, ECDsa.Create(ECCurve.NamedCurves.nistP256));

    public static DnssecKey FromPem(DnsName apex, string pem)
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(pem);
        if (ecdsa.ExportParameters(includePrivateParameters: false).Curve.Oid?.Value != "1.2.840.10045.3.1.7")
            throw new CryptographicException($"the key of {apex} is not a P-256 key");
        return new DnssecKey(apex, ecdsa);
    }

    public string ToPem() => _ecdsa.ExportPkcs8PrivateKeyPem();
}

/// <summary>
/// Zone keys under <c>&lt;data&gt;/dns/keys/&lt;zone&gt;.key</c>: a PKCS#8 PEM file, mode 0600, made the
/// first time a zone is signed (or its DS asked for) and never replaced by us: a new key would need
/// a new DS at the registrar, and until then the zone would not validate.
/// </summary>
public sealed class DnssecKeyStore(string dataDirectory)
{
    private static readonly Lock CreateGate = new();

    public string Directory => Path.Combine(dataDirectory, "dns", "keys");

    public string PathOf(DnsName apex)
    {
        string name = apex.Key.TrimEnd('.');
        // The zone is a path component: nothing that could climb out of keys/.
        if (name.Length == 0 || name.StartsWith('.') || !name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '.' or '_'))
            throw new ArgumentException($"no key file for a zone named {apex}", nameof(apex));
        return Path.Combine(Directory, name + ".key");
    }

    /// <summary>The zone's key, or null when none was made yet.</summary>
    public DnssecKey? Load(DnsName apex)
    {
        string path = PathOf(apex);
        return File.Exists(path) ? DnssecKey.FromPem(apex, File.ReadAllText(path)) : null;
    }

    /// <summary>The zone's key, made and written durably (temp file, fsync, rename, fsync of the directory) when missing.</summary>
    public DnssecKey GetOrCreate(DnsName apex)
    {
        if (Load(apex) is { } existing)
            return existing;
        lock (CreateGate)
        {
            if (Load(apex) is { } raced)
                return raced;
            var key = DnssecKey.Create(apex);
            var dir = Directory;
            if (!System.IO.Directory.Exists(dir))
            {
                System.IO.Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                Durable.FsyncDirectory(Path.GetDirectoryName(dir)!);
            }
            string path = PathOf(apex), tmp = path + ".tmp";
            using (var file = new FileStream(tmp, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                file.Write(System.Text.Encoding.ASCII.GetBytes(key.ToPem() + "\n"));
                file.Flush(flushToDisk: true);
            }
            // No overwrite: a key another process just wrote wins, and we use that one.
            try
            {
                File.Move(tmp, path);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(tmp);
                return Load(apex)!;
            }
            Durable.FsyncDirectory(dir);
            return key;
        }
    }
}
