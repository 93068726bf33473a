namespace Letterbox.Store.Tests;

public sealed class ConcurrencyTests : IDisposable
{
    private readonly TestStore store = new();

    public void Dispose() => store.Dispose();

    [Fact]
    public void Two_processes_and_this_one_write_at_once_without_database_is_locked()
    {
        store.Accounts.AddDomain("example.com");
        var counter = store.Accounts.AddUser("counter@example.com", "pw");
        const int perProcess = 150;

        using var first = HelperProcess.Start("add-users", store.DataDirectory, "one-", perProcess.ToString());
        using var second = HelperProcess.Start("add-users", store.DataDirectory, "two-", perProcess.ToString());
        for (int i = 0; i < perProcess; i++)
        {
            store.Accounts.AddUserWithHash($"three-{i}@example.com", counter.PasswordHash);
            store.Accounts.AddUsage(counter.Address, 1);
        }
        foreach (var helper in new[] { first, second })
        {
            string errors = helper.StandardError.ReadToEnd();
            helper.WaitForExit();
            Assert.True(helper.ExitCode == 0, errors);
        }

        Assert.Equal(3 * perProcess + 1, store.Accounts.Users("example.com").Count);
        Assert.Equal(3 * perProcess, store.Accounts.FindUser(counter.Address)!.UsageBytes);
        Assert.Equal(ResolutionKind.Local, store.Accounts.Resolve("two-149@example.com").Kind);
    }

    [Fact]
    public void Many_connections_in_one_process_update_the_same_row_without_losing_any()
    {
        var alice = store.User("alice@example.com");

        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            for (int i = 0; i < 50; i++)
            {
                store.Accounts.AddUsage(alice.Address, 1);
                Assert.Equal(ResolutionKind.Local, store.Accounts.Resolve(alice.Address).Kind);
            }
        });

        Assert.Equal(400, store.Accounts.FindUser(alice.Address)!.UsageBytes);
    }
}
