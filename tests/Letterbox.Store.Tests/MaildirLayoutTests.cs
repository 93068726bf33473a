namespace Letterbox.Store.Tests;

public sealed class MaildirLayoutTests : IDisposable
{
    private readonly TestStore store = new();

    public void Dispose() => store.Dispose();

    [Fact]
    public void A_new_user_gets_a_dovecot_style_maildirplusplus_tree()
    {
        var mailbox = store.User("alice@example.com");

        Assert.Equal(Path.Combine(store.DataDirectory, "mail", "example.com", "alice"), mailbox.Directory);
        foreach (string sub in (string[])["cur", "new", "tmp"])
        {
            Assert.True(Directory.Exists(Path.Combine(mailbox.Directory, sub)), sub);
        }
        foreach (string folder in (string[])[".Sent", ".Drafts", ".Trash", ".Junk", ".Archive"])
        {
            foreach (string sub in (string[])["cur", "new", "tmp"])
            {
                Assert.True(Directory.Exists(Path.Combine(mailbox.Directory, folder, sub)), $"{folder}/{sub}");
            }
            var marker = new FileInfo(Path.Combine(mailbox.Directory, folder, "maildirfolder"));
            Assert.True(marker.Exists, folder);
            Assert.Equal(0, marker.Length);
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(mailbox.Directory));
    }

    [Theory]
    [InlineData("\"../../../etc\"@example.com")]
    [InlineData("\"..\"@example.com")]
    [InlineData("\".\"@example.com")]
    [InlineData("\".hidden\"@example.com")]
    [InlineData("\"a/b\"@example.com")]
    [InlineData("\"a\\\\b\"@example.com")]
    [InlineData("\"100%\"@example.com")]
    [InlineData("\"/abs\"@example.com")]
    public void Unsafe_local_parts_stay_one_directory_inside_their_domain(string address)
    {
        var mailbox = store.User(address);
        string domainDirectory = Path.Combine(store.DataDirectory, "mail", "example.com");

        Assert.Equal(domainDirectory, Path.GetDirectoryName(mailbox.Directory));
        string name = Path.GetFileName(mailbox.Directory);
        Assert.DoesNotContain('/', name);
        Assert.False(name.StartsWith('.'), name);
        Assert.True(Directory.Exists(Path.Combine(mailbox.Directory, "new")));

        store.Deliver("Subject: hi\r\n\r\nhello\r\n"u8.ToArray(), mailbox);
        Assert.Single(TestStore.Files(mailbox, "new"));
    }

    [Fact]
    public void Encoded_names_do_not_collide()
    {
        string[] names = ["a/b", "a%2Fb", "a%b", "%2Ea", ".a", "..", "...", "a\0b", "a\nb", "x", "X"];

        var encoded = names.Select(MaildirLayout.PathComponent).ToList();

        Assert.Equal(names.Length, encoded.Distinct().Count());
        Assert.All(encoded, e => Assert.True(e.IndexOfAny(['/', '\0', '\n']) < 0 && e[0] != '.', e));
        Assert.Equal("x", MaildirLayout.PathComponent("x"));
        Assert.Equal("jörg", MaildirLayout.PathComponent("jörg"));
    }

    [Fact]
    public void Control_characters_never_make_an_address()
    {
        store.Accounts.AddDomain("example.com");

        Assert.Throws<AccountException>(() => store.Accounts.AddUser("a\0b@example.com", "pw"));
        Assert.Throws<AccountException>(() => store.Accounts.AddUser("a\nb@example.com", "pw"));
        Assert.Throws<AccountException>(() => store.Accounts.AddUser(new string('a', 65) + "@example.com", "pw"));
    }

    [Fact]
    public void Utf8_local_parts_are_kept_as_given_apart_from_ascii_case()
    {
        var mailbox = store.User("Jörg@example.com");

        Assert.Equal("jörg@example.com", mailbox.Address);
        Assert.Equal("jörg", Path.GetFileName(mailbox.Directory));
        Assert.Equal(ResolutionKind.Local, store.Accounts.Resolve("JöRG@example.com").Kind);
        Assert.Equal(ResolutionKind.UnknownUser, store.Accounts.Resolve("JÖRG@example.com").Kind);
    }

    [Fact]
    public void Maildir_names_are_unique_and_carry_the_size()
    {
        var names = new HashSet<string>();
        Parallel.For(0, 4, _ =>
        {
            var local = new List<string>();
            for (int i = 0; i < 25_000; i++)
            {
                local.Add(MaildirName.Create(1234));
            }
            lock (names)
            {
                names.UnionWith(local);
            }
        });

        Assert.Equal(100_000, names.Count);
        Assert.All(names.Take(10), n => Assert.Matches(@"^\d+\.M\d+P\d+Q\d+\.[^/:,]+,S=1234$", n));
        Assert.Equal(1234, MaildirName.SizeOf(names.First()));
        Assert.Equal(42, MaildirName.SizeOf("1.M2P3Q4.host,S=42,W=44:2,S"));
        Assert.Null(MaildirName.SizeOf("1.M2P3Q4.host:2,S"));
    }
}
