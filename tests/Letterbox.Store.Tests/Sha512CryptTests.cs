namespace Letterbox.Store.Tests;

public class Sha512CryptTests
{
    // The SHA-512 test vectors published with Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512".
    public static TheoryData<string, string, string> SpecVectors => new()
    {
        { "$6$saltstring", "Hello world!",
          "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1" },
        { "$6$rounds=10000$saltstringsaltstring", "Hello world!",
          "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v." },
        { "$6$rounds=5000$toolongsaltstring", "This is just a test",
          "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0" },
        { "$6$rounds=1400$anotherlongsaltstring",
          "a very much longer text to encrypt.  This one even stretches over morethan one line.",
          "$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1" },
        { "$6$rounds=77777$short", "we have a short salt string but not a short password",
          "$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0" },
        { "$6$rounds=123456$asaltof16chars..", "a short string",
          "$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1" },
        { "$6$rounds=10$roundstoolow", "the minimum number is still observed",
          "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX." },
    };

    [Theory]
    [MemberData(nameof(SpecVectors))]
    public void Matches_the_specifications_test_vectors(string setting, string password, string expected)
    {
        Assert.Equal(expected, Sha512Crypt.Crypt(password, setting));
        Assert.True(Sha512Crypt.Verify(password, expected));
        Assert.False(Sha512Crypt.Verify(password + "x", expected));
    }

    public static TheoryData<string, string> OpensslCases => new()
    {
        { "saltstring", "Hello world!" },
        // Exactly one SHA-512 block (openssl 3.0 cannot hash an empty password, so that case is ours alone).
        { "Zx9.aB/c", new string('x', 64) },
        { "16charactersalt.", "pässwörd with UTF-8 ✓" },
        // Longer than one SHA-512 block, so the 64-byte loops of the algorithm run more than once.
        { "longpw", new string('p', 150) + "end" },
    };

    [Theory]
    [MemberData(nameof(OpensslCases))]
    public void Agrees_with_openssl_passwd_6(string salt, string password)
    {
        // openssl must be installed: a missing tool fails this test, it does not skip it.
        string fromOpenssl = TestStore.Run("openssl", "passwd", "-6", "-salt", salt, password).TrimEnd('\n');

        Assert.StartsWith($"$6${salt}$", fromOpenssl);
        Assert.Equal(fromOpenssl, Sha512Crypt.Crypt(password, $"$6${salt}"));
        Assert.True(Sha512Crypt.Verify(password, fromOpenssl));
        Assert.False(Sha512Crypt.Verify(password + "!", fromOpenssl));
    }

    [Fact]
    public void New_hashes_use_a_random_salt_and_the_default_rounds()
    {
        string first = Sha512Crypt.Hash("correct horse");
        string second = Sha512Crypt.Hash("correct horse");

        Assert.Matches(@"^\$6\$rounds=100000\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$", first);
        Assert.NotEqual(first, second);
        Assert.True(Sha512Crypt.Verify("correct horse", first));
        Assert.True(Sha512Crypt.Verify("correct horse", second));
    }

    [Fact]
    public void An_empty_password_hashes_and_verifies()
    {
        string hash = Sha512Crypt.Hash("", Sha512Crypt.MinRounds);

        Assert.True(Sha512Crypt.Verify("", hash));
        Assert.False(Sha512Crypt.Verify(" ", hash));
    }

    [Fact]
    public void Accepts_dovecots_scheme_prefix()
    {
        const string hash = "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1";

        Assert.True(Sha512Crypt.Verify("Hello world!", "{SHA512-CRYPT}" + hash));
        Assert.True(Sha512Crypt.TryNormalize("{SHA512-CRYPT}" + hash, out string? normalized));
        Assert.Equal(hash, normalized);
    }

    [Theory]
    [InlineData("")]
    [InlineData("secret")]
    [InlineData("$6$saltstring")] // a setting, not a hash
    [InlineData("$6$saltstring$")]
    [InlineData("$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz")] // 85 characters
    [InlineData("$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35in!1")]
    [InlineData("$6$rounds=abc$salt$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1")]
    [InlineData("$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZF/iBZv/4")] // SHA-256 crypt
    [InlineData("{SSHA512}abcdef")]
    public void Rejects_what_is_not_a_sha512_crypt_hash(string hash)
    {
        Assert.False(Sha512Crypt.TryNormalize(hash, out _));
        Assert.False(Sha512Crypt.Verify("Hello world!", hash));
    }
}
