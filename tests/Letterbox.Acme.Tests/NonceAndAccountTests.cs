using Letterbox.Acme.Certificates;
using Letterbox.Acme.Challenges;
using Letterbox.Acme.Jws;
using Letterbox.Acme.Tests.Support;
using Letterbox.Tests.Pebble;

namespace Letterbox.Acme.Tests;

/// <summary>badNonce retries and external account binding, each against a pebble started for it.</summary>
public sealed class NonceAndAccountTests
{
    [Fact]
    public async Task Rejected_nonces_are_retried_and_the_issuance_still_succeeds()
    {
        // pebble rejects half of all valid nonces as badNonce (RFC 8555 §6.5 says clients retry).
        await using var pebble = await PebbleServer.StartAsync(nonceRejectPercent: 50);
        var data = Directory.CreateTempSubdirectory("lb-acme-").FullName;
        var store = new Http01Store(data);
        await using var tokens = new TokenServer(pebble.HttpPort, store);
        using var key = AccountKey.Generate();
        using var client = new AcmeClient(pebble.DirectoryUrl, key, pebble.Options() with { BadNonceRetries = 20 });

        await client.NewAccountAsync(null, true, null, default);
        var issued = await new AcmeIssuer(client, _ => new Http01Responder(store)).IssueAsync(["nonce.example.test"], CertificateKind.EcdsaP256, default);

        Assert.Contains("BEGIN CERTIFICATE", issued.ChainPem);
        Assert.True(client.BadNonceRetried > 0, "pebble rejected no nonce, so the retry was not exercised");
    }

    [Fact]
    public async Task Out_of_retries_a_badNonce_is_reported_as_such()
    {
        await using var pebble = await PebbleServer.StartAsync(nonceRejectPercent: 100);
        using var key = AccountKey.Generate();
        using var client = new AcmeClient(pebble.DirectoryUrl, key, pebble.Options() with { BadNonceRetries = 2 });

        var e = await Assert.ThrowsAsync<AcmeProblemException>(() => client.NewAccountAsync(null, true, null, default));

        Assert.True(e.IsBadNonce);
        Assert.Equal(2, client.BadNonceRetried);
        Assert.StartsWith("ACME error badNonce:", e.Message);
    }

    [Fact]
    public async Task A_CA_that_requires_external_account_binding_says_so_and_accepts_a_bound_account()
    {
        await using var pebble = await PebbleServer.StartAsync(requireEab: true);
        using var key = AccountKey.Generate();
        using var client = new AcmeClient(pebble.DirectoryUrl, key, pebble.Options());

        var missing = await Assert.ThrowsAsync<AcmeException>(() => client.NewAccountAsync(null, true, null, default));
        Assert.Contains("requires external account binding", missing.Message);

        var wrongKey = ExternalAccountKey.FromBase64Url(PebbleServer.EabKeyId, Base64Url.Encode(new byte[48]));
        var refused = await Assert.ThrowsAsync<AcmeProblemException>(() => client.NewAccountAsync(null, true, wrongKey, default));
        Assert.Equal("unauthorized", refused.ShortType);

        var account = await client.NewAccountAsync("postmaster@example.test", true, ExternalAccountKey.FromBase64Url(PebbleServer.EabKeyId, PebbleServer.EabMacKey), default);
        Assert.Equal("valid", account.Status);
        Assert.NotNull(client.AccountUrl);
    }
}
