using System.CommandLine;
using Letterbox.Cli;

namespace Letterbox;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = Commands.Build();
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
                Console.Error.WriteLine($"error: {error.Message}");
            Console.Error.WriteLine("see 'letterbox --help'");
            return ExitCodes.UsageOrConfig;
        }
        try
        {
            // We handle SIGTERM/SIGINT ourselves: the supervisor must drain its daemons, not be cut off.
            return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
        }
        catch (CliException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return e.ExitCode;
        }
    }
}
