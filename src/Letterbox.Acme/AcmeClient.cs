using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Letterbox.Acme.Jws;
using Letterbox.Acme.Protocol;

namespace Letterbox.Acme;

/// <summary>How the client talks to a CA; the defaults suit a real CA, tests shorten them.</summary>
public sealed record AcmeClientOptions
{
    /// <summary>Replaces the HTTP handler, e.g. to trust a test CA's directory certificate.</summary>
    public HttpMessageHandler? Handler { get; init; }

    /// <summary>How long one HTTP exchange may take before the CA counts as hanging.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for an authorization or an order to leave "pending"/"processing".</summary>
    public TimeSpan PollTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Longest single wait between polls, whatever Retry-After says (the CA may ask for more; we give up at PollTimeout).</summary>
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often one request is retried with a fresh nonce after badNonce (RFC 8555 §6.5).</summary>
    public int BadNonceRetries { get; init; } = 5;

    /// <summary>Largest response body read; a directory, an order or a chain are a few kilobytes.</summary>
    public int MaxResponseBytes { get; init; } = 1 << 20;

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// An RFC 8555 client: directory, nonces, account, orders, authorizations, challenges, finalize,
/// download. One instance per account key; not for concurrent use.
/// </summary>
public sealed class AcmeClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly AcmeClientOptions _options;
    private AcmeDirectory? _directory;
    private string? _nonce;

    public AcmeClient(Uri directoryUrl, AccountKey key, AcmeClientOptions? options = null)
    {
        DirectoryUrl = directoryUrl;
        Key = key;
        _options = options ?? new AcmeClientOptions();
        _http = _options.Handler is null ? new HttpClient() : new HttpClient(_options.Handler, disposeHandler: false);
        _http.Timeout = Timeout.InfiniteTimeSpan; // our own per-request timeout says which URL hung
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("letterbox-acme", "1"));
    }

    public Uri DirectoryUrl { get; }
    public AccountKey Key { get; }

    /// <summary>The account URL ("kid"), known after <see cref="NewAccountAsync"/>.</summary>
    public Uri? AccountUrl { get; private set; }

    /// <summary>Nonces the CA rejected with badNonce and that were retried (for tests and metrics).</summary>
    public int BadNonceRetried { get; private set; }

    public async Task<AcmeDirectory> GetDirectoryAsync(CancellationToken ct)
    {
        if (_directory is not null)
            return _directory;
        var response = await SendAsync(HttpMethod.Get, DirectoryUrl, null, null, ct);
        if (response.Status is < 200 or >= 300)
            throw new AcmeException($"{DirectoryUrl.AbsoluteUri} is not an ACME directory: it answered HTTP {response.Status}");
        AcmeDirectory? directory;
        try
        {
            directory = JsonSerializer.Deserialize(response.Body, AcmeJson.Default.AcmeDirectory);
        }
        catch (JsonException e)
        {
            throw new AcmeException($"{DirectoryUrl.AbsoluteUri} is not an ACME directory: its answer is not the expected JSON ({e.Message})");
        }
        if (directory?.NewNonce is null || directory.NewAccount is null || directory.NewOrder is null)
            throw new AcmeException($"{DirectoryUrl.AbsoluteUri} is not an ACME directory: newNonce, newAccount or newOrder is missing (RFC 8555 §7.1.1)");
        if (new[] { directory.NewNonce, directory.NewAccount, directory.NewOrder }.Any(u => !IsHttpUrl(u)))
            throw new AcmeException($"{DirectoryUrl.AbsoluteUri} is not an ACME directory: newNonce, newAccount and newOrder must be absolute http(s) URLs");
        return _directory = directory;
    }

    /// <summary>
    /// Creates the account, or finds the one this key already has (RFC 8555 §7.3, §7.3.1: the CA
    /// answers 200 with the existing account's URL). Agreeing to the terms is the caller's choice.
    /// </summary>
    public async Task<AcmeAccount> NewAccountAsync(string? email, bool agreeToTerms, ExternalAccountKey? eab, CancellationToken ct)
    {
        var directory = await GetDirectoryAsync(ct);
        if (directory.Meta?.ExternalAccountRequired == true && eab is null)
            throw new AcmeException($"the CA at {DirectoryUrl.AbsoluteUri} requires external account binding; set tls.acme_eab_kid and tls.acme_eab_hmac_key_file");
        var request = new NewAccountRequest(email is null ? null : ["mailto:" + email], agreeToTerms, null);
        var payload = JsonSerializer.SerializeToUtf8Bytes(request, AcmeJson.Default.NewAccountRequest);
        if (eab is not null)
        {
            // RFC 8555 §7.3.4: the binding is a JWS over our JWK, MACed with the CA-issued key.
            var binding = JwsWriter.ExternalAccountBinding(Key, eab.KeyId, eab.MacKey, directory.NewAccount!);
            payload = Splice(payload, "externalAccountBinding", binding);
        }
        var response = await PostAsync(directory.NewAccount!, payload, useJwk: true, ct);
        AccountUrl = response.Location
            ?? throw new AcmeException($"the CA did not give the account URL (no Location header from {directory.NewAccount!.AbsoluteUri})");
        return Parse(response, AcmeJson.Default.AcmeAccount);
    }

    /// <summary>A new order for DNS names (RFC 8555 §7.4); returns its URL and body.</summary>
    public async Task<(Uri Url, AcmeOrder Order)> NewOrderAsync(IEnumerable<string> names, CancellationToken ct)
    {
        var directory = await GetDirectoryAsync(ct);
        var request = new NewOrderRequest([.. names.Select(n => new AcmeIdentifier("dns", n))]);
        var response = await PostAsync(directory.NewOrder!, JsonSerializer.SerializeToUtf8Bytes(request, AcmeJson.Default.NewOrderRequest), useJwk: false, ct);
        var url = response.Location ?? throw new AcmeException($"the CA did not give the order URL (no Location header from {directory.NewOrder!.AbsoluteUri})");
        return (url, Parse(response, AcmeJson.Default.AcmeOrder));
    }

    public async Task<AcmeAuthorization> GetAuthorizationAsync(Uri url, CancellationToken ct) =>
        Parse(await PostAsync(url, null, useJwk: false, ct), AcmeJson.Default.AcmeAuthorization);

    public async Task<AcmeOrder> GetOrderAsync(Uri url, CancellationToken ct) =>
        Parse(await PostAsync(url, null, useJwk: false, ct), AcmeJson.Default.AcmeOrder);

    /// <summary>Tells the CA the challenge is ready to be checked: POST of "{}" (RFC 8555 §7.5.1).</summary>
    public async Task<AcmeChallenge> AnswerChallengeAsync(Uri url, CancellationToken ct) =>
        Parse(await PostAsync(url, "{}"u8.ToArray(), useJwk: false, ct), AcmeJson.Default.AcmeChallenge);

    /// <summary>Polls an authorization until it is no longer pending, honouring Retry-After (RFC 8555 §7.5.1).</summary>
    public Task<AcmeAuthorization> WaitAuthorizationAsync(Uri url, CancellationToken ct) =>
        PollAsync(url, AcmeJson.Default.AcmeAuthorization, a => a.Status is not ("pending" or null), "authorization", ct);

    /// <summary>Polls an order until it is neither pending nor processing (RFC 8555 §7.4).</summary>
    public Task<AcmeOrder> WaitOrderAsync(Uri url, CancellationToken ct) =>
        PollAsync(url, AcmeJson.Default.AcmeOrder, o => o.Status is not ("pending" or "processing" or null), "order", ct);

    /// <summary>Sends the CSR (DER) to the order's finalize URL (RFC 8555 §7.4).</summary>
    public async Task<AcmeOrder> FinalizeAsync(AcmeOrder order, byte[] csrDer, CancellationToken ct)
    {
        var url = order.Finalize ?? throw new AcmeException("the order has no finalize URL");
        var payload = JsonSerializer.SerializeToUtf8Bytes(new FinalizeRequest(Base64Url.Encode(csrDer)), AcmeJson.Default.FinalizeRequest);
        return Parse(await PostAsync(url, payload, useJwk: false, ct), AcmeJson.Default.AcmeOrder);
    }

    /// <summary>The PEM chain, leaf first (RFC 8555 §7.4.2).</summary>
    public async Task<string> DownloadCertificateAsync(Uri url, CancellationToken ct)
    {
        var response = await PostAsync(url, null, useJwk: false, ct, accept: "application/pem-certificate-chain");
        var pem = Encoding.ASCII.GetString(response.Body);
        if (!pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            throw new AcmeException($"the certificate download from {url.AbsoluteUri} is not a PEM chain");
        return pem;
    }

    private async Task<T> PollAsync<T>(Uri url, JsonTypeInfo<T> type, Func<T, bool> done, string what, CancellationToken ct)
    {
        var time = _options.Time;
        var deadline = time.GetUtcNow() + _options.PollTimeout;
        var backoff = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            var response = await PostAsync(url, null, useJwk: false, ct);
            var value = Parse(response, type);
            if (done(value))
                return value;
            var now = time.GetUtcNow();
            if (now >= deadline)
                throw new AcmeException($"the {what} at {url.AbsoluteUri} was still not decided after {_options.PollTimeout.TotalSeconds:0} s");
            // RFC 8555 §8.2 and §7.4: the server may say how long to wait; otherwise back off gently.
            var wait = response.RetryAfter is { } at ? at - now : backoff;
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            wait = TimeSpan.FromTicks(Math.Clamp(wait.Ticks, TimeSpan.FromMilliseconds(100).Ticks, Math.Min(_options.MaxPollInterval.Ticks, (deadline - now).Ticks)));
            await Task.Delay(wait, time, ct);
        }
    }

    /// <summary>
    /// A signed POST (RFC 8555 §6.2). A badNonce answer is retried with the nonce that came with
    /// it (§6.5), a few times; any other problem document becomes an <see cref="AcmeProblemException"/>.
    /// </summary>
    private async Task<Response> PostAsync(Uri url, byte[]? payload, bool useJwk, CancellationToken ct, string? accept = null)
    {
        if (!useJwk && AccountUrl is null)
            throw new InvalidOperationException("NewAccountAsync must come first: requests after it are signed with the account URL");
        for (int attempt = 0; ; attempt++)
        {
            var nonce = await TakeNonceAsync(ct);
            var body = JwsWriter.Sign(Key, url, nonce, useJwk ? null : AccountUrl!.AbsoluteUri, payload);
            var response = await SendAsync(HttpMethod.Post, url, body, accept, ct);
            if (response.Status is >= 200 and < 300)
                return response;
            var problem = ParseProblem(response);
            var error = new AcmeProblemException(problem, response.Status, url, response.RetryAfter);
            if (error.IsBadNonce && attempt < _options.BadNonceRetries)
            {
                BadNonceRetried++;
                continue;
            }
            throw error;
        }
    }

    private async Task<string> TakeNonceAsync(CancellationToken ct)
    {
        if (_nonce is { } cached)
        {
            _nonce = null;
            return cached;
        }
        var directory = await GetDirectoryAsync(ct);
        // RFC 8555 §7.2: HEAD newNonce; the nonce comes in Replay-Nonce.
        var response = await SendAsync(HttpMethod.Head, directory.NewNonce!, null, null, ct);
        var nonce = _nonce;
        _nonce = null;
        return nonce ?? throw new AcmeException($"the CA gave no Replay-Nonce at {directory.NewNonce!.AbsoluteUri} (HTTP {response.Status})");
    }

    private static bool IsHttpUrl(Uri? url) => url is { IsAbsoluteUri: true } && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp);

    private async Task<Response> SendAsync(HttpMethod method, Uri url, byte[]? jws, string? accept, CancellationToken ct)
    {
        // Every URL after the directory comes from the CA's JSON: refuse relative or non-HTTP ones plainly.
        if (!IsHttpUrl(url))
            throw new AcmeException($"the CA gave a URL that is not absolute http(s): '{url.OriginalString}'");
        using var request = new HttpRequestMessage(method, url);
        if (jws is not null)
        {
            request.Content = new ByteArrayContent(jws);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/jose+json");
        }
        if (accept is not null)
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            // RFC 8555 §6.5: every response may carry a fresh nonce, errors included.
            if (response.Headers.TryGetValues("Replay-Nonce", out var nonces))
                _nonce = nonces.FirstOrDefault(n => n.Length > 0 && Base64Url.IsAlphabet(n)) ?? _nonce;
            var body = await ReadBoundedAsync(response.Content, url, timeout.Token);
            return new Response((int)response.StatusCode, body, response.Headers.Location is { } loc ? new Uri(url, loc) : null,
                RetryAfterOf(response.Headers.RetryAfter), response.Content.Headers.ContentType?.MediaType);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new AcmeException($"the CA did not answer {method} {url.AbsoluteUri} within {_options.RequestTimeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            throw new AcmeException($"cannot reach the CA at {url.AbsoluteUri}: {e.Message}", e);
        }
    }

    private async Task<byte[]> ReadBoundedAsync(HttpContent content, Uri url, CancellationToken ct)
    {
        if (content.Headers.ContentLength > _options.MaxResponseBytes)
            throw new AcmeException($"the answer from {url.AbsoluteUri} is larger than {_options.MaxResponseBytes} bytes");
        await using var stream = await content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int n;
        while ((n = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + n > _options.MaxResponseBytes)
                throw new AcmeException($"the answer from {url.AbsoluteUri} is larger than {_options.MaxResponseBytes} bytes");
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    private DateTimeOffset? RetryAfterOf(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => _options.Time.GetUtcNow() + delta,
        { Date: { } date } => date,
        _ => null,
    };

    private static T Parse<T>(Response response, JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(response.Body, type)
                ?? throw new AcmeException($"the CA answered JSON null where a {typeof(T).Name} was expected");
        }
        catch (JsonException e)
        {
            throw new AcmeException($"the CA sent malformed JSON where a {typeof(T).Name[4..].ToLowerInvariant()} was expected ({e.Message})");
        }
    }

    /// <summary>The problem document of an error answer; an answer that is not one is still described (RFC 8555 §6.7).</summary>
    private static AcmeProblem ParseProblem(Response response)
    {
        try
        {
            if (JsonSerializer.Deserialize(response.Body, AcmeJson.Default.AcmeProblem) is { Type: not null } problem)
                return problem;
        }
        catch (JsonException)
        {
        }
        var text = Encoding.UTF8.GetString(response.Body.AsSpan(0, Math.Min(response.Body.Length, 200)));
        return new AcmeProblem("about:blank", $"not a problem document ({response.ContentType ?? "no content type"}): {text.ReplaceLineEndings(" ")}", response.Status, null, null);
    }

    /// <summary>Adds one raw JSON member to a serialized object.</summary>
    private static byte[] Splice(byte[] objectJson, string name, byte[] valueJson)
    {
        using var doc = JsonDocument.Parse(objectJson);
        using var value = JsonDocument.Parse(valueJson);
        return JwsWriter.Json(w =>
        {
            w.WriteStartObject();
            foreach (var p in doc.RootElement.EnumerateObject())
                p.WriteTo(w);
            w.WritePropertyName(name);
            value.RootElement.WriteTo(w);
            w.WriteEndObject();
        });
    }

    public void Dispose() => _http.Dispose();

    private sealed record Response(int Status, byte[] Body, Uri? Location, DateTimeOffset? RetryAfter, string? ContentType);
}

/// <summary>External account binding credentials (RFC 8555 §7.3.4): the CA's key id and the MAC key it issued.</summary>
public sealed record ExternalAccountKey(string KeyId, byte[] MacKey)
{
    /// <summary>The key id and the base64url MAC key as CAs hand them out.</summary>
    public static ExternalAccountKey FromBase64Url(string keyId, string macKey)
    {
        try
        {
            return new(keyId, Base64Url.Decode(macKey));
        }
        catch (FormatException e)
        {
            throw new AcmeException($"the external account binding HMAC key is not base64url ({e.Message})");
        }
    }
}
