using System.Globalization;
using System.Text;

namespace Letterbox.Store.Tests.Index;

/// <summary>A store in a temp directory with one user, alice@example.com, and her folders.</summary>
public sealed class IndexFixture : IDisposable
{
    public IndexFixture(long? quotaBytes = null)
    {
        Alice = Store.User("alice@example.com", quotaBytes);
        Folders = new MailFolders(Store.Accounts, Alice);
    }

    public TestStore Store { get; } = new();

    public Mailbox Alice { get; }

    public MailFolders Folders { get; }

    public string Root => Alice.Directory;

    /// <summary>Another handle on the same folders, as a second process would have.</summary>
    public MailFolders SecondHandle() => new(AccountStore.Open(Store.DataDirectory, TestStore.Options()), Alice);

    public static byte[] Message(int n, int padding = 0) =>
        Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"Subject: message {n}\r\nX-Seq: {n}\r\n\r\nbody {n}\r\n{new string('x', padding)}"));

    public uint Append(string folder, int n, MessageFlags flags = MessageFlags.None, params string[] keywords) =>
        Folders.Append(folder, new MemoryStream(Message(n)), flags, keywords).Uid;

    /// <summary>SELECT.</summary>
    public MailFolder Open(string folder) => Folders.Open(folder);

    /// <summary>Delivers as the SMTP server does: into INBOX's new/.</summary>
    public void Deliver(int n) => Store.Deliver(Message(n), Alice);

    public string FolderDirectory(string folder) => Folders.DirectoryOf(folder);

    public string IndexPath(string folder = "INBOX") => Path.Combine(FolderDirectory(folder), "letterbox-uidlist");

    public long? Usage() => Store.Accounts.FindUser(Alice.Address)!.UsageBytes;

    /// <summary>The X-Seq header of a message file.</summary>
    public static int SeqOf(string path)
    {
        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith("X-Seq: ", StringComparison.Ordinal))
            {
                return int.Parse(line[7..], CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"no X-Seq in {path}");
    }

    public void Dispose() => Store.Dispose();
}
