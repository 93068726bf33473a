namespace Letterbox.Config;

/// <summary>
/// The ports Letterbox serves, each the standard port plus network.port_offset, so that a
/// development instance (offset 10000) runs unprivileged next to a real one.
/// </summary>
/// <param name="Offset">network.port_offset.</param>
public sealed record ServicePorts(int Offset)
{
    /// <summary>SMTP relay, RFC 5321.</summary>
    public const int StandardSmtp = 25;
    /// <summary>Message submission, RFC 6409.</summary>
    public const int StandardSubmission = 587;
    /// <summary>Submission over implicit TLS, RFC 8314 §7.3.</summary>
    public const int StandardSubmissions = 465;
    /// <summary>IMAP, RFC 9051.</summary>
    public const int StandardImap = 143;
    /// <summary>IMAP over implicit TLS, RFC 8314 §7.3.</summary>
    public const int StandardImaps = 993;
    /// <summary>POP3, RFC 1939.</summary>
    public const int StandardPop3 = 110;
    /// <summary>POP3 over implicit TLS, RFC 8314 §7.3.</summary>
    public const int StandardPop3s = 995;
    /// <summary>DNS, RFC 1035.</summary>
    public const int StandardDns = 53;
    /// <summary>HTTP, RFC 9110.</summary>
    public const int StandardHttp = 80;

    /// <summary>SMTP port in use.</summary>
    public int Smtp => StandardSmtp + Offset;
    /// <summary>Submission port in use.</summary>
    public int Submission => StandardSubmission + Offset;
    /// <summary>Submissions (implicit TLS) port in use.</summary>
    public int Submissions => StandardSubmissions + Offset;
    /// <summary>IMAP port in use.</summary>
    public int Imap => StandardImap + Offset;
    /// <summary>IMAPS port in use.</summary>
    public int Imaps => StandardImaps + Offset;
    /// <summary>POP3 port in use.</summary>
    public int Pop3 => StandardPop3 + Offset;
    /// <summary>POP3S port in use.</summary>
    public int Pop3s => StandardPop3s + Offset;
    /// <summary>DNS port in use (UDP and TCP).</summary>
    public int Dns => StandardDns + Offset;
    /// <summary>HTTP port in use.</summary>
    public int Http => StandardHttp + Offset;
}
