using System.Net;
using System.Net.Sockets;

namespace Letterbox.Config.Tests;

/// <summary>Loopback endpoints that stand in for an absent metadata service.</summary>
internal static class Loopback
{
    /// <summary>A URI on a port that was just free: connecting is refused.</summary>
    public static Uri ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }

    /// <summary>
    /// A listener that never accepts: the kernel completes the TCP handshake from the backlog and
    /// nobody ever answers, like a firewall that swallows packets after connect.
    /// </summary>
    public sealed class Silent : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

        public Silent()
        {
            _listener.Start();
            Uri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        }

        public Uri Uri { get; }

        public void Dispose() => _listener.Stop();
    }
}
