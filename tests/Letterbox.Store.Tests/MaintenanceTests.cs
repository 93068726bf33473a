namespace Letterbox.Store.Tests;

public sealed class MaintenanceTests : IDisposable
{
    private readonly TestStore store = new();

    public void Dispose() => store.Dispose();

    private static string Touch(string path, TimeSpan age)
    {
        File.WriteAllText(path, "leftover");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
        return path;
    }

    [Fact]
    public void Removes_stale_tmp_and_spool_files_only()
    {
        var alice = store.User("alice@example.com");
        string staleTmp = Touch(Path.Combine(alice.Directory, "tmp", "1.M1P1Q1.host,S=8"), TimeSpan.FromHours(37));
        string staleFolderTmp = Touch(Path.Combine(alice.Directory, ".Sent", "tmp", "2.M1P1Q1.host,S=8"), TimeSpan.FromHours(40));
        string freshTmp = Touch(Path.Combine(alice.Directory, "tmp", "3.M1P1Q1.host,S=8"), TimeSpan.FromHours(35));
        string staleSpool = Touch(Path.Combine(store.SpoolDirectory, "old.msg"), TimeSpan.FromHours(2));
        string freshSpool = Touch(Path.Combine(store.SpoolDirectory, "live.msg"), TimeSpan.FromMinutes(5));
        string oldMail = Touch(Path.Combine(alice.Directory, "cur", "4.M1P1Q1.host,S=8:2,S"), TimeSpan.FromDays(400));
        // A directory of a user removed earlier is still cleaned.
        string orphanTmp = Path.Combine(store.DataDirectory, "mail", "example.com", "gone", "tmp");
        Directory.CreateDirectory(orphanTmp);
        string staleOrphan = Touch(Path.Combine(orphanTmp, "5.M1P1Q1.host,S=8"), TimeSpan.FromDays(3));

        var report = store.Mail.Maintenance();

        Assert.Equal(new MaintenanceReport(TmpFilesRemoved: 3, SpoolFilesRemoved: 1, UsersCounted: 1), report);
        Assert.False(File.Exists(staleTmp));
        Assert.False(File.Exists(staleFolderTmp));
        Assert.False(File.Exists(staleOrphan));
        Assert.False(File.Exists(staleSpool));
        Assert.True(File.Exists(freshTmp));
        Assert.True(File.Exists(freshSpool));
        Assert.True(File.Exists(oldMail));
        Assert.Equal(8, store.Accounts.FindUser(alice.Address)!.UsageBytes);
    }

    [Fact]
    public void Recounts_usage_that_drifted()
    {
        var alice = store.User("alice@example.com");
        store.Deliver(new byte[300], alice);
        store.Accounts.AddUsage(alice.Address, 12345);

        store.Mail.Maintenance();

        Assert.Equal(300, store.Accounts.FindUser(alice.Address)!.UsageBytes);
    }
}
