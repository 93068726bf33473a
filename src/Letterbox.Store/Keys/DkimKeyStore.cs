using System.Globalization;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace Letterbox.Store.Keys;

/// <summary>One DKIM signing key of a domain and the TXT record that publishes its public half.</summary>
/// <param name="Domain">The signing domain (d=), lower case.</param>
/// <param name="Selector">The selector (s=): the record lives at <c>Selector._domainkey.Domain</c>.</param>
/// <param name="Algorithm"><c>rsa-sha256</c> or <c>ed25519-sha256</c> (RFC 8463).</param>
/// <param name="PrivateKeyPath">The PKCS#8 PEM file holding the private key (mode 0600).</param>
/// <param name="TxtRecord">The record's text, unsplit: <c>v=DKIM1; k=rsa; p=...</c>.</param>
public sealed record DkimKey(string Domain, string Selector, string Algorithm, string PrivateKeyPath, string TxtRecord)
{
    /// <summary>The owner name of the TXT record.</summary>
    public string RecordName => $"{Selector}._domainkey.{Domain}";
}

/// <summary>
/// DKIM keys under <c>&lt;data&gt;/dkim/&lt;domain&gt;/</c>: one PEM file per key, named
/// <c>&lt;selector&gt;.rsa.key</c> or <c>&lt;selector&gt;.ed25519.key</c>. Selectors carry the creation date
/// (<c>lb20261125r</c>, <c>lb20261125e</c>) so that a new key can be published beside the old one
/// during a rotation; the newest of each algorithm signs.
/// </summary>
public sealed class DkimKeyStore(string dataDirectory)
{
    /// <summary>The algorithm names used in <see cref="DkimKey.Algorithm"/> (the a= tag values).</summary>
    public const string Rsa = "rsa-sha256";

    /// <inheritdoc cref="Rsa"/>
    public const string Ed25519 = "ed25519-sha256";

    // RFC 8301 §3.2: at least 1024 bits, 2048 recommended; 2048 still fits one TXT record split in 255-byte strings.
    private const int RsaBits = 2048;

    private static readonly object CreateGate = new();

    /// <summary>Where one domain's keys live.</summary>
    public string DomainDirectory(string domain) =>
        Path.Combine(dataDirectory, "dkim", Normalize(domain));

    /// <summary>The domain's existing keys, newest first within each algorithm (RSA first); never creates any.</summary>
    public IReadOnlyList<DkimKey> Load(string domain)
    {
        string d = Normalize(domain);
        string dir = DomainDirectory(d);
        if (!Directory.Exists(dir))
            return [];
        var keys = new List<DkimKey>();
        foreach (var path in Directory.EnumerateFiles(dir, "*.key"))
        {
            string name = Path.GetFileName(path);
            string? algorithm = name.EndsWith(".rsa.key", StringComparison.Ordinal) ? Rsa
                : name.EndsWith(".ed25519.key", StringComparison.Ordinal) ? Ed25519 : null;
            if (algorithm is null)
                continue;
            string selector = name[..name.IndexOf('.', StringComparison.Ordinal)];
            keys.Add(new DkimKey(d, selector, algorithm, path, TxtRecordOf(algorithm, File.ReadAllText(path))));
        }
        return keys
            .OrderBy(k => k.Algorithm == Rsa ? 0 : 1)
            .ThenByDescending(k => k.Selector, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// The domain's keys, creating an RSA-2048 and an Ed25519 key the first time (files 0600, written
    /// to a temp name and renamed, so a reader never sees half a key). Safe to call from several
    /// threads; two processes racing may each create a pair, which only adds a selector.
    /// </summary>
    public IReadOnlyList<DkimKey> EnsureKeys(string domain)
    {
        string d = Normalize(domain);
        var keys = Load(d);
        if (keys.Any(k => k.Algorithm == Rsa) && keys.Any(k => k.Algorithm == Ed25519))
            return keys;
        lock (CreateGate)
        {
            keys = Load(d);
            string dir = DomainDirectory(d);
            DurableDirectory.Ensure(dir);
            string date = DateTime.UtcNow.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            if (!keys.Any(k => k.Algorithm == Rsa))
            {
                using var rsa = RSA.Create(RsaBits);
                WriteKey(Path.Combine(dir, $"lb{date}r.rsa.key"), rsa.ExportPkcs8PrivateKeyPem());
            }
            if (!keys.Any(k => k.Algorithm == Ed25519))
            {
                var key = new Ed25519PrivateKeyParameters(new SecureRandom());
                var der = PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded();
                WriteKey(Path.Combine(dir, $"lb{date}e.ed25519.key"), PemEncoding.WriteString("PRIVATE KEY", der));
            }
            return Load(d);
        }
    }

    /// <summary>
    /// The TXT record of a private key: RSA publishes its SubjectPublicKeyInfo (RFC 6376 §3.6.1),
    /// Ed25519 the bare 32-byte public key (RFC 8463 §4).
    /// </summary>
    private static string TxtRecordOf(string algorithm, string pem)
    {
        if (algorithm == Rsa)
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
        }
        var field = PemEncoding.Find(pem);
        var der = Convert.FromBase64String(pem[field.Base64Data]);
        var key = (Ed25519PrivateKeyParameters)PrivateKeyFactory.CreateKey(der);
        return "v=DKIM1; k=ed25519; p=" + Convert.ToBase64String(key.GeneratePublicKey().GetEncoded());
    }

    private static void WriteKey(string path, string pem)
    {
        string tmp = path + ".tmp";
        using (var file = new FileStream(tmp, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(pem + "\n"));
            file.Flush(flushToDisk: true);
        }
        File.Move(tmp, path);
        Posix.FsyncDirectory(Path.GetDirectoryName(path)!);
    }

    // The domain is a path component: refuse anything that could climb out of dkim/.
    private static string Normalize(string domain)
    {
        string d = domain.Trim().TrimEnd('.').ToLowerInvariant();
        if (d.Length is 0 or > 253 || d.StartsWith('.') || d.Contains("..", StringComparison.Ordinal)
            || !d.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '.'))
            throw new ArgumentException($"not a domain name: {domain}", nameof(domain));
        return d;
    }
}
