using System.Diagnostics;
using System.Text;

namespace Letterbox.Store.Tests;

/// <summary>
/// Password hashes as other tools write them: the reference `argon2` CLI (RFC 9106's authors'),
/// Apache's `htpasswd -B` for bcrypt, `openssl passwd -6`; and Dovecot's {SCHEME} prefixes.
/// A missing tool fails the test.
/// </summary>
public sealed class PasswordHashTests : IDisposable
{
    private readonly TestStore store = new();
    private AccountStore Accounts => store.Accounts;

    public void Dispose() => store.Dispose();

    private static string Argon2Cli(string password, string salt, int t, int mExponent)
    {
        var start = new ProcessStartInfo("argon2") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { salt, "-id", "-t", t.ToString(), "-m", mExponent.ToString(), "-p", "1", "-e" })
            start.ArgumentList.Add(arg);
        using var p = Process.Start(start)!;
        p.StandardInput.Write(password);
        p.StandardInput.Close();
        var output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, p.StandardError.ReadToEnd());
        return output;
    }

    [Theory]
    [InlineData("secret pw", "somesalt12345678", 2, 10)]
    [InlineData("pässwörd ✓", "another-salt-xyz", 1, 12)]
    [InlineData("x", "shortpasswordsal", 3, 8)]
    public void Verifies_hashes_made_by_the_reference_argon2_tool(string password, string salt, int t, int m)
    {
        var hash = Argon2Cli(password, salt, t, m);
        Assert.StartsWith("$argon2id$v=19$", hash);
        Assert.True(PasswordHash.Verify(password, hash));
        Assert.True(PasswordHash.Verify(password, "{ARGON2ID}" + hash));
        Assert.False(PasswordHash.Verify(password + "x", hash));
    }

    [Theory]
    [InlineData("secret pw", "somesalt12345678", 2, 10)]
    [InlineData("pässwörd ✓", "another-salt-xyz", 1, 12)]
    [InlineData("a long passphrase: correct horse battery staple, correct horse battery staple, correct horse", "saltsaltsaltsaltsaltsaltsaltsalt", 3, 8)]
    public void Our_argon2id_hashes_are_the_reference_argon2_tools_byte_for_byte(string password, string salt, int t, int m)
    {
        var ours = PasswordHash.HashArgon2id(password, Encoding.UTF8.GetBytes(salt), new Argon2Cost(MemoryKiB: 1 << m, Iterations: t));
        Assert.Equal(Argon2Cli(password, salt, t, m), ours);
    }

    // Made by Dovecot 2.3's `doveadm pw -s ARGON2ID` (libsodium), with its default cost and with -r 3.
    [Theory]
    [InlineData("dovecot pw", "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$lsPuq2prcOm8jV52cPQPag$xiC48gNgADAc79Zv1rgDiLFSFjG18qS9wfBJ7pGu2jE")]
    [InlineData("dovecot pw", "{ARGON2ID}$argon2id$v=19$m=262144,t=3,p=1$rIhARnjgCDW+beHS5Gyw+g$OX9rt9BOuPP3HVwqSsj6ufQbO6GJtvYnMe7GAKS2EcU")]
    [InlineData("pässwörd ✓", "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$smPkh7ZMCW4cFdJgbn3xxA$aT38WE5ulq4F1JdoSzm/pbWz983WzCcVyVyRMR/PBCw")]
    public void Verifies_hashes_made_by_doveadm(string password, string hash)
    {
        Assert.True(PasswordHash.Verify(password, hash));
        Assert.False(PasswordHash.Verify(password + " ", hash));
        Assert.False(PasswordHash.Verify(password.ToUpperInvariant(), hash));
    }

    [Fact]
    public void Our_argon2id_hashes_are_in_phc_form_with_a_fresh_salt_each_time()
    {
        var cost = new Argon2Cost(MemoryKiB: 1024, Iterations: 2);
        var a = PasswordHash.HashArgon2id("correct horse", cost);
        var b = PasswordHash.HashArgon2id("correct horse", cost);
        Assert.Matches(@"^\$argon2id\$v=19\$m=1024,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$", a);
        Assert.NotEqual(a, b);
        Assert.True(PasswordHash.Verify("correct horse", a) && PasswordHash.Verify("correct horse", b));
        Assert.False(PasswordHash.NeedsUpgrade(a, cost));
        Assert.True(PasswordHash.NeedsUpgrade(a, new Argon2Cost()));
    }

    [Fact]
    public void Verifies_bcrypt_from_htpasswd_and_dovecot_blf_crypt()
    {
        var line = TestStore.Run("htpasswd", "-bnBC", "5", "", "blowfish pw").Trim();
        var hash = line.TrimStart(':');
        Assert.StartsWith("$2y$05$", hash);
        Assert.True(PasswordHash.Verify("blowfish pw", hash));
        Assert.True(PasswordHash.Verify("blowfish pw", "{BLF-CRYPT}" + hash));
        Assert.False(PasswordHash.Verify("blowfish PW", hash));
    }

    [Theory]
    [InlineData("{PLAIN}secret")]
    [InlineData("secret")]
    [InlineData("{ARGON2ID}$6$abc$def")]
    [InlineData("$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")] // 4 GiB: refused, not computed
    [InlineData("$argon2id$v=16$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")]
    [InlineData("$2y$05$tooshort")]
    [InlineData("$argon2id$v=19$m=1048577,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")] // 1 GiB + 1 KiB
    [InlineData("$argon2id$v=19$m=99999999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")] // beyond int
    [InlineData("$argon2id$v=19$m=-1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")]
    [InlineData("$argon2id$v=19$m=1024,t=65,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")]
    [InlineData("$argon2id$v=19$m=1024,t=4294967295,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")]
    [InlineData("$argon2id$v=19$m=1024,t=0,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")]
    [InlineData("$argon2id$v=19$m=1024,t=1,p=17$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")]
    [InlineData("$argon2id$v=19$m=1024,t=1,p=0$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")]
    [InlineData("$argon2id$v=19$m=64,t=1,p=16$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")] // fewer than 8 blocks per lane
    [InlineData("$argon2id$v=19$m=1024,t=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")] // no p
    [InlineData("$argon2id$v=19$m=1024,t=1,p=1,x=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")]
    [InlineData("$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA")] // 4-byte salt
    [InlineData("$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaA")] // 4-byte digest
    [InlineData("$argon2id$v=19$m=1024,t=1,p=1$c2Fs*HNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")] // not base64
    [InlineData("$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ")]
    [InlineData("$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")]
    public void Refuses_plain_text_mismatched_schemes_and_hostile_parameters(string hash)
    {
        Assert.False(PasswordHash.TryNormalize(hash, out _));
        Assert.False(PasswordHash.Verify("secret", hash));
    }

    [Fact]
    public void Refuses_an_argon2id_hash_too_long_to_be_real()
    {
        var salt = Convert.ToBase64String(new byte[400]).TrimEnd('=');
        var hash = $"$argon2id$v=19$m=1024,t=1,p=1${salt}$aGFzaGhhc2hoYXNoaGFzaA";
        Assert.False(PasswordHash.TryNormalize(hash, out _));
        Assert.False(PasswordHash.Verify("secret", hash));
    }

    [Fact]
    public void An_imported_hash_is_upgraded_to_argon2id_at_the_first_good_login()
    {
        Accounts.AddDomain("example.com");
        var sha = TestStore.Run("openssl", "passwd", "-6", "-salt", "saltsalt", "imported pw").Trim();
        Accounts.AddUserWithHash("bob@example.com", "{SHA512-CRYPT}" + sha);
        Assert.StartsWith("$6$", Accounts.FindUser("bob@example.com")!.PasswordHash);

        Assert.Null(Accounts.VerifyPassword("bob@example.com", "wrong"));
        Assert.StartsWith("$6$", Accounts.FindUser("bob@example.com")!.PasswordHash); // not on a failure

        Assert.NotNull(Accounts.VerifyPassword("bob@example.com", "imported pw"));
        var upgraded = Accounts.FindUser("bob@example.com")!.PasswordHash;
        Assert.StartsWith("$argon2id$", upgraded);
        Assert.NotNull(Accounts.VerifyPassword("bob@example.com", "imported pw"));
        Assert.Equal(upgraded, Accounts.FindUser("bob@example.com")!.PasswordHash); // no churn once upgraded
    }
}
