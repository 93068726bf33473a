using System.Text;
using Letterbox.Delivery.Queue;
using MimeKit;

namespace Letterbox.Delivery.Dsn;

/// <summary>
/// The bounce: a delivery status notification (RFC 3464) as <c>multipart/report;
/// report-type=delivery-status</c> (RFC 6522), built with MimeKit: a text part for people, the
/// machine-readable <c>message/delivery-status</c>, and the original message's header
/// (<c>text/rfc822-headers</c>, so the bounce stays small and does not carry the content back).
/// </summary>
public static class DsnBuilder
{
    private const int MaxReturnedHeader = 64 * 1024;

    /// <summary>Writes the DSN for the failed recipients of <paramref name="envelope"/> to <paramref name="output"/>.</summary>
    public static void Write(Envelope envelope, string reportingMta, string originalPath, Stream output, DateTimeOffset now)
    {
        var failed = envelope.Recipients.Where(r => r.State == RecipientState.Failed).ToList();
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@" + reportingMta));
        message.To.Add(new MailboxAddress(string.Empty, envelope.From));
        message.Subject = "Undelivered Mail Returned to Sender";
        message.Date = now;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(reportingMta);
        message.Headers.Add("Auto-Submitted", "auto-replied"); // RFC 3834 §5: no auto-reply loops

        var report = new MultipartReport("delivery-status");
        var text = new StringBuilder();
        text.Append("This is the mail system at ").Append(reportingMta).Append(".\n\n")
            .Append("Your message could not be delivered to ").Append(failed.Count == 1 ? "this recipient" : "these recipients").Append(":\n\n");
        foreach (var r in failed)
            text.Append("  <").Append(r.Address).Append(">: ").Append(r.LastError ?? "failed").Append('\n');
        report.Add(new TextPart("plain") { Text = text.ToString() });

        var status = new MessageDeliveryStatus();
        // RFC 3464 §2.2: per-message fields first, then one group per recipient (§2.3).
        var perMessage = new HeaderList
        {
            { "Reporting-MTA", "dns; " + reportingMta },
            { "X-Letterbox-Queue-ID", envelope.Id },
            { "Arrival-Date", MimeKit.Utils.DateUtils.FormatDate(envelope.Created) },
        };
        status.StatusGroups.Add(perMessage);
        foreach (var r in failed)
        {
            var group = new HeaderList
            {
                { "Final-Recipient", "rfc822; " + r.Address },
                { "Action", "failed" },
                { "Status", r.Status is { } s && s.StartsWith('5') ? s : "5.0.0" }, // Action failed: a permanent code
            };
            if (r.RemoteMta is not null)
                group.Add("Remote-MTA", "dns; " + r.RemoteMta);
            if (r.LastError is not null)
                group.Add("Diagnostic-Code", (r.RemoteMta is not null && char.IsAsciiDigit(r.LastError[0]) ? "smtp; " : "x-letterbox; ") + OneLine(r.LastError));
            if (r.Finished is { } finished)
                group.Add("Last-Attempt-Date", MimeKit.Utils.DateUtils.FormatDate(finished));
            status.StatusGroups.Add(group);
        }
        report.Add(status);

        var headers = new MimePart("text", "rfc822-headers")
        {
            Content = new MimeContent(new MemoryStream(OriginalHeader(originalPath))),
            ContentTransferEncoding = ContentEncoding.EightBit,
        };
        report.Add(headers);
        message.Body = report;

        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(format, output);
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    /// <summary>The original's header block (up to the blank line), at most 64 KiB.</summary>
    private static byte[] OriginalHeader(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            var buffer = new byte[MaxReturnedHeader];
            int n = file.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            var span = buffer.AsSpan(0, n);
            int end = span.IndexOf("\r\n\r\n"u8);
            return span[..(end >= 0 ? end + 2 : n)].ToArray();
        }
        catch (FileNotFoundException)
        {
            return "X-Letterbox-Note: original message no longer available\r\n"u8.ToArray();
        }
    }
}
