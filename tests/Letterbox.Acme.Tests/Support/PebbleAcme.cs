using Letterbox.Acme.Challenges;
using Letterbox.Tests.Pebble;

namespace Letterbox.Acme.Tests.Support;

/// <summary>The ACME client's view of a <see cref="PebbleServer"/>.</summary>
public static class PebbleAcme
{
    public static AcmeClientOptions Options(this PebbleServer pebble, TimeSpan? requestTimeout = null) => new()
    {
        Handler = pebble.Handler(),
        RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(20),
        PollTimeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>A dns-01 publisher backed by challtestsrv's TXT API.</summary>
    public static IDns01Publisher ChallTestSrvPublisher(this PebbleServer pebble) => new ChallTestSrvDns(pebble);

    private sealed class ChallTestSrvDns(PebbleServer pebble) : IDns01Publisher
    {
        public Task PublishAsync(string fqdn, string value, CancellationToken ct) => pebble.SetTxtAsync(fqdn, value, ct);
        public Task WithdrawAsync(string fqdn, string value, CancellationToken ct) => pebble.ClearTxtAsync(fqdn, ct);
    }
}
