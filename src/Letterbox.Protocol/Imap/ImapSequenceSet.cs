using System.Collections;
using System.Globalization;
using System.Text;

namespace Letterbox.Protocol.Imap;

/// <summary>
/// One element of a sequence set as sent: a number, or a range "a:b" in either order. "*" (the
/// largest number in use) is <see cref="Star"/>, which is 0 since real numbers start at 1.
/// </summary>
public readonly record struct ImapSequenceRange(uint First, uint Last)
{
    /// <summary>"*": the largest number in use (RFC 9051 §9 seq-number).</summary>
    public const uint Star = 0;

    public bool IsSingle => First == Last;

    public override string ToString() => IsSingle ? Text(First) : Text(First) + ":" + Text(Last);

    internal static string Text(uint n) => n == Star ? "*" : n.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// A parsed sequence set (RFC 9051 §4.1.1, §9): message sequence numbers or UIDs, kept as the ranges
/// the client sent, never expanded. "1:4294967295" is one range, not four billion numbers.
/// </summary>
/// <remarks>
/// <para>"*" stays symbolic until <see cref="Resolve"/> is given the largest number in use: for
/// sequence numbers the message count; for UIDs the UID of the last message or, in an empty mailbox,
/// UIDNEXT (RFC 9051 §9 seq-number). "$" (RFC 5182 SEARCHRES) is <see cref="IsSavedResult"/>: the
/// server substitutes its saved search result.</para>
/// <para>The parser caps the number of ranges (<see cref="ImapParseOptions.MaxSequenceRanges"/>), so
/// a set costs at most that many entries whatever the client sends.</para>
/// </remarks>
public sealed class ImapSequenceSet
{
    private readonly ImapSequenceRange[] _ranges;

    private ImapSequenceSet(ImapSequenceRange[] ranges, bool saved)
    {
        _ranges = ranges;
        IsSavedResult = saved;
    }

    /// <summary>"$": the result saved by SEARCH RETURN (SAVE) (RFC 5182 §2.1).</summary>
    public static ImapSequenceSet SavedResult { get; } = new([], saved: true);

    /// <summary>A set of the given ranges (at least one).</summary>
    public static ImapSequenceSet Of(params ImapSequenceRange[] ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        if (ranges.Length == 0)
            throw new ArgumentException("A sequence set has at least one element.", nameof(ranges));
        return new([.. ranges], saved: false);
    }

    /// <summary>The ranges as sent, in order; empty for "$".</summary>
    public IReadOnlyList<ImapSequenceRange> Ranges => _ranges;

    /// <summary>"$" (RFC 5182).</summary>
    public bool IsSavedResult { get; }

    /// <summary>Some element is or ends in "*".</summary>
    public bool HasStar
    {
        get
        {
            foreach (var r in _ranges)
                if (r.First == ImapSequenceRange.Star || r.Last == ImapSequenceRange.Star)
                    return true;
            return false;
        }
    }

    /// <summary>
    /// For message sequence numbers: every number is at most <paramref name="messageCount"/>, and "*"
    /// is not used on an empty mailbox. When false, answer BAD (RFC 9051 §9 seq-number: "The server
    /// should respond with a tagged BAD response to a command that uses a message sequence number
    /// greater than the number of messages in the selected mailbox. This includes "*" if the
    /// selected mailbox is empty.").
    /// </summary>
    public bool IsValidFor(uint messageCount)
    {
        if (IsSavedResult)
            return true;
        foreach (var r in _ranges)
        {
            if (r.First > messageCount || r.Last > messageCount)
                return false;
            if (messageCount == 0 && (r.First == ImapSequenceRange.Star || r.Last == ImapSequenceRange.Star))
                return false;
        }
        return true;
    }

    /// <summary>
    /// The set with "*" replaced by <paramref name="largest"/>, as sorted, merged, non-overlapping
    /// ranges. With <paramref name="largest"/> 0 (nothing in use), "*" matches nothing and the
    /// elements that use it are dropped.
    /// Cost: O(r log r) for r ranges, whatever numbers they span. Not for "$".
    /// </summary>
    public ImapResolvedSet Resolve(uint largest)
    {
        if (IsSavedResult)
            throw new InvalidOperationException("Substitute the saved search result for \"$\" first.");
        var list = new List<(uint First, uint Last)>(_ranges.Length);
        foreach (var r in _ranges)
        {
            if (!TryResolve(r, largest, out uint a, out uint b))
                continue;
            list.Add((a, b));
        }
        return ImapResolvedSet.FromRanges(list);
    }

    /// <summary>Whether <paramref name="number"/> is in the set, "*" standing for <paramref name="largest"/>. O(ranges); resolve once for many look-ups.</summary>
    public bool Contains(uint number, uint largest)
    {
        if (IsSavedResult)
            throw new InvalidOperationException("Substitute the saved search result for \"$\" first.");
        if (number == 0)
            return false;
        foreach (var r in _ranges)
            if (TryResolve(r, largest, out uint a, out uint b) && number >= a && number <= b)
                return true;
        return false;
    }

    private static bool TryResolve(ImapSequenceRange r, uint largest, out uint a, out uint b)
    {
        a = r.First == ImapSequenceRange.Star ? largest : r.First;
        b = r.Last == ImapSequenceRange.Star ? largest : r.Last;
        if (a == 0 || b == 0)
            return false; // "*" with nothing in use
        if (a > b)
            (a, b) = (b, a);
        return true;
    }

    /// <summary>The wire form: "1:5,7,9:*" or "$".</summary>
    public override string ToString() => IsSavedResult ? "$" : string.Join(',', _ranges);

    /// <summary>
    /// Parses a whole sequence set (RFC 9051 §9 sequence-set, with "$" from RFC 5182), refusing more
    /// than <paramref name="maxRanges"/> elements. Never throws on input.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, int maxRanges, out ImapSequenceSet? set)
    {
        set = null;
        int end = Parse(text, maxRanges, out var parsed, out _);
        if (end != text.Length || parsed is null)
            return false;
        set = parsed;
        return true;
    }

    /// <summary>
    /// Parses a sequence set at the start of <paramref name="text"/>; returns how many bytes it took
    /// (-1 on error, with a reason). Stops at the first byte that cannot continue the set.
    /// </summary>
    internal static int Parse(ReadOnlySpan<byte> text, int maxRanges, out ImapSequenceSet? set, out string? error)
    {
        set = null;
        error = null;
        if (!text.IsEmpty && text[0] == (byte)'$')
        {
            set = SavedResult;
            return 1;
        }
        var ranges = new List<ImapSequenceRange>();
        int i = 0;
        while (true)
        {
            if (!TryNumber(text, ref i, out uint first))
                return Fail("Bad sequence set", out error);
            uint last = first;
            if (i < text.Length && text[i] == (byte)':')
            {
                i++;
                if (!TryNumber(text, ref i, out last))
                    return Fail("Bad sequence set", out error);
            }
            if (ranges.Count == maxRanges)
                return Fail("Too many elements in sequence set", out error);
            ranges.Add(new(first, last));
            if (i < text.Length && text[i] == (byte)',')
            {
                i++;
                continue;
            }
            break;
        }
        set = new([.. ranges], saved: false);
        return i;
    }

    private static int Fail(string reason, out string? error)
    {
        error = reason;
        return -1;
    }

    // seq-number = nz-number / "*"; nz-number = digit-nz *DIGIT, below 2^32.
    private static bool TryNumber(ReadOnlySpan<byte> text, ref int i, out uint value)
    {
        value = 0;
        if (i >= text.Length)
            return false;
        if (text[i] == (byte)'*')
        {
            i++;
            value = ImapSequenceRange.Star;
            return true;
        }
        if (text[i] < (byte)'1' || text[i] > (byte)'9')
            return false;
        ulong n = 0;
        while (i < text.Length && ImapChars.IsDigit(text[i]))
        {
            n = n * 10 + (uint)(text[i] - '0');
            if (n > uint.MaxValue)
                return false;
            i++;
        }
        value = (uint)n;
        return true;
    }

    /// <summary>
    /// Formats numbers as a compact set, keeping their order: runs of consecutive ascending numbers
    /// become "a:b" ("3,4,5,9" → "3:5,9"). For COPYUID, APPENDUID, MODIFIED and ESEARCH ALL.
    /// </summary>
    public static string Format(IEnumerable<uint> numbers)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        var sb = new StringBuilder();
        bool open = false;
        uint start = 0, prev = 0;
        foreach (uint n in numbers)
        {
            if (n == 0)
                throw new ArgumentException("Sequence numbers and UIDs start at 1.", nameof(numbers));
            if (open && prev != uint.MaxValue && n == prev + 1)
            {
                prev = n;
                continue;
            }
            if (open)
                Flush(sb, start, prev);
            start = prev = n;
            open = true;
        }
        if (!open)
            throw new ArgumentException("A sequence set has at least one element.", nameof(numbers));
        Flush(sb, start, prev);
        return sb.ToString();
    }

    private static void Flush(StringBuilder sb, uint start, uint end)
    {
        if (sb.Length > 0)
            sb.Append(',');
        sb.Append(start.ToString(CultureInfo.InvariantCulture));
        if (end != start)
            sb.Append(':').Append(end.ToString(CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// A sequence set with "*" resolved: sorted, merged, non-overlapping ranges. Look-ups are binary
/// searches; enumeration yields each number once, in ascending order.
/// </summary>
public sealed class ImapResolvedSet : IEnumerable<uint>
{
    private readonly (uint First, uint Last)[] _ranges;

    private ImapResolvedSet((uint, uint)[] ranges)
    {
        _ranges = ranges;
        long count = 0;
        foreach (var (a, b) in ranges)
            count += (long)b - a + 1;
        Count = count;
    }

    internal static ImapResolvedSet FromRanges(List<(uint First, uint Last)> ranges)
    {
        ranges.Sort((x, y) => x.First.CompareTo(y.First));
        var merged = new List<(uint First, uint Last)>(ranges.Count);
        foreach (var r in ranges)
        {
            if (merged.Count > 0)
            {
                var last = merged[^1];
                if ((ulong)r.First <= (ulong)last.Last + 1)
                {
                    if (r.Last > last.Last)
                        merged[^1] = (last.First, r.Last);
                    continue;
                }
            }
            merged.Add(r);
        }
        return new([.. merged]);
    }

    /// <summary>The sorted, disjoint, non-adjacent ranges.</summary>
    public IReadOnlyList<(uint First, uint Last)> Ranges => _ranges;

    /// <summary>How many numbers the set holds (up to 2^32 - 1).</summary>
    public long Count { get; }

    public bool IsEmpty => _ranges.Length == 0;

    /// <summary>The smallest number, or 0 when empty.</summary>
    public uint Min => _ranges.Length == 0 ? 0 : _ranges[0].First;

    /// <summary>The largest number, or 0 when empty.</summary>
    public uint Max => _ranges.Length == 0 ? 0 : _ranges[^1].Last;

    public bool Contains(uint number)
    {
        int lo = 0, hi = _ranges.Length - 1;
        while (lo <= hi)
        {
            int mid = lo + (hi - lo) / 2;
            var (a, b) = _ranges[mid];
            if (number < a)
                hi = mid - 1;
            else if (number > b)
                lo = mid + 1;
            else
                return true;
        }
        return false;
    }

    public IEnumerator<uint> GetEnumerator()
    {
        foreach (var (a, b) in _ranges)
        {
            for (uint n = a; ; n++)
            {
                yield return n;
                if (n == b)
                    break;
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The canonical wire form ("1:3,7"), or "" when empty.</summary>
    public override string ToString() => string.Join(',', _ranges.Select(r =>
        r.First == r.Last ? ImapSequenceRange.Text(r.First) : ImapSequenceRange.Text(r.First) + ":" + ImapSequenceRange.Text(r.Last)));
}
