using System.Net;
using System.Net.Sockets;

namespace Letterbox.Net.Listeners;

public enum Transport { Tcp, Udp }

/// <summary>What a daemon listens on: a name the daemon knows it by ("smtp", "imaps"), an address and a transport.</summary>
public sealed record ListenerSpec(string Name, IPEndPoint EndPoint, Transport Transport)
{
    public override string ToString() => $"{Name} {Format(EndPoint)}/{Transport.ToString().ToLowerInvariant()}";

    public static string Format(IPEndPoint ep) =>
        ep.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ep.Address}]:{ep.Port}" : $"{ep.Address}:{ep.Port}";
}

/// <summary>A bound socket together with what it was bound for.</summary>
public sealed class Listener(ListenerSpec spec, Socket socket) : IDisposable
{
    public ListenerSpec Spec { get; } = spec;
    public Socket Socket { get; } = socket;
    public int Fd => (int)Socket.SafeHandle.DangerousGetHandle();

    public void Dispose() => Socket.Dispose();
}

/// <summary>A port that could not be bound: one line a user can act on.</summary>
public sealed class ListenerBindException(ListenerSpec spec, SocketError error)
    : Exception($"cannot listen on {ListenerSpec.Format(spec.EndPoint)} ({spec.Name}, {spec.Transport.ToString().ToLowerInvariant()}): {Describe(error)}")
{
    public ListenerSpec Spec { get; } = spec;
    public SocketError Error { get; } = error;

    private static string Describe(SocketError error) => error switch
    {
        SocketError.AddressAlreadyInUse => "address already in use (another server is on that port)",
        SocketError.AccessDenied => "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)",
        SocketError.AddressNotAvailable => "address not available on this host",
        _ => error.ToString(),
    };
}
