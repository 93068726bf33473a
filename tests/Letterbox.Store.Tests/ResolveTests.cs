namespace Letterbox.Store.Tests;

/// <summary>One store with every kind of address, shared by the table of resolution cases.</summary>
public sealed class ResolveFixture : IDisposable
{
    public ResolveFixture()
    {
        var a = Store.Accounts;
        a.AddDomain("example.com");
        a.AddDomain("Example.NET");
        a.AddDomainAlias("example.org", "example.com");
        foreach (string user in (string[])["alice@example.com", "bob@example.com", "bob+special@example.com",
                     "carol@example.net", "Dave@Example.com"])
        {
            a.AddUser(user, "pw");
        }
        a.AddAlias("team@example.com", ["alice@example.com", "BOB@example.com"]);
        a.AddAlias("sales@example.com", ["team@example.com", "carol@example.net", "alice@example.com"]);
        a.AddAlias("loop1@example.com", ["loop2@example.com"]);
        a.AddAlias("loop2@example.com", ["loop1@example.com"]);
        a.AddAlias("halfloop@example.com", ["loop1@example.com", "dave@example.com"]);
        a.AddAlias("mixed@example.com", ["alice@example.com", "Someone@Remote.Example"]);
        a.AddAlias("ext@example.com", ["friend@elsewhere.test"]);
        a.AddAlias("dangling@example.com", ["nobody@example.com", "bob@example.com"]);
        a.AddAlias("allgone@example.com", ["nobody@example.com"]);
        a.AddAlias("viaalias@example.com", ["alice@example.org"]);
        a.AddAlias("list@example.com", ["bob@example.com", "carol@example.net"]);
        for (int i = 0; i < 25; i++)
        {
            a.AddAlias($"deep{i}@example.com", [$"deep{i + 1}@example.com"]);
        }
        a.AddAlias("deep25@example.com", ["alice@example.com"]);
        a.SetCatchAll("example.net", "carol@example.net");
    }

    public TestStore Store { get; } = new();

    public void Dispose() => Store.Dispose();
}

public class ResolveTests(ResolveFixture fixture) : IClassFixture<ResolveFixture>
{
    // address, expected kind, expected mailboxes (in order), expected forwards (in order)
    public static TheoryData<string, ResolutionKind, string, string> Cases => new()
    {
        { "alice@example.com", ResolutionKind.Local, "alice@example.com", "" },
        // Case: domains and ASCII local parts compare case-insensitively; quoting is not part of the name.
        { "ALICE@EXAMPLE.COM", ResolutionKind.Local, "alice@example.com", "" },
        { "\"Alice\"@example.com", ResolutionKind.Local, "alice@example.com", "" },
        { "alice@example.com.", ResolutionKind.Local, "alice@example.com", "" },
        { "dave@example.com", ResolutionKind.Local, "dave@example.com", "" },
        // Plus-addressing, and an exact user named with '+' winning over it.
        { "bob+lists@example.com", ResolutionKind.Local, "bob@example.com", "" },
        { "bob+@example.com", ResolutionKind.Local, "bob@example.com", "" },
        { "bob+special@example.com", ResolutionKind.Local, "bob+special@example.com", "" },
        { "list+tag@example.com", ResolutionKind.Local, "bob@example.com,carol@example.net", "" },
        { "+tag@example.com", ResolutionKind.UnknownUser, "", "" },
        // Aliases: one to many, nested, deduplicated, across domains.
        { "team@example.com", ResolutionKind.Local, "alice@example.com,bob@example.com", "" },
        { "sales@example.com", ResolutionKind.Local, "alice@example.com,bob@example.com,carol@example.net", "" },
        { "viaalias@example.com", ResolutionKind.Local, "alice@example.com", "" },
        // Remote targets: forwarded with their local part as written; mixed keeps both.
        { "ext@example.com", ResolutionKind.Forward, "", "friend@elsewhere.test" },
        { "mixed@example.com", ResolutionKind.Forward, "alice@example.com", "Someone@remote.example" },
        // Loops and depth: the looping branch is dropped, what is left is delivered.
        { "loop1@example.com", ResolutionKind.UnknownUser, "", "" },
        { "halfloop@example.com", ResolutionKind.Local, "dave@example.com", "" },
        { "deep0@example.com", ResolutionKind.UnknownUser, "", "" },
        { "deep10@example.com", ResolutionKind.Local, "alice@example.com", "" },
        // Dangling targets are skipped; nothing left is unknown.
        { "dangling@example.com", ResolutionKind.Local, "bob@example.com", "" },
        { "allgone@example.com", ResolutionKind.UnknownUser, "", "" },
        // Catch-all, only after users, aliases and plus-addressing.
        { "anything@example.net", ResolutionKind.Local, "carol@example.net", "" },
        { "carol+x@example.net", ResolutionKind.Local, "carol@example.net", "" },
        // Domain alias: the same local part at the real domain.
        { "alice@example.org", ResolutionKind.Local, "alice@example.com", "" },
        { "Team@EXAMPLE.org", ResolutionKind.Local, "alice@example.com,bob@example.com", "" },
        { "bob+x@example.org", ResolutionKind.Local, "bob@example.com", "" },
        { "nobody@example.org", ResolutionKind.UnknownUser, "", "" },
        // Unknown, foreign, malformed.
        { "nobody@example.com", ResolutionKind.UnknownUser, "", "" },
        { "alice@example.co", ResolutionKind.NotOurDomain, "", "" },
        { "alice@sub.example.com", ResolutionKind.NotOurDomain, "", "" },
        { "alice@[192.0.2.1]", ResolutionKind.NotOurDomain, "", "" },
        { "postmaster", ResolutionKind.Invalid, "", "" },
        { "@example.com", ResolutionKind.Invalid, "", "" },
        { "alice@", ResolutionKind.Invalid, "", "" },
        { "ali\0ce@example.com", ResolutionKind.Invalid, "", "" },
        { new string('a', 65) + "@example.com", ResolutionKind.Invalid, "", "" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Resolves(string address, ResolutionKind kind, string mailboxes, string forwards)
    {
        var result = fixture.Store.Accounts.Resolve(address);

        Assert.Equal(kind, result.Kind);
        Assert.Equal(Split(mailboxes), result.Mailboxes.Select(m => m.Address).ToArray());
        Assert.Equal(Split(forwards), result.Forwards.ToArray());
        Assert.Equal(kind is ResolutionKind.Local or ResolutionKind.Forward, result.Accepted);
    }

    [Fact]
    public void Loops_depth_and_dangling_targets_are_noted()
    {
        var accounts = fixture.Store.Accounts;

        Assert.Contains(accounts.Resolve("loop1@example.com").Notes, n => n.Contains("alias loop at loop1@example.com"));
        Assert.Contains(accounts.Resolve("deep0@example.com").Notes, n => n.Contains("deeper than"));
        Assert.Contains(accounts.Resolve("dangling@example.com").Notes, n => n.Contains("nobody@example.com does not exist"));
        Assert.Empty(accounts.Resolve("sales@example.com").Notes);
    }

    [Fact]
    public void Mailboxes_point_into_the_mail_tree()
    {
        var mailbox = Assert.Single(fixture.Store.Accounts.Resolve("Alice@Example.org").Mailboxes);

        Assert.Equal(Path.Combine(fixture.Store.DataDirectory, "mail", "example.com", "alice"), mailbox.Directory);
    }

    [Theory]
    [InlineData("alice@example.com", "alice@example.com", true)]
    [InlineData("alice@example.com", "ALICE@example.com", true)]
    [InlineData("alice@example.com", "alice+news@example.com", true)]
    [InlineData("alice@example.com", "alice@example.org", true)]          // domain alias
    [InlineData("alice@example.com", "team@example.com", true)]           // alias that includes her
    [InlineData("alice@example.com", "mixed@example.com", true)]          // alias that also forwards
    [InlineData("bob@example.com", "team@example.com", true)]
    [InlineData("alice@example.com", "bob@example.com", false)]           // another user
    [InlineData("alice@example.com", "list@example.com", false)]          // an alias without her
    [InlineData("alice@example.com", "ext@example.com", false)]           // forwards elsewhere only
    [InlineData("alice@example.com", "nobody@example.com", false)]
    [InlineData("alice@example.com", "alice@elsewhere.test", false)]      // not our domain
    [InlineData("carol@example.net", "anything@example.net", true)]       // her catch-all
    [InlineData("alice@example.com", "anything@example.net", false)]
    [InlineData("alice@example.com", "not an address", false)]
    public void A_user_may_send_only_as_an_address_that_delivers_to_them(string user, string sender, bool allowed)
    {
        Assert.Equal(allowed, fixture.Store.Accounts.MaySendAs(user, sender));
    }

    private static string[] Split(string list) => list.Length == 0 ? [] : list.Split(',');
}
