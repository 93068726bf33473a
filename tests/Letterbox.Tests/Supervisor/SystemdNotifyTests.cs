using System.Net.Sockets;
using System.Text;
using Letterbox.Tests.Harness;

namespace Letterbox.Tests.Supervisor;

/// <summary>
/// The supervisor under Type=notify: the test plays systemd's part by binding $NOTIFY_SOCKET
/// and reading the datagrams sd_notify(3) would send (READY, WATCHDOG, STOPPING).
/// </summary>
public sealed class SystemdNotifyTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private static List<string> Receive(Socket socket, Func<List<string>, bool> until, TimeSpan bound)
    {
        var messages = new List<string>();
        var buffer = new byte[4096];
        var deadline = DateTime.UtcNow + bound;
        while (!until(messages))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("notify messages so far: " + string.Join(" | ", messages));
            if (!socket.Poll(TimeSpan.FromMilliseconds(500), SelectMode.SelectRead))
                continue;
            int n = socket.Receive(buffer);
            messages.Add(Encoding.UTF8.GetString(buffer, 0, n));
        }
        return messages;
    }

    [Fact]
    public void Ready_watchdog_and_stopping_are_sent_to_notify_socket()
    {
        var path = Path.Combine(_data.Path, "notify.sock");
        using var systemd = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        systemd.Bind(new UnixDomainSocketEndPoint(path));

        using var lb = LetterboxProcess.StartDev(_data, out _, environment: new Dictionary<string, string>
        {
            ["NOTIFY_SOCKET"] = path,
            ["WATCHDOG_USEC"] = "1000000",
        });

        var messages = Receive(systemd, m => m.Any(x => x.Contains("READY=1")) && m.Count(x => x == "WATCHDOG=1") >= 2, TimeSpan.FromSeconds(30));
        Assert.Contains(messages, m => m.StartsWith("READY=1\nSTATUS=serving: ", StringComparison.Ordinal) && m.Contains("http") && m.Contains("smtp"));

        lb.Signal(Native.SIGTERM);
        messages = Receive(systemd, m => m.Contains("STOPPING=1"), TimeSpan.FromSeconds(30));
        Assert.Equal(0, lb.WaitForExit(TimeSpan.FromSeconds(30)));
    }
}
