using System.Text;

namespace Letterbox.Protocol.Http;

/// <summary>The start line and headers of one HTTP/1.x request (RFC 9112 §2.1, §3, §5).</summary>
public sealed record HttpRequestHead(string Method, string Target, string Version, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public string? Header(string name)
    {
        foreach (var h in Headers)
            if (string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase))
                return h.Value;
        return null;
    }

    /// <summary>The path part of the target, without the query.</summary>
    public string Path => Target.IndexOf('?') is int q and >= 0 ? Target[..q] : Target;
}

public enum HttpParseStatus { NeedMore, Done, Invalid }

/// <summary>
/// Parses a request head from the bytes received so far. It never reads past
/// <see cref="MaxHeadBytes"/>: a client that sends a longer head gets 431 rather than
/// making us buffer without end. The servers we run need no request bodies, so a
/// request with one is refused (411/413) instead of being read.
/// </summary>
public static class HttpRequestParser
{
    public const int MaxHeadBytes = 8192;
    public const int MaxHeaders = 64;

    public static HttpParseStatus Parse(ReadOnlySpan<byte> buffer, out HttpRequestHead? head, out int consumed, out int errorStatus)
    {
        head = null;
        consumed = 0;
        errorStatus = 0;

        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request line.
        int start = 0;
        while (start < buffer.Length && (buffer[start] == (byte)'\r' || buffer[start] == (byte)'\n') && start < 4)
            start++;

        int end = IndexOfHeadEnd(buffer[start..], out int terminatorLength);
        if (end < 0)
        {
            if (buffer.Length >= MaxHeadBytes)
                return Fail(431, out errorStatus);
            return HttpParseStatus.NeedMore;
        }
        if (start + end + terminatorLength > MaxHeadBytes)
            return Fail(431, out errorStatus);

        var text = buffer.Slice(start, end);
        var lines = new List<string>();
        foreach (var line in SplitLines(text))
        {
            // Bare CR and control bytes inside a line are a smuggling vector (RFC 9112 §2.2): refuse.
            foreach (byte b in line)
                if (b == (byte)'\r' || b == 0 || b >= 0x80 || (b < 0x20 && b != (byte)'\t'))
                    return Fail(400, out errorStatus);
            lines.Add(Encoding.ASCII.GetString(line));
        }
        if (lines.Count == 0)
            return Fail(400, out errorStatus);

        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || requestLine[0].Length == 0 || requestLine[1].Length == 0)
            return Fail(400, out errorStatus);
        var (method, target, version) = (requestLine[0], requestLine[1], requestLine[2]);
        if (version is not ("HTTP/1.1" or "HTTP/1.0"))
            return Fail(505, out errorStatus);
        if (!IsToken(method))
            return Fail(400, out errorStatus);
        if (target[0] != '/')
            return Fail(400, out errorStatus);

        if (lines.Count - 1 > MaxHeaders)
            return Fail(431, out errorStatus);
        var headers = new List<KeyValuePair<string, string>>(lines.Count - 1);
        for (int i = 1; i < lines.Count; i++)
        {
            var line = lines[i];
            int colon = line.IndexOf(':');
            // RFC 9112 §5.1: no whitespace between field name and colon; obsolete line folding is refused (§5.2).
            if (colon <= 0 || !IsToken(line[..colon]))
                return Fail(400, out errorStatus);
            headers.Add(new(line[..colon], line[(colon + 1)..].Trim(' ', '\t')));
        }

        var parsed = new HttpRequestHead(method, target, version, headers);
        if (parsed.Header("Transfer-Encoding") is not null)
            return Fail(411, out errorStatus);
        var length = parsed.Header("Content-Length");
        if (length is not null && length != "0")
            return Fail(413, out errorStatus);
        if (version == "HTTP/1.1" && parsed.Header("Host") is null)
            return Fail(400, out errorStatus); // RFC 9112 §3.2

        head = parsed;
        consumed = start + end + terminatorLength;
        return HttpParseStatus.Done;
    }

    private static HttpParseStatus Fail(int status, out int errorStatus)
    {
        errorStatus = status;
        return HttpParseStatus.Invalid;
    }

    /// <summary>Finds the empty line that ends the head: CRLFCRLF, or LFLF from lenient clients.</summary>
    private static int IndexOfHeadEnd(ReadOnlySpan<byte> buffer, out int terminatorLength)
    {
        for (int i = 0; i < buffer.Length; i++)
        {
            if (buffer[i] != (byte)'\n')
                continue;
            if (i + 1 < buffer.Length && buffer[i + 1] == (byte)'\n')
            {
                terminatorLength = 2;
                return i;
            }
            if (i + 2 < buffer.Length && buffer[i + 1] == (byte)'\r' && buffer[i + 2] == (byte)'\n')
            {
                terminatorLength = 3;
                return i;
            }
        }
        terminatorLength = 0;
        return -1;
    }

    private static List<byte[]> SplitLines(ReadOnlySpan<byte> text)
    {
        var lines = new List<byte[]>();
        while (true)
        {
            int lf = text.IndexOf((byte)'\n');
            var line = lf < 0 ? text : text[..lf];
            if (line.Length > 0 && line[^1] == (byte)'\r')
                line = line[..^1];
            lines.Add(line.ToArray());
            if (lf < 0)
                return lines;
            text = text[(lf + 1)..];
        }
    }

    // RFC 9110 §5.6.2 tchar.
    private static bool IsToken(string s)
    {
        if (s.Length == 0)
            return false;
        foreach (char c in s)
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c)))
                return false;
        return true;
    }
}
