using System.Globalization;
using System.Text;

namespace Letterbox.Logging;

public enum LogLevel { Debug, Info, Warn, Error }

/// <summary>
/// Structured log lines on stdout, one event a line in logfmt (`key=value`), which the journal
/// stores as they come and people and tools can both read:
/// <c>2026-11-25T21:00:00.123Z info supervisor msg="daemon started" daemon=http pid=4242</c>.
/// Every process of the appliance writes to the same stdout, so the component says who spoke.
/// </summary>
public sealed class Log(string component)
{
    private static readonly object Gate = new();

    public static LogLevel MinimumLevel { get; set; } = LogLevel.Info;

    public string Component { get; } = component;

    public void Debug(string message, params (string Key, object? Value)[] fields) => Write(LogLevel.Debug, message, fields);
    public void Info(string message, params (string Key, object? Value)[] fields) => Write(LogLevel.Info, message, fields);
    public void Warn(string message, params (string Key, object? Value)[] fields) => Write(LogLevel.Warn, message, fields);
    public void Error(string message, params (string Key, object? Value)[] fields) => Write(LogLevel.Error, message, fields);

    public void Write(LogLevel level, string message, (string Key, object? Value)[] fields)
    {
        if (level < MinimumLevel)
            return;
        var sb = new StringBuilder(128);
        sb.Append(DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))
          .Append(' ').Append(level.ToString().ToLowerInvariant())
          .Append(' ').Append(Component)
          .Append(" msg=");
        AppendValue(sb, message);
        foreach (var (key, value) in fields)
        {
            sb.Append(' ').Append(key).Append('=');
            AppendValue(sb, Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
        }
        lock (Gate)
            Console.Out.WriteLine(sb.ToString());
    }

    private static void AppendValue(StringBuilder sb, string value)
    {
        bool quote = value.Length == 0;
        foreach (char c in value)
            if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f)
                quote = true;
        if (!quote)
        {
            sb.Append(value);
            return;
        }
        sb.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (c < ' ' || c == 0x7f)
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else
                        sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
