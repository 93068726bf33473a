using System.Text;

namespace Letterbox.Config;

/// <summary>
/// Recognises documents that are plainly something other than a Letterbox config. EC2 user-data
/// is shared with cloud-init and scripts, and "not a Letterbox config document (it is a shell
/// script)" helps far more than the TOML parser's complaint about line 2.
/// </summary>
internal static class DocumentSniffer
{
    /// <summary>What binary user-data is, or null when it is UTF-8 text.</summary>
    public static string? DescribeBinary(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B)
        {
            return "it is gzip-compressed";
        }
        try
        {
            var text = new UTF8Encoding(false, true).GetString(bytes);
            return text.Contains('\0') ? "it is binary data" : null;
        }
        catch (DecoderFallbackException)
        {
            return "it is binary data, not UTF-8 text";
        }
    }

    /// <summary>What a text document plainly is instead of TOML, or null when it may be TOML.</summary>
    public static string? DescribeForeign(string text)
    {
        var s = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        var firstLine = s.Split('\n', 2)[0].Trim();
        if (s.StartsWith("#!", StringComparison.Ordinal))
        {
            return $"it starts with {firstLine}, so it is a script";
        }
        if (firstLine.StartsWith("#cloud-", StringComparison.OrdinalIgnoreCase)
            || firstLine is "#include" or "#part-handler" or "#upstart-job")
        {
            return $"it is a cloud-init {firstLine} document";
        }
        if (s.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase)
            || s.StartsWith("MIME-Version:", StringComparison.OrdinalIgnoreCase))
        {
            return "it is a MIME multi-part document";
        }
        if (s.StartsWith("<powershell>", StringComparison.OrdinalIgnoreCase)
            || s.StartsWith("<script>", StringComparison.OrdinalIgnoreCase))
        {
            return "it is a Windows user-data script";
        }
        return null;
    }

    /// <summary>
    /// For a document that failed to parse: true when no line even looks like TOML
    /// (<c>key = value</c> or <c>[table]</c>), so it is some other format rather than broken TOML.
    /// </summary>
    public static bool LooksLikeToml(string text)
    {
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            if (line.StartsWith('['))
            {
                return true;
            }
            var eq = line.IndexOf('=');
            if (eq > 0 && line[..eq].All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '"' or '\'' or ' '))
            {
                return true;
            }
        }
        return false;
    }
}
