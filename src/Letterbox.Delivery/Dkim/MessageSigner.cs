using System.Collections.Concurrent;
using System.Text;
using Letterbox.Store.Keys;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;

namespace Letterbox.Delivery.Dkim;

/// <summary>
/// Signs outgoing messages twice, rsa-sha256 and ed25519-sha256 (RFC 8463 §3: a signer SHOULD add an
/// RSA signature beside the Ed25519 one while verifiers catch up), with the domain's newest key of
/// each algorithm from <see cref="DkimKeyStore"/>. Thread-safe; signers are cached per domain for the
/// life of the process, so a rotated key is used after the SMTP daemon restarts.
/// </summary>
public sealed class MessageSigner(DkimKeyStore keys)
{
    /// <summary>
    /// The header fields signed when present, as a careful operator chooses them (RFC 6376 §5.4.1):
    /// those that carry the message's meaning to the reader. Received, Return-Path and the like change
    /// in transit and are left out.
    /// </summary>
    public static readonly IReadOnlyList<string> SignedHeaders =
    [
        "From", "To", "Cc", "Subject", "Date", "Message-ID", "Reply-To", "In-Reply-To", "References",
        "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
        "List-Id", "List-Help", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Subscribe", "List-Post",
        "List-Owner", "List-Archive",
    ];

    private readonly ConcurrentDictionary<string, IReadOnlyList<DkimSigner>> signers = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Signs <paramref name="message"/> (the complete message, headers and body, CRLF line ends) for
    /// <paramref name="domain"/>, creating the domain's keys at first use. Returns the DKIM-Signature
    /// header fields to prepend, folded, each ending in CRLF: rsa-sha256 first, then ed25519-sha256.
    /// The stream is read from its current position; a seekable stream is not copied into memory.
    /// </summary>
    public IReadOnlyList<string> Sign(string domain, Stream message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var parsed = message.CanSeek
            ? MimeMessage.Load(message, persistent: true)
            : MimeMessage.Load(message);
        // RFC 6376 §5.4.2: listing a field once more than it occurs ("oversigning") makes adding
        // another instance later break the signature; From is the one a forger would add.
        var headers = SignedHeaders.Where(h => parsed.Headers.Contains(h)).ToList();
        if (!headers.Contains("From"))
            throw new FormatException("a message without a From header cannot be signed (RFC 6376 §5.4)");
        headers.Add("From");

        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        var result = new List<string>(2);
        foreach (var signer in SignersFor(domain))
        {
            signer.Sign(format, parsed, headers);
            var field = parsed.Headers[0];
            if (field.Id != HeaderId.DkimSignature)
                throw new InvalidOperationException("MimeKit did not prepend the DKIM-Signature field");
            parsed.Headers.RemoveAt(0);
            result.Add(Render(field));
        }
        return result;
    }

    private IReadOnlyList<DkimSigner> SignersFor(string domain) =>
        signers.GetOrAdd(domain.Trim().TrimEnd('.').ToLowerInvariant(), d =>
        {
            var all = keys.EnsureKeys(d);
            var chosen = new List<DkimSigner>(2);
            foreach (var algorithm in new[] { DkimKeyStore.Rsa, DkimKeyStore.Ed25519 })
            {
                var key = all.FirstOrDefault(k => k.Algorithm == algorithm)
                    ?? throw new InvalidOperationException($"no {algorithm} DKIM key for {d}");
                string pem = File.ReadAllText(key.PrivateKeyPath);
                var parameter = ReadPrivateKey(pem);
                DkimSigner signer = algorithm == DkimKeyStore.Rsa
                    ? new RsaSha256Signer(parameter, pem, d, key.Selector)
                    : new DkimSigner(parameter, d, key.Selector, DkimSignatureAlgorithm.Ed25519Sha256);
                signer.HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
                signer.BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
                chosen.Add(signer);
            }
            return chosen;
        });

    private static AsymmetricKeyParameter ReadPrivateKey(string pem)
    {
        var fields = System.Security.Cryptography.PemEncoding.Find(pem);
        return PrivateKeyFactory.CreateKey(Convert.FromBase64String(pem[fields.Base64Data]));
    }

    /// <summary>The field as it goes on the wire: "DKIM-Signature:" and MimeKit's folded value, CRLF line ends.</summary>
    private static string Render(Header field)
    {
        string value = Encoding.ASCII.GetString(field.RawValue).Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);
        if (!value.EndsWith("\r\n", StringComparison.Ordinal))
            value += "\r\n";
        return field.Field + ":" + value;
    }
}
