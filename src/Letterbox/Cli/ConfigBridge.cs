using System.Net;
using Letterbox.Logging;

namespace Letterbox.Cli;

// TEMPORARY stand-in until Letterbox.Config lands: dev defaults only.
public static class ConfigBridge
{
    public static Task<AppSettings> LoadApplianceAsync(string? configFile, CancellationToken ct) => Task.FromResult(Dev(0));
    public static Task<AppSettings> LoadDevAsync(int portOffset, string? configFile, CancellationToken ct) => Task.FromResult(Dev(portOffset));
    public static AppSettings LoadDaemonFile(string path) => Dev(int.Parse(File.ReadAllText(path).Trim()));

    private static AppSettings Dev(int offset) => new()
    {
        Hostname = "mail.example.test",
        Domains = ["example.test"],
        ListenAddresses = [IPAddress.Loopback],
        PortOffset = offset,
        EnabledDaemons = ["smtp", "imap", "pop3", "dns", "http"],
        User = "letterbox",
        MonitoringAllow = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")],
        LogLevel = LogLevel.Info,
        EffectiveToml = offset.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
