namespace Letterbox.Protocol.Dns;

/// <summary>Why a name on the wire was rejected.</summary>
public enum DnsNameError
{
    None,
    /// <summary>The message ends inside the name.</summary>
    Truncated,
    /// <summary>
    /// A compression pointer (RFC 1035 §4.1.4) that does not point strictly before where the
    /// labels it continues started: forward pointers and loops are both refused this way, so
    /// reading always ends.
    /// </summary>
    BadPointer,
    /// <summary>Label types 01 and 10 (RFC 6891 §5 deprecated extended labels): a "label" of 64+ octets.</summary>
    ReservedLabelType,
    /// <summary>More than 255 octets once expanded (RFC 1035 §2.3.4).</summary>
    NameTooLong,
}

/// <summary>Reads names, following compression pointers with the defences above. No allocation but for <see cref="TryRead"/>.</summary>
public static class DnsNameReader
{
    /// <summary>Longest key <see cref="TryReadKey"/> can produce: every octet escaped as \DDD, plus dots.</summary>
    public const int MaxKeyLength = DnsName.MaxWireLength * 4 + 1;

    /// <summary>Walks the labels of one name.</summary>
    private ref struct LabelWalker(ReadOnlySpan<byte> message, int offset)
    {
        private readonly ReadOnlySpan<byte> _message = message;
        private int _position = offset;
        private int _limit = offset;
        private int _end = -1;
        private int _wireLength = 1;

        public DnsNameError Error;

        /// <summary>Where the name ends in the message (after its first pointer, if any).</summary>
        public readonly int End => _end;

        public bool Next(out ReadOnlySpan<byte> label)
        {
            label = default;
            while (true)
            {
                if (_position >= _message.Length)
                {
                    Error = DnsNameError.Truncated;
                    return false;
                }
                byte b = _message[_position];
                switch (b & 0xC0)
                {
                    case 0x00:
                        if (b == 0)
                        {
                            if (_end < 0)
                                _end = _position + 1;
                            return false;
                        }
                        if (_position + 1 + b > _message.Length)
                        {
                            Error = DnsNameError.Truncated;
                            return false;
                        }
                        _wireLength += 1 + b;
                        if (_wireLength > DnsName.MaxWireLength)
                        {
                            Error = DnsNameError.NameTooLong;
                            return false;
                        }
                        label = _message.Slice(_position + 1, b);
                        _position += 1 + b;
                        return true;
                    case 0xC0:
                        if (_position + 1 >= _message.Length)
                        {
                            Error = DnsNameError.Truncated;
                            return false;
                        }
                        int target = ((b & 0x3F) << 8) | _message[_position + 1];
                        if (_end < 0)
                            _end = _position + 2;
                        // Strictly backwards from where this run of labels began: each jump lowers
                        // the limit, so a loop or a forward pointer cannot keep us reading.
                        if (target >= _limit)
                        {
                            Error = DnsNameError.BadPointer;
                            return false;
                        }
                        _limit = target;
                        _position = target;
                        continue;
                    default:
                        Error = DnsNameError.ReservedLabelType;
                        return false;
                }
            }
        }
    }

    /// <summary>Reads a name at <paramref name="offset"/> and moves it past the name.</summary>
    public static DnsNameError TryRead(ReadOnlySpan<byte> message, ref int offset, out DnsName? name)
    {
        name = null;
        var walker = new LabelWalker(message, offset);
        var labels = new List<string>();
        while (walker.Next(out var label))
        {
            var chars = new char[label.Length];
            for (int i = 0; i < label.Length; i++)
                chars[i] = (char)label[i];
            labels.Add(new string(chars));
        }
        if (walker.Error != DnsNameError.None)
            return walker.Error;
        name = DnsName.FromLabels(labels);
        offset = walker.End;
        return DnsNameError.None;
    }

    /// <summary>Moves past a name without building it (still checking it).</summary>
    public static DnsNameError Skip(ReadOnlySpan<byte> message, ref int offset)
    {
        var walker = new LabelWalker(message, offset);
        while (walker.Next(out _))
        {
        }
        if (walker.Error != DnsNameError.None)
            return walker.Error;
        offset = walker.End;
        return DnsNameError.None;
    }

    /// <summary>
    /// Writes the name's lookup key (<see cref="DnsName.Key"/>: lower case, escaped, trailing dot)
    /// into <paramref name="key"/>, which must hold <see cref="MaxKeyLength"/> chars. The hot path
    /// of the server: no allocation.
    /// </summary>
    public static DnsNameError TryReadKey(ReadOnlySpan<byte> message, ref int offset, Span<char> key, out int keyLength, out int labelCount, out int wireLength)
    {
        keyLength = 0;
        labelCount = 0;
        wireLength = 1;
        var walker = new LabelWalker(message, offset);
        while (walker.Next(out var label))
        {
            labelCount++;
            wireLength += 1 + label.Length;
            foreach (byte b in label)
                keyLength += DnsName.Escape(b, lower: true, key[keyLength..]);
            key[keyLength++] = '.';
        }
        if (walker.Error != DnsNameError.None)
            return walker.Error;
        if (labelCount == 0)
            key[keyLength++] = '.';
        offset = walker.End;
        return DnsNameError.None;
    }
}
