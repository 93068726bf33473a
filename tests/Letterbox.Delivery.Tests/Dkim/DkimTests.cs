using System.Text;
using Letterbox.Delivery.Dkim;
using Letterbox.Delivery.Tests.Support;
using Letterbox.Store.Keys;

namespace Letterbox.Delivery.Tests.Dkim;

/// <summary>Keys made at first use, kept private, and signatures that an independent verifier (dkimpy) accepts.</summary>
public sealed class DkimTests : IDisposable
{
    private readonly TempDir data = new();

    public void Dispose() => data.Dispose();

    private const string Message =
        "Received: from phone ([192.0.2.7])\r\n\tby mail.example.test (Letterbox) with ESMTPSA id 1.1;\r\n\tWed, 25 Nov 2026 23:00:00 +0000\r\n" +
        "From: Demo User <demo@example.test>\r\n" +
        "To: someone@remote.test\r\n" +
        "Subject: Hello from Letterbox, with a subject long enough to be folded by some clients\r\n" +
        " on a second line\r\n" +
        "Date: Wed, 25 Nov 2026 23:00:00 +0000\r\n" +
        "Message-ID: <1@example.test>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "Content-Transfer-Encoding: 8bit\r\n" +
        "\r\n" +
        "Hello  world,   with  spaces \r\n" +
        "and UTF-8: h\u00e9llo\r\n" +
        "\r\n\r\n";

    [Fact]
    public void First_use_creates_an_rsa_and_an_ed25519_key_readable_only_by_the_owner()
    {
        var store = new DkimKeyStore(data.Path);
        Assert.Empty(store.Load("example.test"));
        Assert.False(Directory.Exists(Path.Combine(data.Path, "dkim", "example.test")), "Load must never create anything");

        var keys = store.EnsureKeys("Example.Test");
        Assert.Equal([DkimKeyStore.Rsa, DkimKeyStore.Ed25519], keys.Select(k => k.Algorithm));
        foreach (var key in keys)
        {
            Assert.Equal("example.test", key.Domain);
            Assert.Matches("^lb[0-9]{8}[re]$", key.Selector);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key.PrivateKeyPath));
            Assert.StartsWith("v=DKIM1; k=" + (key.Algorithm == DkimKeyStore.Rsa ? "rsa" : "ed25519") + "; p=", key.TxtRecord);
        }
        // RSA-2048: the SubjectPublicKeyInfo is 294 bytes; Ed25519 publishes the bare 32-byte key (RFC 8463 §4).
        Assert.Equal(294, Convert.FromBase64String(keys[0].TxtRecord.Split("p=")[1]).Length);
        Assert.Equal(32, Convert.FromBase64String(keys[1].TxtRecord.Split("p=")[1]).Length);

        var again = store.EnsureKeys("example.test");
        Assert.Equal(keys, again);
        Assert.Equal(keys, new DkimKeyStore(data.Path).Load("example.test"));
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("")]
    public void A_domain_that_is_not_a_name_is_refused(string domain) =>
        Assert.Throws<ArgumentException>(() => new DkimKeyStore(data.Path).EnsureKeys(domain));

    [Fact]
    public void Both_signatures_pass_dkimpy_with_the_published_records()
    {
        var keys = new DkimKeyStore(data.Path);
        var signer = new MessageSigner(keys);
        var fields = signer.Sign("example.test", new MemoryStream(Encoding.UTF8.GetBytes(Message)));

        Assert.Equal(2, fields.Count);
        Assert.All(fields, f =>
        {
            Assert.StartsWith("DKIM-Signature:", f);
            Assert.EndsWith("\r\n", f);
            Assert.DoesNotContain("\r\n", f[..^2].Replace("\r\n\t", "").Replace("\r\n ", "")); // folded, never broken
        });
        var signed = Encoding.UTF8.GetBytes(string.Concat(fields) + Message);
        var records = keys.Load("example.test").ToDictionary(k => k.RecordName, k => k.TxtRecord);
        var results = DkimVerify.Verify(signed, records);

        Assert.Equal(2, results.Count);
        Assert.Equal(["rsa-sha256", "ed25519-sha256"], results.Select(r => r.A));
        Assert.All(results, r => Assert.True(r.Ok, $"{r.A} signature did not verify"));
        Assert.Contains("c=relaxed/relaxed", string.Concat(fields).Replace("\r\n\t", "").Replace(" ", ""));
        // From is oversigned; Received (changes in transit) is not signed.
        var signedHeaders = results[0].H.Split(':').Select(h => h.Trim().ToLowerInvariant()).ToList();
        Assert.Equal(2, signedHeaders.Count(h => h == "from"));
        Assert.Contains("subject", signedHeaders);
        Assert.Contains("message-id", signedHeaders);
        Assert.DoesNotContain("received", signedHeaders);
        Assert.DoesNotContain("cc", signedHeaders);
    }

    [Fact]
    public void A_changed_body_or_an_added_From_fails_verification()
    {
        var keys = new DkimKeyStore(data.Path);
        var fields = new MessageSigner(keys).Sign("example.test", new MemoryStream(Encoding.UTF8.GetBytes(Message)));
        var records = keys.Load("example.test").ToDictionary(k => k.RecordName, k => k.TxtRecord);

        var tampered = Encoding.UTF8.GetBytes(string.Concat(fields) + Message.Replace("Hello  world", "Hello world!"));
        Assert.All(DkimVerify.Verify(tampered, records), r => Assert.False(r.Ok, $"{r.A} verified a changed body"));

        var extraFrom = Encoding.UTF8.GetBytes(string.Concat(fields) + Message.Replace("To: someone", "From: ceo@example.test\r\nTo: someone"));
        Assert.All(DkimVerify.Verify(extraFrom, records), r => Assert.False(r.Ok, $"{r.A} verified a message with a second From"));
    }

    [Fact]
    public void A_message_without_From_is_not_signed()
    {
        var signer = new MessageSigner(new DkimKeyStore(data.Path));
        Assert.Throws<FormatException>(() => signer.Sign("example.test", new MemoryStream("Subject: x\r\n\r\nbody\r\n"u8.ToArray())));
    }
}
