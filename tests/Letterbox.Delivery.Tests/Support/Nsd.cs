using System.Diagnostics;
using System.Net;

namespace Letterbox.Delivery.Tests.Support;

/// <summary>
/// NLnet Labs' nsd (Debian's nsd) serving test zones on a loopback port: the "Internet DNS" the queue's
/// MX lookups go to. Started as `nsd -d -c conf`, no privilege drop, everything in a temp directory.
/// </summary>
public sealed class Nsd : IDisposable
{
    private readonly TempDir dir = new();
    private readonly Process process;

    /// <param name="zones">Zone name → zone file body (records after the SOA/NS that this adds).</param>
    public Nsd(IReadOnlyDictionary<string, string> zones)
    {
        Tool.Require("/usr/sbin/nsd", "nsd");
        Port = Loopback.FreePort();
        var conf = new System.Text.StringBuilder($"""
            server:
                ip-address: 127.0.0.1@{Port}
                port: {Port}
                username: ""
                chroot: ""
                zonesdir: "{dir.Path}"
                pidfile: "{dir.File("nsd.pid")}"
                database: ""
                xfrdfile: "{dir.File("xfrd.state")}"
                zonelistfile: "{dir.File("zone.list")}"
                logfile: "{dir.File("nsd.log")}"
                server-count: 1
                verbosity: 1
                do-ip6: no
            remote-control:
                control-enable: no

            """);
        foreach (var (name, body) in zones)
        {
            File.WriteAllText(dir.File(name + ".zone"), $"""
                $ORIGIN {name}.
                $TTL 60
                @ IN SOA ns.{name}. hostmaster.{name}. 1 3600 600 86400 60
                @ IN NS ns.{name}.
                ns IN A 127.0.0.1
                {body}

                """);
            conf.Append($"zone:\n    name: {name}\n    zonefile: {name}.zone\n");
        }
        File.WriteAllText(dir.File("nsd.conf"), conf.ToString());
        var psi = new ProcessStartInfo("/usr/sbin/nsd") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-d", "-c", dir.File("nsd.conf") })
            psi.ArgumentList.Add(a);
        process = Process.Start(psi)!;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        WaitReady(zones.Keys.First());
    }

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    private void WaitReady(string zone)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < until)
        {
            if (process.HasExited)
                Assert.Fail($"nsd exited: {(File.Exists(dir.File("nsd.log")) ? File.ReadAllText(dir.File("nsd.log")) : "no log")}");
            var (code, output, _) = Tool.Run("/usr/bin/dig", ["+short", "+time=1", "+tries=1", "-p", Port.ToString(), "@127.0.0.1", "SOA", zone], TimeSpan.FromSeconds(10));
            if (code == 0 && output.Contains("hostmaster", StringComparison.Ordinal))
                return;
            Thread.Sleep(100);
        }
        Assert.Fail("nsd did not answer within 30 s");
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
        dir.Dispose();
    }
}
