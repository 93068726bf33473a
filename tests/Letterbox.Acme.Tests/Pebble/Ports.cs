using System.Net;
using System.Net.Sockets;

namespace Letterbox.Tests.Pebble;

public static class Ports
{
    /// <summary>A loopback TCP port nobody holds right now (ephemeral; never a fixed one).</summary>
    public static int FreeTcp()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>A loopback port free for both UDP and TCP (a DNS server binds both).</summary>
    public static int FreeUdpAndTcp()
    {
        for (int i = 0; i < 50; i++)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            int port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            try
            {
                using var tcp = new TcpListener(IPAddress.Loopback, port);
                tcp.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }
        throw new InvalidOperationException("no free UDP+TCP port on loopback");
    }
}
