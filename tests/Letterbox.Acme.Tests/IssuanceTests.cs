using System.Security.Cryptography.X509Certificates;
using Letterbox.Acme.Certificates;
using Letterbox.Acme.Challenges;
using Letterbox.Acme.Jws;
using Letterbox.Acme.Tests.Support;
using Letterbox.Tests.Pebble;

namespace Letterbox.Acme.Tests;

/// <summary>Account, orders and both challenge types against a real pebble.</summary>
public sealed class IssuanceTests : IAsyncLifetime
{
    private PebbleServer _pebble = null!;
    private readonly string _data = Directory.CreateTempSubdirectory("lb-acme-").FullName;

    public async Task InitializeAsync() => _pebble = await PebbleServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _pebble.DisposeAsync();
        Directory.Delete(_data, true);
    }

    private AcmeClient Client(AccountKey key) => new(_pebble.DirectoryUrl, key, _pebble.Options());

    [Fact]
    public async Task A_new_key_makes_an_account_and_the_same_key_finds_it_again()
    {
        var keyPath = Path.Combine(_data, "acme", "account.key");
        using var key = AccountKey.LoadOrCreate(keyPath);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));

        using var first = Client(key);
        var account = await first.NewAccountAsync("postmaster@example.test", agreeToTerms: true, null, default);
        Assert.Equal("valid", account.Status);
        Assert.Contains("mailto:postmaster@example.test", account.Contact ?? []);

        using var reloaded = AccountKey.LoadOrCreate(keyPath);
        Assert.Equal(key.Thumbprint, reloaded.Thumbprint);
        using var second = Client(reloaded);
        await second.NewAccountAsync("postmaster@example.test", agreeToTerms: true, null, default);
        Assert.Equal(first.AccountUrl, second.AccountUrl);
    }

    [Fact]
    public async Task An_http01_order_yields_an_ecdsa_chain_that_verifies_against_pebbles_root()
    {
        var store = new Http01Store(_data);
        await using var tokens = new TokenServer(_pebble.HttpPort, store);
        using var key = AccountKey.Generate();
        using var client = Client(key);
        await client.NewAccountAsync(null, true, null, default);

        string[] names = ["mail.example.test", "mta-sts.example.test", "autoconfig.example.test"];
        var issued = await new AcmeIssuer(client, _ => new Http01Responder(store)).IssueAsync(names, CertificateKind.EcdsaP256, default);

        Assert.True(tokens.Served >= names.Length, $"pebble fetched {tokens.Served} tokens");
        var root = await _pebble.RootPemAsync();
        foreach (var name in names)
            Assert.Empty(Chains.Verify(issued.ChainPem, root, name));
        using var leaf = X509Certificate2.CreateFromPem(issued.ChainPem, issued.KeyPem);
        Assert.Equal("1.2.840.10045.2.1", leaf.PublicKey.Oid.Value); // id-ecPublicKey
        Assert.Empty(Directory.EnumerateFiles(store.Directory)); // tokens withdrawn afterwards
    }

    [Fact]
    public async Task A_dns01_order_publishes_the_txt_record_and_yields_an_rsa_certificate()
    {
        var published = new List<string>();
        var dns = new RecordingPublisher(_pebble.ChallTestSrvPublisher(), published);
        using var key = AccountKey.Generate();
        using var client = Client(key);
        await client.NewAccountAsync(null, true, null, default);

        var issued = await new AcmeIssuer(client, _ => new Dns01Responder(dns)).IssueAsync(["mail.dns01.test"], CertificateKind.Rsa2048, default);

        Assert.Equal(["_acme-challenge.mail.dns01.test"], published);
        Assert.Empty(Chains.Verify(issued.ChainPem, await _pebble.RootPemAsync(), "mail.dns01.test"));
        using var leaf = X509Certificate2.CreateFromPem(issued.ChainPem, issued.KeyPem);
        Assert.Equal(2048, leaf.GetRSAPublicKey()!.KeySize);
    }

    [Fact]
    public async Task A_wrong_txt_value_fails_the_challenge_with_a_message_that_names_the_name_and_the_reason()
    {
        using var key = AccountKey.Generate();
        using var client = Client(key);
        await client.NewAccountAsync(null, true, null, default);
        var wrong = new WrongValuePublisher(_pebble.ChallTestSrvPublisher());

        var e = await Assert.ThrowsAsync<AcmeChallengeException>(() =>
            new AcmeIssuer(client, _ => new Dns01Responder(wrong)).IssueAsync(["wrong.example.test"], CertificateKind.EcdsaP256, default));

        Assert.Contains("dns-01 challenge for wrong.example.test failed", e.Message);
        Assert.Contains("unauthorized", e.Message); // pebble: "Correct value not found for DNS challenge"
    }

    [Fact]
    public async Task The_renewer_issues_both_kinds_then_waits_until_two_thirds_of_the_lifetime_then_renews()
    {
        var store = new Http01Store(_data);
        await using var tokens = new TokenServer(_pebble.HttpPort, store);
        using var key = AccountKey.Generate();
        using var client = Client(key);
        var certs = new CertificateStore(_data);
        var settings = new RenewalSettings(["mail.example.test"], null, null, [CertificateKind.EcdsaP256, CertificateKind.Rsa2048]);
        var renewer = new CertificateRenewer(client, certs, _data, _ => new Http01Responder(store), settings);

        var first = await renewer.RunOnceAsync(DateTime.UtcNow, force: false, default);
        Assert.Empty(first.Errors);
        Assert.Equal(2, first.Issued.Count);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(certs.KeyPath(CertificateKind.EcdsaP256)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(certs.KeyPath(CertificateKind.Rsa2048)));
        using var issued = certs.Load(CertificateKind.EcdsaP256)!;
        var renewAt = RenewalPolicy.RenewAt(issued.NotBefore.ToUniversalTime(), issued.NotAfter.ToUniversalTime());
        Assert.Equal(renewAt, first.NextWake);

        var early = await renewer.RunOnceAsync(renewAt.AddMinutes(-1), force: false, default);
        Assert.Empty(early.Issued);

        var due = await renewer.RunOnceAsync(renewAt.AddMinutes(1), force: false, default);
        Assert.Equal(2, due.Issued.Count);
        using var renewed = certs.Load(CertificateKind.EcdsaP256)!;
        Assert.NotEqual(issued.SerialNumber, renewed.SerialNumber);
    }

    [Fact]
    public async Task A_failing_challenge_is_recorded_and_retried_with_exponential_backoff()
    {
        // Nothing serves the tokens: pebble's http-01 fetch is refused.
        using var key = AccountKey.Generate();
        using var client = Client(key);
        var settings = new RenewalSettings(["down.example.test"], null, null, [CertificateKind.EcdsaP256]);
        var renewer = new CertificateRenewer(client, new CertificateStore(_data), _data, _ => new Http01Responder(new Http01Store(_data)), settings);
        var t0 = DateTime.UtcNow;

        var first = await renewer.RunOnceAsync(t0, false, default);
        var error = Assert.Single(first.Errors);
        Assert.Contains("http-01 challenge for down.example.test failed", error);
        Assert.Equal(t0 + TimeSpan.FromMinutes(1), first.NextWake);

        var tooSoon = await renewer.RunOnceAsync(t0.AddSeconds(30), false, default);
        Assert.Empty(tooSoon.Errors); // not tried again before the backoff ends

        var second = await renewer.RunOnceAsync(t0.AddMinutes(1), false, default);
        Assert.Single(second.Errors);
        Assert.Equal(t0.AddMinutes(1) + TimeSpan.FromMinutes(2), second.NextWake);

        var state = RenewalState.Load(_data).Kinds["ecdsa"];
        Assert.Equal(2, state.Failures);
        Assert.Contains("down.example.test", state.LastError);
    }

    private sealed class RecordingPublisher(IDns01Publisher inner, List<string> names) : IDns01Publisher
    {
        public Task PublishAsync(string fqdn, string value, CancellationToken ct)
        {
            names.Add(fqdn);
            return inner.PublishAsync(fqdn, value, ct);
        }

        public Task WithdrawAsync(string fqdn, string value, CancellationToken ct) => inner.WithdrawAsync(fqdn, value, ct);
    }

    private sealed class WrongValuePublisher(IDns01Publisher inner) : IDns01Publisher
    {
        public Task PublishAsync(string fqdn, string value, CancellationToken ct) => inner.PublishAsync(fqdn, "not-the-key-authorization-digest", ct);
        public Task WithdrawAsync(string fqdn, string value, CancellationToken ct) => inner.WithdrawAsync(fqdn, value, ct);
    }
}
