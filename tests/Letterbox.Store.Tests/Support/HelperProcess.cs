using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Letterbox.Store.Tests;

/// <summary>
/// This test assembly's entry point, used only when a test starts it as a second process
/// (<c>dotnet Letterbox.Store.Tests.dll MODE ARGS</c>) to use the store from outside the test process.
/// </summary>
public static class HelperProcess
{
    public static int Main(string[] args)
    {
        try
        {
            switch (args[0])
            {
                case "add-users":
                    AddUsers(args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture));
                    return 0;
                case "deliver-forever":
                    DeliverForever(args[1], args[2..]);
                    return 0;
                case "index-append":
                    Index.IndexHelper.Append(args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture));
                    return 0;
                default:
                    Console.Error.WriteLine($"unknown mode {args[0]}");
                    return 2;
            }
        }
        catch (Exception e)
        {
            Console.Error.WriteLine(e);
            return 1;
        }
    }

    /// <summary>Adds users and bumps a shared counter, as fast as it can: write contention.</summary>
    private static void AddUsers(string data, string prefix, int count)
    {
        var accounts = AccountStore.Open(data, TestStore.Options());
        string hash = Sha512Crypt.Hash("pw", TestStore.TestRounds);
        for (int i = 0; i < count; i++)
        {
            accounts.AddUserWithHash($"{prefix}{i}@example.com", hash);
            accounts.AddUsage("counter@example.com", 1);
            _ = accounts.Resolve($"{prefix}{i}@example.com");
        }
    }

    /// <summary>Delivers numbered messages to the given users until killed, printing each number once committed.</summary>
    private static void DeliverForever(string data, string[] addresses)
    {
        var accounts = AccountStore.Open(data, TestStore.Options());
        var mail = new MailStore(accounts);
        var mailboxes = addresses.Select(a => accounts.FindUser(a)!.Mailbox).ToList();
        for (int seq = 0; ; seq++)
        {
            using var message = mail.BeginMessage(long.MaxValue);
            byte[] content = NumberedMessage(seq);
            // Several writes, so a kill can land mid-body too.
            for (int offset = 0; offset < content.Length; offset += 4096)
            {
                message.Body.Write(content, offset, Math.Min(4096, content.Length - offset));
            }
            message.Commit(mailboxes);
            Console.Out.WriteLine(seq.ToString(CultureInfo.InvariantCulture));
            Console.Out.Flush();
        }
    }

    /// <summary>The message with number <paramref name="seq"/>: its first line names it; sizes vary.</summary>
    public static byte[] NumberedMessage(int seq)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"X-Seq: {seq}\r\nSubject: message {seq}\r\n\r\n");
        int lines = 10 + seq * 37 % 400;
        for (int i = 0; i < lines; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"line {i} of message {seq}: the quick brown fox jumps over the lazy dog\r\n");
        }
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>Starts this assembly as a helper process.</summary>
    public static Process Start(params string[] args)
    {
        string assembly = Path.Combine(AppContext.BaseDirectory, typeof(HelperProcess).Assembly.GetName().Name + ".dll");
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(assembly);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return Process.Start(start) ?? throw new InvalidOperationException("cannot start the helper process");
    }

    private static string DotnetHost()
    {
        string? current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return current;
        }
        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
    }
}
