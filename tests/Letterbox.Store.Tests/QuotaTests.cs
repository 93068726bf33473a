namespace Letterbox.Store.Tests;

public sealed class QuotaTests : IDisposable
{
    private readonly TestStore store = new(defaultQuotaBytes: 10_000);

    public void Dispose() => store.Dispose();

    [Fact]
    public void Quota_is_checked_before_commit_and_usage_follows_deliveries()
    {
        var alice = store.User("alice@example.com", quotaBytes: 1000);

        Assert.Equal(QuotaStatus.Ok, store.Accounts.CheckQuota(alice, 600));
        store.Deliver(new byte[600], alice);

        Assert.Equal(600, store.Accounts.FindUser(alice.Address)!.UsageBytes);
        Assert.Equal(QuotaStatus.Ok, store.Accounts.CheckQuota(alice, 400));
        Assert.Equal(QuotaStatus.Full, store.Accounts.CheckQuota(alice, 401));
        Assert.Equal(QuotaStatus.TooBig, store.Accounts.CheckQuota(alice, 1001));
    }

    [Fact]
    public void Commit_refuses_a_message_that_does_not_fit_and_delivers_to_nobody()
    {
        var alice = store.User("alice@example.com", quotaBytes: 1000);
        var bob = store.User("bob@example.com");
        store.Deliver(new byte[600], alice);
        using var message = store.Mail.BeginMessage(100_000);
        message.Body.Write(new byte[500]);

        var e = Assert.Throws<DeliveryException>(() => message.Commit([bob, alice]));

        Assert.Equal(DeliveryFailure.OverQuota, e.Reason);
        Assert.False(e.Permanent); // 452 4.2.2: it may fit later
        Assert.Equal([alice], e.OverQuota);
        Assert.Empty(TestStore.Files(bob, "new"));
        Assert.Single(TestStore.Files(alice, "new"));
        Assert.Equal(600, store.Accounts.FindUser(alice.Address)!.UsageBytes);
    }

    [Fact]
    public void A_message_larger_than_the_whole_quota_is_a_permanent_failure()
    {
        var alice = store.User("alice@example.com", quotaBytes: 1000);
        using var message = store.Mail.BeginMessage(100_000);
        message.Body.Write(new byte[1001]);

        var e = Assert.Throws<DeliveryException>(() => message.Commit([alice]));

        Assert.Equal(DeliveryFailure.OverQuota, e.Reason);
        Assert.True(e.Permanent); // 552 5.2.2
    }

    [Fact]
    public void The_default_applies_unless_a_user_has_their_own_and_zero_is_unlimited()
    {
        var alice = store.User("alice@example.com");
        var bob = store.User("bob@example.com", quotaBytes: 0);

        Assert.Equal(10_000, store.Accounts.FindUser(alice.Address)!.QuotaBytes);
        Assert.Null(store.Accounts.FindUser(alice.Address)!.OwnQuotaBytes);
        Assert.Equal(QuotaStatus.TooBig, store.Accounts.CheckQuota(alice, 10_001));
        Assert.Equal(QuotaStatus.Ok, store.Accounts.CheckQuota(bob, long.MaxValue / 2));

        store.Accounts.SetQuota(alice.Address, 20_000);
        Assert.Equal(QuotaStatus.Ok, store.Accounts.CheckQuota(alice, 10_001));
        store.Accounts.SetQuota(alice.Address, null);
        Assert.Equal(QuotaStatus.TooBig, store.Accounts.CheckQuota(alice, 10_001));
        Assert.Throws<AccountException>(() => store.Accounts.SetQuota(alice.Address, -1));
        Assert.Throws<AccountException>(() => store.Accounts.SetQuota("nobody@example.com", 1));
    }

    [Fact]
    public void Usage_is_counted_from_maildir_names_when_unknown()
    {
        var alice = store.User("alice@example.com", quotaBytes: 5000);
        // Mail moved in from Dovecot: S= in the name, flags after ":2,"; one file without S=.
        File.WriteAllBytes(Path.Combine(alice.Directory, "cur", "1700000000.M1P1Q1.old,S=3000,W=3100:2,S"), new byte[10]);
        File.WriteAllBytes(Path.Combine(alice.Directory, ".Sent", "cur", "1700000000.M2P1Q1.old,S=1000:2,S"), new byte[10]);
        File.WriteAllBytes(Path.Combine(alice.Directory, ".Trash", "new", "legacy-name"), new byte[500]);
        File.WriteAllBytes(Path.Combine(alice.Directory, "tmp", "1700000000.M3P1Q1.old,S=9999"), new byte[10]); // not mail yet

        Assert.Equal(4500, store.Accounts.RecountUsage(alice.Address));
        Assert.Equal(4500, store.Accounts.FindUser(alice.Address)!.UsageBytes);
        Assert.Equal(QuotaStatus.Full, store.Accounts.CheckQuota(alice, 501));
    }

    [Fact]
    public void Usage_not_yet_counted_is_counted_on_the_first_check()
    {
        var alice = store.User("alice@example.com", quotaBytes: 5000);
        File.WriteAllBytes(Path.Combine(alice.Directory, "cur", "1700000000.M1P1Q1.old,S=4000:2,S"), new byte[10]);
        // Forget the count, as after an upgrade or a manual edit.
        store.Accounts.AddUsage(alice.Address, 0);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection(
                   $"Data Source={Path.Combine(store.DataDirectory, "letterbox.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE users SET usage_bytes = NULL";
            command.ExecuteNonQuery();
        }
        Assert.Null(store.Accounts.FindUser(alice.Address)!.UsageBytes);

        Assert.Equal(QuotaStatus.Full, store.Accounts.CheckQuota(alice, 1001));
        Assert.Equal(4000, store.Accounts.FindUser(alice.Address)!.UsageBytes);
    }

    [Fact]
    public void AddUsage_moves_usage_both_ways_and_never_below_zero()
    {
        var alice = store.User("alice@example.com");

        store.Accounts.AddUsage(alice.Address, 700);
        store.Accounts.AddUsage(alice.Address, -200);
        Assert.Equal(500, store.Accounts.FindUser(alice.Address)!.UsageBytes);
        store.Accounts.AddUsage(alice.Address, -1000);
        Assert.Equal(0, store.Accounts.FindUser(alice.Address)!.UsageBytes);
    }
}
