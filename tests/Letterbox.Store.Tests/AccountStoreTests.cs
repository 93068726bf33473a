using Microsoft.Data.Sqlite;

namespace Letterbox.Store.Tests;

public sealed class AccountStoreTests : IDisposable
{
    private readonly TestStore store = new();

    private AccountStore Accounts => store.Accounts;

    public void Dispose() => store.Dispose();

    [Fact]
    public void Open_creates_a_wal_database_with_a_schema_version_and_can_reopen()
    {
        Assert.True(File.Exists(Path.Combine(store.DataDirectory, "letterbox.db")));
        Accounts.AddDomain("example.com");
        // It holds password hashes: private, and so are SQLite's companion files.
        foreach (string file in Directory.GetFiles(store.DataDirectory, "letterbox.db*"))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        var again = AccountStore.Open(store.DataDirectory, TestStore.Options());
        Assert.True(again.IsLocalDomain("example.com"));

        using var connection = new SqliteConnection($"Data Source={Path.Combine(store.DataDirectory, "letterbox.db")}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());
        command.CommandText = "SELECT max(version) FROM schema_version";
        Assert.Equal(2L, command.ExecuteScalar()); // 1: accounts, 2: login throttle
    }

    [Fact]
    public void Open_refuses_a_database_from_a_newer_version()
    {
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(store.DataDirectory, "letterbox.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO schema_version (version, applied_at) VALUES (99, 0)";
            command.ExecuteNonQuery();
        }

        var e = Assert.Throws<InvalidOperationException>(() => AccountStore.Open(store.DataDirectory, TestStore.Options()));
        Assert.Contains("newer", e.Message);
    }

    [Fact]
    public void Domains_are_lowercased_listed_and_removed()
    {
        Accounts.AddDomain("Example.COM.");
        Accounts.AddDomainAlias("EXAMPLE.org", "example.com");
        Accounts.SetCatchAll("example.com", "Postmaster@Example.com");

        Assert.True(Accounts.IsLocalDomain("EXAMPLE.com"));
        Assert.True(Accounts.IsLocalDomain("example.org"));
        Assert.False(Accounts.IsLocalDomain("example.net"));
        Assert.Equal(
            [new DomainInfo("example.com", null, "postmaster@example.com"), new DomainInfo("example.org", "example.com", null)],
            Accounts.Domains());

        Assert.True(Accounts.RemoveDomain("example.com"));
        Assert.Empty(Accounts.Domains()); // its alias went with it
        Assert.False(Accounts.RemoveDomain("example.com"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad domain")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("-x.example")]
    [InlineData("[192.0.2.1]")]
    public void Malformed_domains_are_refused(string domain) =>
        Assert.Throws<AccountException>(() => Accounts.AddDomain(domain));

    [Fact]
    public void Domain_rules_are_enforced()
    {
        Accounts.AddDomain("example.com");
        Accounts.AddDomainAlias("example.org", "example.com");
        Accounts.AddUser("alice@example.com", "pw");

        Assert.Throws<AccountException>(() => Accounts.AddDomain("example.com"));
        Assert.Throws<AccountException>(() => Accounts.AddDomainAlias("example.net", "example.org")); // alias of an alias
        Assert.Throws<AccountException>(() => Accounts.AddDomainAlias("example.net", "nowhere.test"));
        Assert.Throws<AccountException>(() => Accounts.AddUser("bob@example.org", "pw")); // users live at the real domain
        Assert.Throws<AccountException>(() => Accounts.AddUser("bob@nowhere.test", "pw"));
        Assert.Throws<AccountException>(() => Accounts.SetCatchAll("example.org", "alice@example.com"));
        var e = Assert.Throws<AccountException>(() => Accounts.RemoveDomain("example.com"));
        Assert.Contains("1 user", e.Message);
    }

    [Fact]
    public void AddUser_stores_a_canonical_address_and_a_hash_never_the_password()
    {
        Accounts.AddDomain("example.com");
        var user = Accounts.AddUser("Alice.Smith@EXAMPLE.com", "s3cret pässword", quotaBytes: 5000);

        Assert.Equal("alice.smith@example.com", user.Address);
        Assert.Equal("alice.smith", user.LocalPart);
        Assert.Equal("example.com", user.Domain);
        Assert.Equal(5000, user.QuotaBytes);
        Assert.StartsWith("$argon2id$v=19$m=64,t=1,p=1$", user.PasswordHash);
        foreach (string file in Directory.GetFiles(store.DataDirectory, "letterbox.db*"))
        {
            Assert.DoesNotContain("s3cret", System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(file)));
        }
        Assert.Equal(user, Accounts.FindUser("ALICE.SMITH@example.com"));
        Assert.Equal([user], Accounts.Users());
        Assert.Equal([user], Accounts.Users("Example.com"));
    }

    [Fact]
    public void Passwords_are_hashed_with_argon2id_at_owasp_cost_by_default()
    {
        var accounts = AccountStore.Open(Path.Combine(store.DataDirectory, "defaults"));
        accounts.AddDomain("example.com");

        var user = accounts.AddUser("alice@example.com", "pw");

        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", user.PasswordHash);
        Assert.NotNull(accounts.VerifyPassword("alice@example.com", "pw"));
    }

    [Fact]
    public void VerifyPassword_accepts_the_right_password_only()
    {
        Accounts.AddDomain("example.com");
        Accounts.AddDomainAlias("example.org", "example.com");
        Accounts.AddUser("alice@example.com", "right");

        Assert.Equal("alice@example.com", Accounts.VerifyPassword("Alice@Example.com", "right")?.Address);
        Assert.Equal("alice@example.com", Accounts.VerifyPassword("alice@example.org", "right")?.Address);
        Assert.Null(Accounts.VerifyPassword("alice@example.com", "wrong"));
        Assert.Null(Accounts.VerifyPassword("alice@example.com", "Right"));
        Assert.Null(Accounts.VerifyPassword("nobody@example.com", "right"));
        Assert.Null(Accounts.VerifyPassword("not an address", "right"));

        Accounts.SetPassword("alice@example.com", "changed");
        Assert.Null(Accounts.VerifyPassword("alice@example.com", "right"));
        Assert.NotNull(Accounts.VerifyPassword("alice@example.com", "changed"));
    }

    [Fact]
    public void Users_can_bring_hashes_made_by_openssl_or_dovecot()
    {
        Accounts.AddDomain("example.com");
        string opensslHash = TestStore.Run("openssl", "passwd", "-6", "-salt", "Kq3/xY7.pZ", "tr0ub4dor&3").TrimEnd('\n');

        Accounts.AddUserWithHash("alice@example.com", opensslHash);
        Accounts.AddUserWithHash("bob@example.com", "{SHA512-CRYPT}" + opensslHash);
        Assert.Equal(opensslHash, Accounts.FindUser("bob@example.com")!.PasswordHash); // stored without the prefix

        Assert.NotNull(Accounts.VerifyPassword("alice@example.com", "tr0ub4dor&3"));
        Assert.NotNull(Accounts.VerifyPassword("bob@example.com", "tr0ub4dor&3"));
        Assert.Throws<AccountException>(() => Accounts.AddUserWithHash("carol@example.com", "plaintext"));
        Assert.Throws<AccountException>(() => Accounts.AddUserWithHash("carol@example.com", "{PLAIN}secret"));
        Assert.Throws<AccountException>(() => Accounts.SetPasswordHash("alice@example.com", "$1$md5$whatever"));
    }

    [Fact]
    public void Users_and_aliases_cannot_share_an_address()
    {
        Accounts.AddDomain("example.com");
        Accounts.AddUser("alice@example.com", "pw");
        Accounts.AddAlias("team@example.com", ["alice@example.com"]);

        Assert.Throws<AccountException>(() => Accounts.AddUser("ALICE@example.com", "pw"));
        Assert.Throws<AccountException>(() => Accounts.AddUser("team@example.com", "pw"));
        Assert.Throws<AccountException>(() => Accounts.AddAlias("alice@example.com", ["bob@example.net"]));
        Assert.Throws<AccountException>(() => Accounts.AddAlias("self@example.com", ["Self@example.com"]));
        Assert.Throws<AccountException>(() => Accounts.AddAlias("empty@example.com", []));
        Assert.Throws<AccountException>(() => Accounts.AddAlias("bad@example.com", ["not-an-address"]));
    }

    [Fact]
    public void Aliases_grow_list_and_shrink()
    {
        Accounts.AddDomain("example.com");
        Accounts.AddAlias("team@example.com", ["Alice@example.com", "bob@Example.com"]);
        Accounts.AddAlias("Team@example.com", ["carol@remote.test", "alice@example.com"]);

        Assert.Equal(
            ["alice@example.com", "bob@example.com", "carol@remote.test"],
            Assert.Single(Accounts.Aliases()).Targets);
        Assert.True(Accounts.RemoveAlias("team@example.com", "BOB@example.com"));
        Assert.Equal(["alice@example.com", "carol@remote.test"], Assert.Single(Accounts.Aliases("example.com")).Targets);
        Assert.True(Accounts.RemoveAlias("team@example.com"));
        Assert.Empty(Accounts.Aliases());
        Assert.False(Accounts.RemoveAlias("team@example.com"));
    }

    [Fact]
    public void RemoveUser_keeps_the_mail_on_disk()
    {
        Accounts.AddDomain("example.com");
        var mailbox = Accounts.AddUser("alice@example.com", "pw").Mailbox;

        Assert.True(Accounts.RemoveUser("alice@example.com"));

        Assert.Null(Accounts.FindUser("alice@example.com"));
        Assert.Equal(ResolutionKind.UnknownUser, Accounts.Resolve("alice@example.com").Kind);
        Assert.True(Directory.Exists(Path.Combine(mailbox.Directory, "cur")));
        Assert.False(Accounts.RemoveUser("alice@example.com"));
    }
}
