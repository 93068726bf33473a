using Letterbox.Store;

namespace Letterbox.Delivery.Queue;

/// <summary>
/// Group commit of a directory's fsync: callers that renamed into the directory ask for a sync, and
/// every caller that asks while one runs is served by the next one, which starts after their renames.
/// Under many concurrent enqueues this turns one directory fsync per message into one per batch,
/// each caller still waiting for a sync that began after its own rename.
/// </summary>
internal sealed class GroupSync(string directory)
{
    private readonly object gate = new();
    private bool busy;
    private TaskCompletionSource? waiting;

    /// <summary>Completes when an fsync of the directory that started after this call has finished.</summary>
    public Task SyncAsync()
    {
        TaskCompletionSource batch;
        lock (gate)
        {
            waiting ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            batch = waiting;
            if (busy)
                return batch.Task;
            busy = true;
        }
        _ = Task.Run(Drain);
        return batch.Task;
    }

    /// <summary>Syncs for each batch in turn until nobody waits.</summary>
    private void Drain()
    {
        while (true)
        {
            TaskCompletionSource batch;
            lock (gate)
            {
                if (waiting is null)
                {
                    busy = false;
                    return;
                }
                batch = waiting;
                waiting = null;
            }
            try
            {
                Durable.FsyncDirectory(directory);
                batch.SetResult();
            }
            catch (Exception e)
            {
                batch.SetException(e);
            }
        }
    }
}
