using System.CommandLine;
using System.Globalization;
using Letterbox.Delivery.Queue;
using Letterbox.Net.Unix;

namespace Letterbox.Cli;

/// <summary>
/// `letterbox queue list|show|flush|delete|bounce`: the outbound queue under the data directory, which
/// the queue daemon works through while these commands read and change it (each change holds the
/// entry's lock, so it never races a delivery in progress). As root the commands act as the owner of
/// the data directory, so the files they rewrite stay the daemons'.
/// </summary>
public static class QueueCommands
{
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);

    public static void Add(RootCommand root, Option<string?> data)
    {
        var queue = new Command("queue", "The outbound queue: mail waiting for delivery to other hosts.");
        var id = new Argument<string>("ID") { Description = "A queue id, as `letterbox queue list` shows it." };

        var list = new Command("list", "List queued messages: id, age, size, sender, recipients still pending, attempts, next attempt, last error.");
        list.SetAction(pr => WithQueue(pr.GetValue(data), List));
        var show = new Command("show", "Show one queued message: envelope, each recipient's state and last reply, and the message header.") { Arguments = { id } };
        show.SetAction(pr => WithQueue(pr.GetValue(data), q => Show(q, pr.GetValue(id)!)));
        var flush = new Command("flush", "Try every queued message now instead of at its next retry time.");
        flush.SetAction(pr => WithQueue(pr.GetValue(data), q =>
        {
            q.RequestFlush();
            Console.WriteLine($"flush requested for {q.Ids().Count} queued message(s)");
            return ExitCodes.Ok;
        }));
        var delete = new Command("delete", "Remove a message from the queue without delivering it or telling the sender.") { Arguments = { id } };
        delete.SetAction((pr, ct) => WithQueueAsync(pr.GetValue(data), q => DeleteAsync(q, pr.GetValue(id)!, ct)));
        var bounce = new Command("bounce", "Give up on a queued message: its pending recipients fail, and the sender gets a DSN (sent by the queue daemon).") { Arguments = { id } };
        bounce.SetAction((pr, ct) => WithQueueAsync(pr.GetValue(data), q => BounceAsync(q, pr.GetValue(id)!, ct)));
        foreach (var c in new[] { list, show, flush, delete, bounce })
            queue.Subcommands.Add(c);
        root.Subcommands.Add(queue);
    }

    private static int List(OutboundQueue queue)
    {
        var entries = queue.List();
        var now = DateTimeOffset.UtcNow;
        Console.WriteLine($"{"ID",-22} {"AGE",7} {"SIZE",8} {"TRIES",5} {"NEXT",7}  FROM -> PENDING RECIPIENTS (LAST ERROR)");
        foreach (var e in entries)
        {
            var pending = e.Pending.ToList();
            string next = pending.Count == 0 ? "-" : e.NextAttempt <= now ? "now" : Span(e.NextAttempt - now);
            string error = pending.Select(r => r.LastError).FirstOrDefault(x => x is not null) ?? "";
            Console.WriteLine($"{e.Id,-22} {Span(now - e.Created),7} {e.Size,8} {e.Attempts,5} {next,7}  <{e.From}> -> {string.Join(", ", pending.Select(r => r.Address))}"
                + (error.Length > 0 ? $" ({Shorten(error, 100)})" : ""));
        }
        Console.WriteLine($"{entries.Count} message(s) queued");
        return ExitCodes.Ok;
    }

    private static int Show(OutboundQueue queue, string id)
    {
        var e = Find(queue, id);
        Console.WriteLine($"id: {e.Id}");
        Console.WriteLine($"from: <{e.From}>{(e.IsBounce ? " (a bounce)" : "")}");
        if (e.SubmittedBy is not null)
            Console.WriteLine($"submitted-by: {e.SubmittedBy}");
        Console.WriteLine($"queued: {e.Created.ToString("u", CultureInfo.InvariantCulture)}");
        Console.WriteLine($"size: {e.Size}");
        Console.WriteLine($"attempts: {e.Attempts}");
        Console.WriteLine($"next-attempt: {e.NextAttempt.ToString("u", CultureInfo.InvariantCulture)}");
        foreach (var r in e.Recipients)
        {
            Console.WriteLine($"recipient: {r.Address} state={r.State.ToString().ToLowerInvariant()} attempts={r.Attempts}"
                + (r.Status is null ? "" : $" status={r.Status}") + (r.RemoteMta is null ? "" : $" remote={r.RemoteMta}"));
            if (r.LastError is not null)
                Console.WriteLine($"  last-error: {r.LastError}");
        }
        Console.WriteLine();
        using var reader = new StreamReader(queue.MessagePath(e.Id));
        for (string? line = reader.ReadLine(); !string.IsNullOrEmpty(line); line = reader.ReadLine())
            Console.WriteLine(line);
        return ExitCodes.Ok;
    }

    private static async Task<int> DeleteAsync(OutboundQueue queue, string id, CancellationToken ct)
    {
        Find(queue, id);
        using var held = await queue.LockAsync(id, LockWait, ct)
            ?? throw new CliException(ExitCodes.RuntimeFailure, $"{id} is being delivered right now; try again");
        queue.Remove(id);
        Console.WriteLine($"deleted {id}");
        return ExitCodes.Ok;
    }

    private static async Task<int> BounceAsync(OutboundQueue queue, string id, CancellationToken ct)
    {
        Find(queue, id);
        using (var held = await queue.LockAsync(id, LockWait, ct)
            ?? throw new CliException(ExitCodes.RuntimeFailure, $"{id} is being delivered right now; try again"))
        {
            var e = Find(queue, id);
            var now = DateTimeOffset.UtcNow;
            foreach (var r in e.Pending.ToList())
            {
                r.State = RecipientState.Failed;
                r.Status = "5.0.0";
                r.LastError = "returned by the administrator" + (r.LastError is null ? "" : $"; last error: {r.LastError}");
                r.Finished = now;
            }
            e.NextAttempt = now;
            queue.Save(e);
        }
        queue.RequestFlush();
        Console.WriteLine($"{id}: pending recipients failed; the queue daemon sends the DSN and removes it");
        return ExitCodes.Ok;
    }

    private static Envelope Find(OutboundQueue queue, string id) =>
        queue.Read(id) ?? throw new CliException(ExitCodes.UsageOrConfig, $"no queued message {id}");

    private static int WithQueue(string? dataOption, Func<OutboundQueue, int> action) =>
        action(Open(dataOption));

    private static Task<int> WithQueueAsync(string? dataOption, Func<OutboundQueue, Task<int>> action) =>
        action(Open(dataOption));

    private static OutboundQueue Open(string? dataOption)
    {
        var data = Commands.ResolveDataDirectory(dataOption, Commands.DefaultDataDirectory);
        if (!Directory.Exists(data))
            throw new CliException(ExitCodes.RuntimeFailure, $"data directory {data} does not exist (start letterbox once, or pass --data)");
        if (UnixUser.IsRoot)
            UnixUser.BecomeOwnerOf(data);
        return new OutboundQueue(data);
    }

    private static string Span(TimeSpan t) =>
        t.TotalDays >= 1 ? $"{(int)t.TotalDays}d{t.Hours}h"
        : t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes}m"
        : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds}s"
        : $"{Math.Max(0, (int)t.TotalSeconds)}s";

    private static string Shorten(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
