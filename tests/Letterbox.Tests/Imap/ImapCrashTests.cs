using System.Collections.Concurrent;
using System.Text.Json;
using Letterbox.Tests.Harness;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;
using Xunit.Abstractions;

namespace Letterbox.Tests.Imap;

/// <summary>
/// kill -9 of the IMAP daemon in the middle of an APPEND/MOVE storm from several MailKit clients.
/// Every message is owned by one client, which keeps a ledger of where each of its messages is
/// (folder and UID, as the server's OK with APPENDUID/COPYUID said) and which operation was in
/// flight when the connection died. After the supervisor has started the daemon again, a fresh
/// session reads every folder and the ledger must match: nothing lost, nothing twice, and every
/// UID that was confirmed unchanged.
/// </summary>
public sealed class ImapCrashTests(ITestOutputHelper output) : IDisposable
{
    private readonly DevAppliance _lb = new();
    private const string User = "demo@example.test";
    private static readonly string[] Folders = ["INBOX", "Storm1", "Storm2"];
    private const int Clients = 4;
    private const int MaxOpsPerClient = 300;

    public void Dispose() => _lb.Dispose();

    private sealed record Place(string Folder, uint Uid);

    /// <summary>One client's knowledge: confirmed places, and the operation cut off by the kill.</summary>
    private sealed class Ledger
    {
        public readonly Dictionary<string, Place> Confirmed = new();
        public string? AppendInFlight;
        public (string MessageId, Place From, string To)? MoveInFlight;
    }

    private async Task<ImapClient> ConnectAsync()
    {
        var client = new ImapClient();
        client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await client.ConnectAsync("127.0.0.1", _lb.Offset + 993, SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync(User, _lb.DemoPassword);
        return client;
    }

    private int ImapPid()
    {
        var r = Tool.Run(LetterboxProcess.BinaryPath, ["status", "--data", _lb.DataDirectory]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return JsonDocument.Parse(r.Stdout).RootElement.GetProperty("daemons").GetProperty("imap").GetProperty("pid").GetInt32();
    }

    [Fact]
    public async Task Kill_9_during_an_append_and_move_storm_loses_and_duplicates_nothing_and_keeps_uids()
    {
        var uidValidity = new Dictionary<string, uint>();
        using (var setup = await ConnectAsync())
        {
            var root = setup.GetFolder(setup.PersonalNamespaces[0]);
            foreach (var name in Folders.Skip(1))
                await root.CreateAsync(name, true);
            foreach (var name in Folders)
            {
                var f = await setup.GetFolderAsync(name);
                await f.StatusAsync(StatusItems.UidValidity);
                uidValidity[name] = f.UidValidity;
            }
            await setup.DisconnectAsync(true);
        }

        int pid = ImapPid();
        int confirmedOps = 0;
        var ledgers = Enumerable.Range(0, Clients).Select(_ => new Ledger()).ToArray();
        var errors = new ConcurrentQueue<string>();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var storm = Enumerable.Range(0, Clients).Select(i => Task.Run(async () =>
        {
            var ledger = ledgers[i];
            var random = new Random(i * 7919 + Environment.TickCount);
            using var client = await ConnectAsync();
            try
            {
                for (int op = 0; op < MaxOpsPerClient && !bound.IsCancellationRequested; op++)
                {
                    if (ledger.Confirmed.Count < 3 || random.Next(100) < 55)
                    {
                        string id = $"storm-{i}-{op}@crash.test";
                        var folder = await client.GetFolderAsync(Folders[random.Next(Folders.Length)]);
                        var message = new MimeMessage { MessageId = id, Subject = $"storm {i} {op}" };
                        message.From.Add(new MailboxAddress("", "storm@example.org"));
                        message.To.Add(new MailboxAddress("", User));
                        message.Body = new TextPart("plain") { Text = new string('x', random.Next(100, 4000)) };
                        ledger.AppendInFlight = id;
                        var uid = await folder.AppendAsync(message, MessageFlags.None, bound.Token);
                        Assert.NotNull(uid);
                        ledger.Confirmed[id] = new Place(folder.FullName, uid!.Value.Id);
                        ledger.AppendInFlight = null;
                    }
                    else
                    {
                        var (id, from) = ledger.Confirmed.ElementAt(random.Next(ledger.Confirmed.Count));
                        string to = Folders.Where(f => f != from.Folder).ElementAt(random.Next(Folders.Length - 1));
                        var source = await client.GetFolderAsync(from.Folder);
                        if (!source.IsOpen)
                            await source.OpenAsync(FolderAccess.ReadWrite, bound.Token);
                        ledger.MoveInFlight = (id, from, to);
                        var moved = await source.MoveToAsync(new UniqueId(from.Uid), await client.GetFolderAsync(to), bound.Token);
                        Assert.NotNull(moved);
                        ledger.Confirmed[id] = new Place(to, moved!.Value.Id);
                        ledger.MoveInFlight = null;
                    }
                    Interlocked.Increment(ref confirmedOps);
                }
            }
            catch (Exception e) when (e is IOException or ImapProtocolException or ImapCommandException or OperationCanceledException or ServiceNotConnectedException)
            {
                // The kill: the ledger keeps the operation that was cut off.
                errors.Enqueue($"client {i}: {e.GetType().Name}: {e.Message}");
            }
        })).ToArray();

        // Let the storm reach full speed, then kill at a point that is not a command boundary of ours.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Volatile.Read(ref confirmedOps) < 80 + Random.Shared.Next(40) && DateTime.UtcNow < deadline)
            await Task.Delay(5);
        Assert.True(Native.Kill(pid, Native.SIGKILL));
        await Task.WhenAll(storm);
        output.WriteLine($"ops confirmed before the kill: {confirmedOps}; {string.Join("; ", errors)}");
        Assert.True(errors.Count == Clients, "every client was cut off by the kill");

        _lb.WaitHealthy(TimeSpan.FromSeconds(60));
        Assert.NotEqual(pid, ImapPid());

        // What the server holds now: Message-ID -> places.
        var found = new Dictionary<string, List<Place>>();
        using (var check = await ConnectAsync())
        {
            foreach (var name in Folders)
            {
                var folder = await check.GetFolderAsync(name);
                await folder.OpenAsync(FolderAccess.ReadOnly);
                Assert.Equal(uidValidity[name], folder.UidValidity);
                if (folder.Count == 0)
                    continue;
                foreach (var s in await folder.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Envelope))
                {
                    string id = s.Envelope!.MessageId ?? "(none)";
                    if (!found.TryGetValue(id, out var places))
                        found[id] = places = [];
                    places.Add(new Place(name, s.UniqueId.Id));
                }
            }
            await check.DisconnectAsync(true);
        }

        int inFlight = 0;
        foreach (var ledger in ledgers)
        {
            foreach (var (id, place) in ledger.Confirmed)
            {
                var places = found.GetValueOrDefault(id) ?? [];
                if (ledger.MoveInFlight is (string movingId, Place movingFrom, string movingTo) && movingId == id)
                {
                    // Cut off mid-MOVE: in its old place with its old UID, or in the destination; not both.
                    var p = Assert.Single(places);
                    Assert.True(p == movingFrom || p.Folder == movingTo, $"{id} at {p}, moving {movingFrom} -> {movingTo}");
                    inFlight++;
                }
                else
                {
                    Assert.True(places.Count == 1 && places[0] == place, $"{id}: confirmed at {place}, found at [{string.Join(", ", places)}]");
                }
                found.Remove(id);
            }
            if (ledger.AppendInFlight is string appending)
            {
                // Cut off mid-APPEND: stored once or not at all.
                Assert.True(found.GetValueOrDefault(appending) is null or { Count: 1 }, $"{appending} stored twice");
                found.Remove(appending);
                inFlight++;
            }
        }
        Assert.Empty(found);
        output.WriteLine($"messages checked: {ledgers.Sum(l => l.Confirmed.Count)}, cut off mid-command: {inFlight}");
    }
}
