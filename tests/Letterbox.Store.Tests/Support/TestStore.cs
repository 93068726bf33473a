using System.Diagnostics;

namespace Letterbox.Store.Tests;

/// <summary>A store in its own temporary data directory, deleted afterwards.</summary>
public sealed class TestStore : IDisposable
{
    /// <summary>Fast hashes for tests that are not about hashing.</summary>
    public const int TestRounds = Sha512Crypt.MinRounds;

    public TestStore(long defaultQuotaBytes = 0)
    {
        DataDirectory = Path.Combine(Path.GetTempPath(), "letterbox-store-tests", Guid.NewGuid().ToString("N"));
        Accounts = AccountStore.Open(DataDirectory, Options(defaultQuotaBytes));
        Mail = new MailStore(Accounts);
    }

    public static AccountStoreOptions Options(long defaultQuotaBytes = 0) =>
        new() { DefaultQuotaBytes = defaultQuotaBytes, Argon2 = new Argon2Cost(MemoryKiB: 64, Iterations: 1) };

    public string DataDirectory { get; }

    public AccountStore Accounts { get; }

    public MailStore Mail { get; }

    public string SpoolDirectory => Path.Combine(DataDirectory, "spool", "tmp");

    public Mailbox User(string address, long? quotaBytes = null)
    {
        string domain = address[(address.LastIndexOf('@') + 1)..];
        if (!Accounts.IsLocalDomain(domain))
        {
            Accounts.AddDomain(domain);
        }
        return Accounts.AddUser(address, "secret", quotaBytes).Mailbox;
    }

    public void Deliver(byte[] content, params Mailbox[] mailboxes)
    {
        using var message = Mail.BeginMessage(long.MaxValue);
        message.Body.Write(content);
        message.Commit(mailboxes);
    }

    public static string[] Files(Mailbox mailbox, string sub) =>
        Directory.Exists(Path.Combine(mailbox.Directory, sub))
            ? Directory.GetFiles(Path.Combine(mailbox.Directory, sub))
            : [];

    public string[] SpoolFiles() => Directory.GetFiles(SpoolDirectory);

    public void Dispose()
    {
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Runs a command, failing the test when it is missing or exits non-zero.</summary>
    public static string Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} exited {process.ExitCode}: {stderr.Result}");
        return stdout;
    }
}
