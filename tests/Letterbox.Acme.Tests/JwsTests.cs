using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Letterbox.Acme.Challenges;
using Letterbox.Acme.Jws;

namespace Letterbox.Acme.Tests;

/// <summary>The pieces a CA checks byte for byte: base64url, JWS headers and signatures, thumbprints.</summary>
public sealed class JwsTests
{
    [Theory]
    [InlineData(new byte[] { }, "")]
    [InlineData(new byte[] { 0xfb }, "-w")]
    [InlineData(new byte[] { 0xff, 0xff }, "__8")]
    [InlineData(new byte[] { 1, 2, 3 }, "AQID")]
    public void Base64url_has_no_padding_and_the_url_alphabet(byte[] bytes, string text)
    {
        Assert.Equal(text, Base64Url.Encode(bytes));
        Assert.Equal(bytes, Base64Url.Decode(text));
    }

    [Theory]
    [InlineData("a+b")]
    [InlineData("A")]
    [InlineData("!!!!")]
    public void Base64url_refuses_what_is_not(string text) => Assert.Throws<FormatException>(() => Base64Url.Decode(text));

    [Fact]
    public void The_thumbprint_is_sha256_of_the_canonical_jwk()
    {
        using var key = AccountKey.Generate();
        using var doc = JsonDocument.Parse(key.Jwk);
        // RFC 7638 §3.2: exactly crv, kty, x, y, in that order.
        Assert.Equal(["crv", "kty", "x", "y"], doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(32, Base64Url.Decode(doc.RootElement.GetProperty("x").GetString()!).Length);
        Assert.Equal(Base64Url.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(key.Jwk))), key.Thumbprint);
        Assert.Equal("tok." + key.Thumbprint, key.KeyAuthorization("tok"));
    }

    [Fact]
    public void A_signed_request_carries_jwk_or_kid_and_verifies_with_the_public_key()
    {
        using var key = AccountKey.Generate();
        var url = new Uri("https://ca.test/acme/new-order");
        foreach (var kid in new[] { null, "https://ca.test/acme/acct/1" })
        {
            var jws = JsonDocument.Parse(JwsWriter.Sign(key, url, "n0nce", kid, "{\"a\":1}"u8.ToArray())).RootElement;
            var header = JsonDocument.Parse(Base64Url.Decode(jws.GetProperty("protected").GetString()!)).RootElement;
            Assert.Equal("ES256", header.GetProperty("alg").GetString());
            Assert.Equal("n0nce", header.GetProperty("nonce").GetString());
            Assert.Equal(url.AbsoluteUri, header.GetProperty("url").GetString());
            Assert.Equal(kid is null, header.TryGetProperty("jwk", out _));
            Assert.Equal(kid is not null, header.TryGetProperty("kid", out _)); // RFC 8555 §6.2: never both

            var jwk = header.TryGetProperty("jwk", out var j) ? j : JsonDocument.Parse(key.Jwk).RootElement;
            using var verifier = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = Base64Url.Decode(jwk.GetProperty("x").GetString()!), Y = Base64Url.Decode(jwk.GetProperty("y").GetString()!) },
            });
            var input = Encoding.ASCII.GetBytes(jws.GetProperty("protected").GetString() + "." + jws.GetProperty("payload").GetString());
            var signature = Base64Url.Decode(jws.GetProperty("signature").GetString()!);
            Assert.Equal(64, signature.Length);
            Assert.True(verifier.VerifyData(input, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        }
    }

    [Fact]
    public void Post_as_get_has_an_empty_payload()
    {
        using var key = AccountKey.Generate();
        var jws = JsonDocument.Parse(JwsWriter.Sign(key, new Uri("https://ca.test/x"), "n", "https://ca.test/acct/1", null)).RootElement;
        Assert.Equal("", jws.GetProperty("payload").GetString());
    }

    [Fact]
    public void The_external_account_binding_is_an_hs256_mac_over_the_account_jwk()
    {
        using var key = AccountKey.Generate();
        var mac = RandomNumberGenerator.GetBytes(32);
        var eab = JsonDocument.Parse(JwsWriter.ExternalAccountBinding(key, "kid-7", mac, new Uri("https://ca.test/new-acct"))).RootElement;
        var header = JsonDocument.Parse(Base64Url.Decode(eab.GetProperty("protected").GetString()!)).RootElement;
        Assert.Equal("HS256", header.GetProperty("alg").GetString());
        Assert.Equal("kid-7", header.GetProperty("kid").GetString());
        Assert.False(header.TryGetProperty("nonce", out _)); // RFC 8555 §7.3.4: no nonce in the inner JWS
        Assert.Equal(key.Jwk, Encoding.UTF8.GetString(Base64Url.Decode(eab.GetProperty("payload").GetString()!)));
        var input = Encoding.ASCII.GetBytes(eab.GetProperty("protected").GetString() + "." + eab.GetProperty("payload").GetString());
        Assert.Equal(HMACSHA256.HashData(mac, input), Base64Url.Decode(eab.GetProperty("signature").GetString()!));
    }

    [Fact]
    public void The_dns01_value_is_the_digest_of_the_key_authorization()
    {
        using var key = AccountKey.Generate();
        var expected = Base64Url.Encode(SHA256.HashData(Encoding.ASCII.GetBytes("abc." + key.Thumbprint)));
        Assert.Equal(expected, key.Dns01TxtValue("abc"));
        Assert.Equal(43, expected.Length);
    }

    [Fact]
    public void A_world_readable_account_key_is_tightened_to_0600()
    {
        var dir = Directory.CreateTempSubdirectory("lb-acme-key-").FullName;
        var path = Path.Combine(dir, "account.key");
        using (var key = AccountKey.Generate())
            File.WriteAllText(path, key.ExportPem());
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        using var loaded = AccountKey.LoadOrCreate(path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void An_account_key_that_is_not_a_key_is_reported()
    {
        var dir = Directory.CreateTempSubdirectory("lb-acme-key-").FullName;
        var path = Path.Combine(dir, "account.key");
        File.WriteAllText(path, "hello");
        var e = Assert.Throws<AcmeException>(() => AccountKey.LoadOrCreate(path));
        Assert.Contains("is not a PEM EC private key", e.Message);
    }
}

/// <summary>The http-01 token files shared with the HTTP daemon, and the renewal arithmetic.</summary>
public sealed class ChallengeFileTests
{
    private readonly string _data = Directory.CreateTempSubdirectory("lb-acme-files-").FullName;

    [Theory]
    [InlineData("../../../../etc/passwd")]
    [InlineData("short")]
    [InlineData("abc%2F..%2F..%2Fetc%2Fpasswdxxxxxxx")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Http01_tokens_outside_base64url_or_of_odd_length_are_never_file_names(string token)
    {
        var store = new Http01Store(_data);
        Assert.Null(store.TryRead(token));
        Assert.Throws<AcmeException>(() => store.Publish(token, "x"));
    }

    [Fact]
    public void Http01_tokens_are_published_and_withdrawn()
    {
        var store = new Http01Store(_data);
        store.Publish("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA", "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.thumb");
        Assert.Equal("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.thumb", store.TryRead("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"));
        store.Withdraw("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA");
        Assert.Null(store.TryRead("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(9, 256)]
    [InlineData(10, 360)]
    [InlineData(1000, 360)]
    public void Backoff_doubles_from_one_minute_up_to_six_hours(int failures, int minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), RenewalPolicy.RetryAfterFailures(failures));

    [Fact]
    public void Renewal_is_due_two_thirds_into_the_lifetime()
    {
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        Assert.Equal(start.AddDays(60), RenewalPolicy.RenewAt(start, start.AddDays(90)));
    }
}
