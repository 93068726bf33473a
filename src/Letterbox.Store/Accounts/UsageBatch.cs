namespace Letterbox.Store;

/// <summary>
/// Quota usage added by deliveries, written to the database in the background, many deliveries in
/// one transaction. Each delivery used to take the database's write lock for its own one-row update;
/// with ten sessions delivering at once they queued on that lock, and SQLite's busy handler sleeps
/// in steps of milliseconds, which cost more than the delivery itself. Usage is a counter that can be
/// recounted from the Maildir names (the maintenance run does it at start-up and daily), so a delta
/// lost in a crash is drift, not lost mail, the same bargain as its <c>synchronous = NORMAL</c> writes.
/// This process sees its own unwritten deltas (<see cref="Read"/>), so a quota check right
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
    // A sequence lock over commits: odd while a batch is being committed, bumped again once its
    // deltas have left `inflight`. A reader that saw the same even value before and after its
    // database read knows the read and the unwritten deltas it took describe one moment.
    private long generation;

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

    /// <summary>
    /// Runs <paramref name="read"/> (a database read) and hands its result to <paramref name="adjust"/>
    /// with this process's unwritten deltas as they stood against that very read: a batch committed
    /// while it ran would otherwise be counted twice, or not at all.
    /// </summary>
    public T Read<T>(Func<T> read, Func<T, Func<string, long>, T> adjust)
    {
        var spin = new SpinWait();
        while (true)
        {
            long before;
            Dictionary<string, long>? unwritten = null;
            lock (gate)
            {
                before = generation;
                if (pending.Count + inflight.Count > 0)
                {
                    unwritten = new(inflight, StringComparer.Ordinal);
                    foreach (var (address, delta) in pending)
                    {
                        unwritten[address] = unwritten.GetValueOrDefault(address) + delta;
                    }
                }
            }
            if ((before & 1) == 0)
            {
                T value = read();
                lock (gate)
                {
                    if (generation == before)
                    {
                        return unwritten is null ? value : adjust(value, a => unwritten.GetValueOrDefault(a));
                    }
                }
            }
            spin.SpinOnce();
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
                bool committing = false;
                try
                {
                    using var db = openCounters();
                    foreach (var (address, delta) in inflight)
                    {
                        AccountStore.AddUsage(db, address, delta);
                    }
                    lock (gate)
                    {
                        generation++;
                    }
                    committing = true;
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
                        if (committing)
                        {
                            generation++;
                        }
                    }
                }
            }
        }
    }
}
