using System.Globalization;
using System.Net;
using System.Text;

namespace Letterbox.Config;

/// <summary>
/// A client for the EC2 instance metadata service, version 2: a PUT obtains a session token and
/// every GET presents it. Off EC2 it gives up quickly (<see cref="DefaultTimeout"/>) and reports
/// metadata as absent, so the same image boots anywhere.
/// </summary>
public sealed class ImdsClient : IDisposable
{
    /// <summary>The link-local address IMDS answers on.</summary>
    public static readonly Uri DefaultEndpoint = new("http://169.254.169.254/");

    /// <summary>How long to wait for the service to answer before deciding it is not there.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Token lifetime requested, in seconds (the maximum IMDS allows).</summary>
    public const int TokenTtlSeconds = 21600;

    // User-data is at most 16 KiB on EC2; anything far larger is not IMDS.
    private const int MaxResponseBytes = 1024 * 1024;

    private readonly HttpClient _http;
    private readonly TimeSpan _timeout;
    private string? _token;

    /// <summary>Creates a client.</summary>
    /// <param name="endpoint">Base URI of the service; <see cref="DefaultEndpoint"/> when null.</param>
    /// <param name="timeout">Per-request deadline; <see cref="DefaultTimeout"/> when null.</param>
    public ImdsClient(Uri? endpoint = null, TimeSpan? timeout = null)
    {
        _timeout = timeout ?? DefaultTimeout;
        var handler = new SocketsHttpHandler
        {
            // IMDS is link-local: an HTTP_PROXY from the environment must never see the token.
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectTimeout = _timeout,
        };
        _http = new HttpClient(handler)
        {
            BaseAddress = endpoint ?? DefaultEndpoint,
            Timeout = Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = MaxResponseBytes,
        };
    }

    /// <summary>
    /// Reads user-data, the <c>letterbox:</c> tags and the public addresses and host name.
    /// Never throws for a missing or misbehaving service; only <paramref name="ct"/> cancels.
    /// </summary>
    public async Task<Ec2Metadata> FetchAsync(CancellationToken ct = default)
    {
        try
        {
            if (await TryGetTokenAsync(ct).ConfigureAwait(false) is { } absent)
            {
                return absent;
            }
            var userData = await GetAsync("latest/user-data", ct).ConfigureAwait(false);
            var tagList = await GetAsync("latest/meta-data/tags/instance", ct).ConfigureAwait(false);
            var tags = new List<KeyValuePair<string, string>>();
            if (tagList is not null)
            {
                foreach (var tag in Text(tagList).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    .Where(t => t.StartsWith(FlatKeyReader.TagPrefix, StringComparison.Ordinal)))
                {
                    var value = await GetAsync("latest/meta-data/tags/instance/" + EscapeTagKey(tag), ct).ConfigureAwait(false);
                    if (value is not null)
                    {
                        tags.Add(new(tag, Text(value)));
                    }
                }
            }
            return new Ec2Metadata
            {
                Status = Ec2MetadataStatus.Available,
                UserData = userData,
                TagsEnabled = tagList is not null,
                Tags = tags,
                PublicIpv4 = await GetLineAsync("latest/meta-data/public-ipv4", ct).ConfigureAwait(false),
                Ipv6 = await GetLineAsync("latest/meta-data/ipv6", ct).ConfigureAwait(false),
                PublicHostname = await GetLineAsync("latest/meta-data/public-hostname", ct).ConfigureAwait(false),
            };
        }
        catch (ImdsException e)
        {
            return Ec2Metadata.Failed(e.Message);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    // Returns null with a token in hand, or the reason metadata is absent.
    private async Task<Ec2Metadata?> TryGetTokenAsync(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "latest/api/token");
        request.Headers.Add("X-aws-ec2-metadata-token-ttl-seconds", TokenTtlSeconds.ToString(CultureInfo.InvariantCulture));
        HttpResponseMessage response;
        try
        {
            response = await SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (ImdsUnreachableException e)
        {
            return Ec2Metadata.Absent(e.Message);
        }
        using (response)
        {
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    break;
                case HttpStatusCode.Forbidden:
                    // What IMDS answers when it is turned off for the instance.
                    return Ec2Metadata.Absent("the instance metadata service is turned off (HTTP 403)");
                case HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed:
                    // Another cloud's metadata service on the same link-local address.
                    return Ec2Metadata.Absent($"the service at {_http.BaseAddress} is not EC2 IMDSv2 (HTTP {(int)response.StatusCode})");
                default:
                    throw new ImdsException($"token request answered with HTTP {(int)response.StatusCode}");
            }
            var token = Text(await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false)).Trim();
            if (token.Length is 0 or > 1024 || token.Any(c => c is < '!' or > '~'))
            {
                throw new ImdsException("token request answered with something that is not a token");
            }
            _token = token;
            return null;
        }
    }

    private async Task<string?> GetLineAsync(string path, CancellationToken ct) =>
        await GetAsync(path, ct).ConfigureAwait(false) is { } bytes
            ? Text(bytes).Split('\n', StringSplitOptions.TrimEntries)[0] is { Length: > 0 } line ? line : null
            : null;

    // The body, or null on 404. A 401 means the token expired: get a fresh one and retry once.
    private async Task<byte[]?> GetAsync(string path, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("X-aws-ec2-metadata-token", _token);
            HttpResponseMessage response;
            try
            {
                response = await SendAsync(request, ct).ConfigureAwait(false);
            }
            catch (ImdsUnreachableException e)
            {
                throw new ImdsException($"GET /{path}: {e.Message}");
            }
            using (response)
            {
                switch (response.StatusCode)
                {
                    case HttpStatusCode.OK:
                        return await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                    case HttpStatusCode.NotFound:
                        return null;
                    case HttpStatusCode.Unauthorized when attempt == 0:
                        if (await TryGetTokenAsync(ct).ConfigureAwait(false) is { } gone)
                        {
                            throw new ImdsException($"GET /{path}: token expired and no new one could be had ({gone.Detail})");
                        }
                        continue;
                    case HttpStatusCode.Unauthorized:
                        throw new ImdsException($"GET /{path} rejected a fresh session token (HTTP 401)");
                    default:
                        throw new ImdsException($"GET /{path} answered with HTTP {(int)response.StatusCode}");
                }
            }
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_timeout);
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ImdsUnreachableException($"no answer from {_http.BaseAddress} within {_timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            throw new ImdsUnreachableException($"cannot connect to {_http.BaseAddress} ({e.InnerException?.Message ?? e.Message})");
        }
        catch (HttpRequestException e)
        {
            throw new ImdsException($"{_http.BaseAddress} did not answer as an HTTP metadata service ({e.Message})");
        }
    }

    private static string Text(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ImdsException("metadata is not UTF-8 text");
        }
    }

    // Tag keys in IMDS may hold spaces and + - = . , _ : @ ; only spaces and + need escaping in a path.
    private static string EscapeTagKey(string key) => Uri.EscapeDataString(key).Replace("%3A", ":", StringComparison.Ordinal)
        .Replace("%40", "@", StringComparison.Ordinal);

    private sealed class ImdsException(string message) : Exception(message);

    private sealed class ImdsUnreachableException(string message) : Exception(message);
}
