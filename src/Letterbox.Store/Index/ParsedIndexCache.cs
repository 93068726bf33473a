namespace Letterbox.Store;

/// <summary>
/// The last index each folder had in this process, parsed, with the exact bytes it was parsed
/// from (or written as). A transaction still reads <c>letterbox-uidlist</c> under the lock every
/// time; when the bytes are the same as the cached ones it takes the parsed copy instead of
/// parsing and checksumming again (a few hundred microseconds and a few thousand objects for a
/// folder of 500 messages, on every command of every session). Byte equality is the test, not
/// file times or inode numbers, which can repeat within a clock tick: any change by any process
/// shows.
/// </summary>
/// <remarks>
/// <para>With it goes what is known of <c>cur/</c>: its modification time when that is old
/// enough to trust (<see cref="CurState"/>), so that a transaction can skip listing a quiet
/// cur/ (hundreds of names read and hashed) and take the index's names for it.</para>
/// A transaction takes the entry out (it mutates the parsed index) and puts it back only when it
/// ends well, so a transaction that fails half-way leaves nothing behind; the folder's lock
/// makes the taker the only user. Bounded: at most <see cref="Capacity"/> folders; past that an
/// arbitrary entry goes.
/// </remarks>
internal static class ParsedIndexCache
{
    public const int Capacity = 256;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (byte[] Bytes, UidList Index, CurState? Cur)> Entries =
        new(StringComparer.Ordinal);

    /// <summary>
    /// What a transaction knew of cur/: the names in the index are exactly the files there as of
    /// <see cref="Modified"/>, cur/'s modification time, which was already older than the listing
    /// behind it by more than any timestamp granularity, so any later change to cur/ moves it.
    /// </summary>
    /// <param name="Modified">cur/'s modification time (UTC).</param>
    /// <param name="ListedAt">Wall-clock time of the listing the index's names come from.</param>
    /// <param name="ListedTick">The same as <see cref="Environment.TickCount64"/>, to list again after a while whatever the times say.</param>
    public sealed record CurState(DateTime Modified, DateTime ListedAt, long ListedTick);

    /// <summary>The parsed index of <paramref name="bytes"/> read from the folder at <paramref name="directory"/>, if cached, with what was known of its cur/; it is no longer cached.</summary>
    public static (UidList Index, CurState? Cur)? Take(string directory, byte[] bytes) =>
        Entries.TryRemove(directory, out var cached) && cached.Bytes.AsSpan().SequenceEqual(bytes) ? (cached.Index, cached.Cur) : null;

    /// <summary>Remembers <paramref name="index"/> as the parse of <paramref name="bytes"/>, which the caller must no longer change.</summary>
    public static void Put(string directory, byte[] bytes, UidList index, CurState? cur)
    {
        if (Entries.Count >= Capacity && !Entries.ContainsKey(directory))
        {
            foreach (var key in Entries.Keys)
            {
                Entries.TryRemove(key, out _);
                break;
            }
        }
        Entries[directory] = (bytes, index, cur);
    }

    /// <summary>Forgets every folder (tests: a cold start).</summary>
    public static void Clear() => Entries.Clear();
}
