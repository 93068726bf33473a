using System.Diagnostics;
using System.Net;
using System.Text;

namespace Letterbox.Config.Tests;

public class ImdsClientTests
{
    // Generous: the client gives up after its 2 s timeout; this only catches a hang.

    [Fact]
    public async Task The_fake_enforces_the_token_handshake()
    {
        // Keeps the other tests honest: a client that skipped a step would fail against this fake.
        await using var imds = new FakeImds { UserDataText = "log.level = \"debug\"\n" };
        using var http = new HttpClient { BaseAddress = imds.Endpoint };

        using (var noTtl = await http.PutAsync("latest/api/token", null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noTtl.StatusCode);
        }
        using (var noToken = await http.GetAsync("latest/user-data"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        }
        using var badToken = new HttpRequestMessage(HttpMethod.Get, "latest/user-data");
        badToken.Headers.Add("X-aws-ec2-metadata-token", "made-up");
        using (var response = await http.SendAsync(badToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task Reads_user_data_tags_and_addresses_with_a_token()
    {
        await using var imds = new FakeImds
        {
            UserDataText = "hostname = \"mail.example.com\"\n",
            Tags = new() { ["Name"] = "mail", ["letterbox:smtp:max_message_size"] = "50M", ["letterbox:log:level"] = "debug" },
            PublicIpv4 = "203.0.113.25",
            Ipv6 = "2001:db8::25",
            PublicHostname = "ec2-203-0-113-25.compute-1.amazonaws.com",
        };
        using var client = new ImdsClient(imds.Endpoint);

        var metadata = await client.FetchAsync();

        Assert.Equal(Ec2MetadataStatus.Available, metadata.Status);
        Assert.Equal("hostname = \"mail.example.com\"\n", Encoding.UTF8.GetString(metadata.UserData!));
        Assert.True(metadata.TagsEnabled);
        Assert.Equal(
            [new("letterbox:smtp:max_message_size", "50M"), new("letterbox:log:level", "debug")],
            metadata.Tags);
        Assert.Equal("203.0.113.25", metadata.PublicIpv4);
        Assert.Equal("2001:db8::25", metadata.Ipv6);
        Assert.Equal("ec2-203-0-113-25.compute-1.amazonaws.com", metadata.PublicHostname);
        Assert.Equal(1, imds.TokenRequests);
        // Only letterbox: tags are fetched one by one; the Name tag is not.
        Assert.DoesNotContain(imds.Requests, r => r.Contains("/instance/Name", StringComparison.Ordinal));
        Assert.All(imds.Requests.Where(r => r.StartsWith("GET", StringComparison.Ordinal)), r => Assert.DoesNotContain("-> 401", r, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Missing_user_data_tags_and_addresses_are_404s_not_errors()
    {
        await using var imds = new FakeImds();
        using var client = new ImdsClient(imds.Endpoint);

        var metadata = await client.FetchAsync();

        Assert.Equal(Ec2MetadataStatus.Available, metadata.Status);
        Assert.Null(metadata.UserData);
        Assert.False(metadata.TagsEnabled);
        Assert.Empty(metadata.Tags);
        Assert.Null(metadata.PublicIpv4);
        Assert.Null(metadata.PublicHostname);
    }

    [Fact]
    public async Task A_token_that_expires_mid_way_is_renewed_once()
    {
        await using var imds = new FakeImds
        {
            UserDataText = "log.level = \"debug\"\n",
            Tags = new() { ["letterbox:log:level"] = "warn" },
            PublicIpv4 = "203.0.113.25",
            RevokeTokensAfterGets = 2,
        };
        using var client = new ImdsClient(imds.Endpoint);

        var metadata = await client.FetchAsync();

        Assert.Equal(Ec2MetadataStatus.Available, metadata.Status);
        Assert.Equal("warn", Assert.Single(metadata.Tags).Value);
        Assert.Equal("203.0.113.25", metadata.PublicIpv4);
        Assert.Equal(2, imds.TokenRequests);
        Assert.Single(imds.Requests, r => r.EndsWith("-> 401", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_service_that_rejects_even_a_fresh_token_is_an_error()
    {
        await using var imds = new FakeImds { RejectAllGets = true };
        using var client = new ImdsClient(imds.Endpoint);

        var metadata = await client.FetchAsync();

        Assert.Equal(Ec2MetadataStatus.Failed, metadata.Status);
        Assert.Contains("rejected a fresh session token (HTTP 401)", metadata.Detail, StringComparison.Ordinal);
        Assert.Equal(2, imds.TokenRequests);
    }

    [Fact]
    public async Task A_service_that_is_not_http_is_a_clear_error()
    {
        await using var imds = new FakeImds { Garbage = true };
        using var client = new ImdsClient(imds.Endpoint);

        var metadata = await client.FetchAsync();

        Assert.Equal(Ec2MetadataStatus.Failed, metadata.Status);
        Assert.Contains("did not answer as an HTTP metadata service", metadata.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_closed_port_means_no_metadata()
    {
        using var client = new ImdsClient(Loopback.ClosedPort());

        // That it returns at all, with "absent", is the point; how fast is measured, not asserted.
        var metadata = await client.FetchAsync();

        Assert.Equal(Ec2MetadataStatus.Absent, metadata.Status);
        Assert.Contains("cannot connect", metadata.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listener_that_never_answers_means_no_metadata_after_the_timeout()
    {
        using var silent = new Loopback.Silent();
        using var client = new ImdsClient(silent.Uri);

        // The client's own 2 s budget ends the wait (a silent listener would otherwise hold it forever).
        var metadata = await client.FetchAsync();

        Assert.Equal(Ec2MetadataStatus.Absent, metadata.Status);
        Assert.Contains("no answer", metadata.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_mistaken_for_an_absent_service()
    {
        using var silent = new Loopback.Silent();
        using var client = new ImdsClient(silent.Uri, TimeSpan.FromMinutes(5));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.FetchAsync(cts.Token));
    }
}
