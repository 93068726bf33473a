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
    [Fact]
    public void Usage_of_concurrent_deliveries_is_seen_here_at_once_and_by_another_process_soon_and_never_twice()
    {
        var alice = store.User("alice@example.com");
        const int deliveries = 64;
        byte[] header = "Delivered-To: alice@example.com\r\n"u8.ToArray();
        byte[] body = new byte[1000];

        Parallel.For(0, deliveries, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            using var message = store.Mail.BeginDelivery(alice, header, 10_000);
            message.Body.Write(body);
            message.Commit([alice]);
        });
        long expected = deliveries * (header.Length + body.Length);

        // This process counts its own deliveries the moment they are committed...
        Assert.Equal(expected, store.Accounts.FindUser(alice.Address)!.UsageBytes);
        // ...another process (a second store on the same database) once the batch is written.
        var other = AccountStore.Open(store.DataDirectory, TestStore.Options());
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (other.FindUser(alice.Address)!.UsageBytes != expected && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }
        Assert.Equal(expected, other.FindUser(alice.Address)!.UsageBytes);
        // A recount from the files agrees, and no batch adds the same deliveries on top of it.
        Assert.Equal(expected, store.Accounts.RecountUsage(alice.Address));
        Assert.Equal(expected, store.Accounts.FindUser(alice.Address)!.UsageBytes);
        Assert.Equal(expected, other.FindUser(alice.Address)!.UsageBytes);
    }
}
