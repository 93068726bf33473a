using System.Text.RegularExpressions;

namespace Letterbox.Tests.Harness;

/// <summary>
/// A running `letterbox dev` with what mail tests need: its ports, the demo user's password
/// (read from the line `password: ...` it prints, as a script would), and its Maildirs.
/// </summary>
public sealed class DevAppliance : IDisposable
{
    private readonly TempDirectory _data = new();

    public LetterboxProcess Process { get; }
    public int Offset { get; }
    public string DemoPassword { get; }
    public string DataDirectory => _data.Path;

    public DevAppliance(string? extraToml = null)
    {
        string? config = extraToml is null ? null : _data.File("extra.toml", extraToml);
        Process = LetterboxProcess.StartDev(_data, out int offset, config);
        Offset = offset;
        var line = Process.WaitForLine("^password: ");
        DemoPassword = Regex.Match(line, "^password: (\\S+)$").Groups[1].Value;
    }

    public int SmtpPort => Offset + 25;
    public int HttpPort => Offset + 80;

    public string Maildir(string user = "demo", string domain = "example.test") => Path.Combine(DataDirectory, "mail", domain, user);

    /// <summary>Files delivered to a user's INBOX (Maildir new/), oldest first.</summary>
    public string[] Delivered(string user = "demo", string domain = "example.test")
    {
        var dir = Path.Combine(Maildir(user, domain), "new");
        return Directory.Exists(dir) ? Directory.GetFiles(dir).OrderBy(File.GetLastWriteTimeUtc).ToArray() : [];
    }

    /// <summary>Waits (bounded) for the supervisor to have every daemon healthy again, e.g. after a kill.</summary>
    public void WaitHealthy(TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        while (DateTime.UtcNow < deadline)
        {
            var r = Tool.Run(LetterboxProcess.BinaryPath, ["status", "--data", DataDirectory]);
            if (r.ExitCode == 0 && r.Stdout.Contains("\"status\": \"ok\""))
                return;
            Thread.Sleep(200);
        }
        throw new TimeoutException("appliance not healthy:\n" + Process.Output);
    }

    public void Dispose()
    {
        Process.Dispose();
        _data.Dispose();
    }
}
