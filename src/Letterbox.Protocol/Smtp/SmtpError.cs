namespace Letterbox.Protocol.Smtp;

/// <summary>
/// A protocol error as a value: what the parsers return instead of throwing. It carries the
/// reply the client should get; the text is generic and safe to send (it never echoes input).
/// </summary>
public readonly record struct SmtpError(int Code, EnhancedStatusCode Status, string Message)
{
    /// <summary>"5.5.4" etc.</summary>
    public string EnhancedCode => Status.Format(Code);

    public SmtpReply ToReply() => new(Code, Status, Message);

    public override string ToString() => $"{Code} {EnhancedCode} {Message}";

    // The errors the command parser produces, by cause. Codes per RFC 5321 §4.2.3 and RFC 3463.
    internal static SmtpError UnknownCommand => new(SmtpReplyCode.SyntaxError, EnhancedStatus.InvalidCommand, "Command unrecognized");
    internal static SmtpError Syntax(string message) => new(SmtpReplyCode.SyntaxError, EnhancedStatus.SyntaxError, message);
    internal static SmtpError ArgumentSyntax(string message) => new(SmtpReplyCode.ArgumentSyntaxError, EnhancedStatus.SyntaxError, message);
    internal static SmtpError Arguments(string message) => new(SmtpReplyCode.ArgumentSyntaxError, EnhancedStatus.InvalidArguments, message);
    internal static SmtpError SenderSyntax(string message) => new(SmtpReplyCode.ArgumentSyntaxError, EnhancedStatus.BadSenderSyntax, message);
    internal static SmtpError RecipientSyntax(string message) => new(SmtpReplyCode.ArgumentSyntaxError, EnhancedStatus.BadDestinationSyntax, message);
    internal static SmtpError NotImplemented(string message) => new(SmtpReplyCode.ParameterNotImplemented, EnhancedStatus.InvalidArguments, message);
    internal static SmtpError UnknownParameter(string message) => new(SmtpReplyCode.ParametersNotRecognized, EnhancedStatus.InvalidArguments, message);
    internal static SmtpError NeedsSmtpUtf8 => new(SmtpReplyCode.MailboxNameNotAllowed, EnhancedStatus.NonAsciiAddressNotPermitted, "Must declare SMTPUTF8 to send a non-ASCII address");
}
