using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Letterbox.Acme.Challenges;
using Letterbox.Control;
using Letterbox.Monitoring;
using Letterbox.Net.Listeners;
using Letterbox.Protocol.Http;

namespace Letterbox.Daemons.Http;

/// <summary>
/// The appliance's HTTP listener (port 80): /livez for the supervisor's probe, and /healthz and
/// /metrics for remote monitoring, which only clients in monitoring.allow may read. Later it
/// also answers ACME http-01 challenges and serves client autoconfig and the MTA-STS policy.
/// One request per connection: nothing here needs keep-alive, and it keeps the server simple.
/// </summary>
public sealed class HttpDaemon : IDaemon
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    public Task RunAsync(DaemonContext context, CancellationToken stopping)
    {
        context.Metrics.DeclareCounter("letterbox_http_requests_total", "HTTP requests answered, by path group and status code.");
        return TcpAcceptor.RunAsync(context.Listeners, (client, _, _) => ServeAsync(context, client), context.Log, stopping);
    }

    private static async Task ServeAsync(DaemonContext context, Socket client)
    {
        using var connection = client;
        using var timeout = new CancellationTokenSource(RequestTimeout);
        try
        {
            var buffer = new byte[HttpRequestParser.MaxHeadBytes];
            int filled = 0;
            while (true)
            {
                int n = await client.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, timeout.Token);
                if (n == 0)
                    return; // The client left before finishing its request.
                filled += n;
                var status = HttpRequestParser.Parse(buffer.AsSpan(0, filled), out var head, out _, out int error);
                if (status == HttpParseStatus.NeedMore)
                    continue;
                var remote = TcpAcceptor.ClientAddress(client);
                var response = status == HttpParseStatus.Done
                    ? await RouteAsync(context, head!, remote)
                    : new Response(error, "text/plain", Reason(error) + "\n", "error");
                context.Metrics.Increment("letterbox_http_requests_total", 1, ("path", response.PathGroup), ("code", response.Status.ToString()));
                await client.SendAsync(response.Encode(head?.Method == "HEAD"), SocketFlags.None, timeout.Token);
                return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException)
        {
            // Timed out or reset by the client: there is no one left to answer.
        }
    }

    private sealed record Response(int Status, string ContentType, string Body, string PathGroup)
    {
        public byte[] Encode(bool headOnly)
        {
            var body = Encoding.UTF8.GetBytes(Body);
            var head = $"HTTP/1.1 {Status} {Reason(Status)}\r\nContent-Type: {ContentType}\r\nContent-Length: {body.Length}\r\n" +
                       "Cache-Control: no-store\r\nConnection: close\r\n\r\n";
            var bytes = Encoding.ASCII.GetBytes(head);
            return headOnly ? bytes : [.. bytes, .. body];
        }
    }

    private static async Task<Response> RouteAsync(DaemonContext context, HttpRequestHead request, IPAddress remote)
    {
        if (request.Method is not ("GET" or "HEAD"))
            return new Response(405, "text/plain", "method not allowed\n", "error");

        // RFC 8555 §8.3: the CA fetches the key authorization the acme daemon left on disk.
        if (request.Path.StartsWith(Http01Store.PathPrefix, StringComparison.Ordinal))
        {
            var keyAuthorization = new Http01Store(context.DataDirectory).TryRead(request.Path[Http01Store.PathPrefix.Length..]);
            return keyAuthorization is null
                ? new Response(404, "text/plain", "no such challenge\n", "acme-challenge")
                : new Response(200, "application/octet-stream", keyAuthorization, "acme-challenge");
        }

        switch (request.Path)
        {
            case "/livez":
                return new Response(200, "text/plain", "ok\n", "livez");
            case "/healthz":
            case "/metrics":
                if (!IsMonitoringClient(context, remote))
                    return new Response(403, "text/plain", "forbidden: this address is not in monitoring.allow\n", "forbidden");
                return request.Path == "/healthz" ? await HealthAsync(context) : await MetricsAsync(context);
            default:
                return new Response(404, "text/plain", "not found\n", "other");
        }
    }

    private static bool IsMonitoringClient(DaemonContext context, IPAddress remote) => context.Config.Monitoring.Allows(remote);

    private static async Task<Response> HealthAsync(DaemonContext context)
    {
        string json;
        try
        {
            json = await ControlClient.RequestAsync(context.ControlSocket, "status");
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            return new Response(503, "application/json", "{\"status\":\"unknown\",\"error\":\"supervisor not reachable\"}\n", "healthz");
        }
        var report = JsonSerializer.Deserialize(json, MonitoringJson.Default.HealthReport);
        // 503 when any daemon is down, so a plain HTTP check (load balancer, uptime monitor) sees it.
        return new Response(report is { AllHealthy: true } ? 200 : 503, "application/json", json, "healthz");
    }

    private static async Task<Response> MetricsAsync(DaemonContext context)
    {
        try
        {
            var text = await ControlClient.RequestAsync(context.ControlSocket, "metrics");
            return new Response(200, "text/plain; version=0.0.4; charset=utf-8", text, "metrics");
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            return new Response(503, "text/plain", "supervisor not reachable\n", "metrics");
        }
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    };
}
