using System.Globalization;
using Letterbox.Acme.Protocol;

namespace Letterbox.Acme;

/// <summary>Anything that stops an ACME operation, with a message an operator can act on.</summary>
public class AcmeException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The CA answered with a problem document (RFC 8555 §6.7). The message names the problem in
/// plain words; rate limits say so and when to try again.
/// </summary>
public sealed class AcmeProblemException(AcmeProblem problem, int httpStatus, Uri url, DateTimeOffset? retryAfter)
    : AcmeException(Describe(problem, httpStatus, url, retryAfter))
{
    public const string Prefix = "urn:ietf:params:acme:error:";

    public AcmeProblem Problem { get; } = problem;
    public int HttpStatus { get; } = httpStatus;
    public DateTimeOffset? RetryAfter { get; } = retryAfter;

    /// <summary>The problem type without the ACME URN prefix ("badNonce", "rateLimited"...).</summary>
    public string ShortType => ShortTypeOf(Problem.Type);

    public bool IsBadNonce => ShortType == "badNonce";
    public bool IsRateLimited => ShortType == "rateLimited";

    public static string ShortTypeOf(string? type) =>
        type is null ? "unknown" : type.StartsWith(Prefix, StringComparison.Ordinal) ? type[Prefix.Length..] : type;

    public static string Describe(AcmeProblem problem, int httpStatus, Uri url, DateTimeOffset? retryAfter)
    {
        var type = ShortTypeOf(problem.Type);
        var detail = string.IsNullOrWhiteSpace(problem.Detail) ? "(no detail)" : problem.Detail;
        var text = type switch
        {
            "rateLimited" => $"rate limited by the CA: {detail}"
                + (retryAfter is { } at ? $"; the CA says to retry after {at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC" : "; wait before retrying"),
            "externalAccountRequired" => $"the CA requires external account binding (set tls.acme_eab_kid and tls.acme_eab_hmac_key_file): {detail}",
            "userActionRequired" => $"the CA requires action by the account holder (new terms of service?): {detail}",
            "unauthorized" or "incorrectResponse" or "connection" or "dns" or "tls" or "caa" =>
                $"challenge failed ({type}): {detail}",
            _ => $"ACME error {type}: {detail}",
        };
        if (problem.Subproblems is { Count: > 0 } subs)
            text += " [" + string.Join("; ", subs.Select(s => $"{s.Identifier?.Value ?? "?"}: {ShortTypeOf(s.Type)}: {s.Detail}")) + "]";
        return $"{text} (HTTP {httpStatus} from {url.AbsoluteUri})";
    }
}
