using System.Text;

namespace Letterbox.Store;

/// <summary>
/// IMAP's modified UTF-7 (RFC 3501 §5.1.3), used here for Maildir++ directory names as Dovecot
/// writes them by default: printable US-ASCII stands for itself except '&amp;' (written "&amp;-");
/// everything else is UTF-16, base64 with ',' for '/', no padding, between '&amp;' and '-'.
/// </summary>
internal static class ModifiedUtf7
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

    /// <summary>Encodes <paramref name="text"/>; throws <see cref="ArgumentException"/> on an unpaired surrogate.</summary>
    public static string Encode(string text)
    {
        var output = new StringBuilder(text.Length + 8);
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c is >= (char)0x20 and <= (char)0x7e)
            {
                output.Append(c == '&' ? "&-" : c.ToString());
                i++;
                continue;
            }
            int start = i;
            while (i < text.Length && text[i] is < (char)0x20 or > (char)0x7e)
            {
                if (char.IsHighSurrogate(text[i]) ? i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]) : char.IsLowSurrogate(text[i]))
                {
                    throw new ArgumentException("unpaired surrogate in a mailbox name", nameof(text));
                }
                i += char.IsHighSurrogate(text[i]) ? 2 : 1;
            }
            output.Append('&');
            AppendBase64(output, text.AsSpan(start, i - start));
            output.Append('-');
        }
        return output.ToString();
    }

    /// <summary>
    /// Decodes a modified UTF-7 name, or returns null when it is not in the canonical form
    /// <see cref="Encode"/> writes (so every name has exactly one spelling on disk).
    /// </summary>
    public static string? Decode(string encoded)
    {
        var output = new StringBuilder(encoded.Length);
        int i = 0;
        bool previousWasShifted = false;
        while (i < encoded.Length)
        {
            char c = encoded[i];
            if (c is < (char)0x20 or > (char)0x7e)
            {
                return null;
            }
            if (c != '&')
            {
                output.Append(c);
                i++;
                previousWasShifted = false;
                continue;
            }
            int end = encoded.IndexOf('-', i + 1);
            if (end < 0)
            {
                return null;
            }
            if (end == i + 1)
            {
                output.Append('&');
                i = end + 1;
                previousWasShifted = false;
                continue;
            }
            // Two shifted runs in a row must have been one.
            if (previousWasShifted)
            {
                return null;
            }
            string? run = DecodeBase64(encoded.AsSpan(i + 1, end - i - 1));
            if (run is null)
            {
                return null;
            }
            output.Append(run);
            i = end + 1;
            previousWasShifted = true;
        }
        return output.ToString();
    }

    private static void AppendBase64(StringBuilder output, ReadOnlySpan<char> chars)
    {
        int bits = 0;
        int buffer = 0;
        foreach (char c in chars)
        {
            buffer = (buffer << 16) | c;
            bits += 16;
            while (bits >= 6)
            {
                bits -= 6;
                output.Append(Alphabet[(buffer >> bits) & 0x3f]);
            }
            buffer &= (1 << bits) - 1;
        }
        if (bits > 0)
        {
            output.Append(Alphabet[(buffer << (6 - bits)) & 0x3f]);
        }
    }

    private static string? DecodeBase64(ReadOnlySpan<char> run)
    {
        var output = new StringBuilder(run.Length * 6 / 16);
        int bits = 0;
        int buffer = 0;
        foreach (char c in run)
        {
            int value = Alphabet.IndexOf(c);
            if (value < 0)
            {
                return null;
            }
            buffer = (buffer << 6) | value;
            bits += 6;
            if (bits >= 16)
            {
                bits -= 16;
                output.Append((char)((buffer >> bits) & 0xffff));
                buffer &= (1 << bits) - 1;
            }
        }
        // Leftover bits must be padding zeros, fewer than a base64 digit's worth.
        if (bits >= 6 || buffer != 0)
        {
            return null;
        }
        string text = output.ToString();
        // Printable ASCII must not be shifted, and the UTF-16 must be well formed.
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is >= (char)0x20 and <= (char)0x7e)
            {
                return null;
            }
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return null;
                }
                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return null;
            }
        }
        return text.Length == 0 ? null : text;
    }
}
