using System.Net.Sockets;
using Letterbox.Control;

namespace Letterbox.Cli;

/// <summary>`letterbox status`: the supervisor's view, over its control socket (works even when the HTTP daemon is down).</summary>
public static class StatusCommand
{
    public static async Task<int> RunAsync(string? dataOption, CancellationToken ct)
    {
        var data = Commands.ResolveDataDirectory(dataOption, Commands.DefaultDataDirectory);
        var socket = Path.Combine(data, "run", "control.sock");
        try
        {
            Console.WriteLine(await ControlClient.RequestAsync(socket, "status"));
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            throw new CliException(ExitCodes.RuntimeFailure, $"no supervisor answers at {socket} ({e.Message}); is letterbox running with --data {data}?");
        }
    }
}
