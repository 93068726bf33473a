using System.Collections.Concurrent;
using System.Security.Cryptography;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Letterbox.Delivery.Dkim;

/// <summary>
/// MimeKit's DKIM signer with the rsa-sha256 arithmetic done by the platform's RSA (OpenSSL on Linux)
/// instead of BouncyCastle's managed BigInteger code, which cost about 5 ms of CPU per signature
/// and was most of the SMTP daemon's time under load (`perf` on bench/outbound.sh). MimeKit still
/// canonicalizes and builds the DKIM-Signature field; only the final RSASSA-PKCS1-v1_5 operation
/// (RFC 6376 §3.3.1) over SHA-256 moves.
/// </summary>
internal sealed class RsaSha256Signer : DkimSigner
{
    private readonly RsaPool pool;

    public RsaSha256Signer(AsymmetricKeyParameter key, string pem, string domain, string selector)
        : base(key, domain, selector, DkimSignatureAlgorithm.RsaSha256)
    {
        pool = new RsaPool(pem);
    }

    /// <inheritdoc />
    protected override ISigner CreateSigningContext() => new Context(pool);

    /// <summary>
    /// RSA objects are not documented as safe for concurrent use, and sessions sign in parallel: each
    /// signature borrows one (importing the key again costs more than keeping a few).
    /// </summary>
    private sealed class RsaPool(string pem)
    {
        private readonly ConcurrentBag<RSA> free = [];

        public RSA Take()
        {
            if (free.TryTake(out var rsa))
                return rsa;
            rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return rsa;
        }

        public void Return(RSA rsa) => free.Add(rsa);
    }

    /// <summary>BouncyCastle's signer interface (what MimeKit feeds the canonicalized data to), over SHA-256 and the pooled RSA.</summary>
    private sealed class Context(RsaPool pool) : ISigner
    {
        private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public string AlgorithmName => "SHA-256withRSA";

        public void Init(bool forSigning, ICipherParameters parameters)
        {
            if (!forSigning)
                throw new NotSupportedException("this context only signs");
        }

        public void Update(byte input) => hash.AppendData([input]);

        public void BlockUpdate(byte[] input, int inOff, int inLen) => hash.AppendData(input, inOff, inLen);

        public void BlockUpdate(ReadOnlySpan<byte> input) => hash.AppendData(input);

        public int GetMaxSignatureSize() => 512;

        public byte[] GenerateSignature()
        {
            byte[] digest = hash.GetHashAndReset();
            var rsa = pool.Take();
            try
            {
                return rsa.SignHash(digest, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            }
            finally
            {
                pool.Return(rsa);
            }
        }

        public bool VerifySignature(byte[] signature) => throw new NotSupportedException("this context only signs");

        public void Reset() => hash.GetHashAndReset();
    }
}
