namespace Letterbox.Store;

/// <summary>
/// Quota usage added by deliveries, written to the database in the background, many deliveries in
/// one transaction. Each delivery used to take the database's write lock for its own one-row update;
/// with ten sessions delivering at once they queued on that lock, and SQLite's busy handler sleeps
/// in steps of milliseconds, which cost more than the delivery itself. Usage is a counter that can be
/// recounted from the Maildir names (the maintenance run does it at start-up and daily), so a delta
/// lost in a crash is drift, not lost mail, the same bargain as its <c>synchronous = NORMAL</c> writes.
/// This process sees its own unwritten deltas (<see cref="Unwritten"/>), so a quota check right
/// after a delivery counts it; other processes see it once the batch is written, milliseconds later.
/// </summary>
internal sealed class UsageBatch(Func<Database> openCounters)
{
    private readonly object gate = new();
    // Held while a batch is being written, so a recount never races a write of older deltas.
    private readonly object writing = new();
    private Dictionary<string, long> pending = new(StringComparer.Ordinal);
    private Dictionary<string, long> inflight = new(StringComparer.Ordinal);
    private bool scheduled;

    /// <summary>Adds <paramref name="deltaBytes"/> to a canonical address's usage, written soon.</summary>
    public void Add(string canonicalAddress, long deltaBytes)
    {
        lock (gate)
        {
            pending[canonicalAddress] = pending.GetValueOrDefault(canonicalAddress) + deltaBytes;
            if (scheduled)
            {
                return;
            }
            scheduled = true;
        }
        ThreadPool.UnsafeQueueUserWorkItem(static batch => batch.WriteAll(), this, preferLocal: false);
    }

    /// <summary>The bytes added for this address in this process and not yet in the database.</summary>
    public long Unwritten(string canonicalAddress)
    {
        lock (gate)
        {
            return pending.GetValueOrDefault(canonicalAddress) + inflight.GetValueOrDefault(canonicalAddress);
        }
    }

    /// <summary>
    /// Runs <paramref name="recount"/> (which sets the address's usage from the files) with no batch
    /// being written, and forgets this address's unwritten deltas: the files already count them.
    /// </summary>
    public T Replace<T>(string canonicalAddress, Func<T> recount)
    {
        lock (writing)
        {
            lock (gate)
            {
                pending.Remove(canonicalAddress);
            }
            return recount();
        }
    }

    /// <summary>Writes every pending delta, a transaction per round, until none is left.</summary>
    private void WriteAll()
    {
        while (true)
        {
            lock (writing)
            {
                lock (gate)
                {
                    if (pending.Count == 0)
                    {
                        scheduled = false;
                        return;
                    }
                    (inflight, pending) = (pending, new(StringComparer.Ordinal));
                }
                try
                {
                    using var db = openCounters();
                    foreach (var (address, delta) in inflight)
                    {
                        AccountStore.AddUsage(db, address, delta);
                    }
                    db.Commit();
                }
                catch (Exception)
                {
                    // Whatever the database said (full disk, busy past the timeout), this runs on the
                    // thread pool, where a throw would take the daemon down for a counter: the deltas
                    // are dropped and the next maintenance recount repairs the figure.
                }
                finally
                {
                    lock (gate)
                    {
                        inflight = new(StringComparer.Ordinal);
                    }
                }
            }
        }
    }
}
