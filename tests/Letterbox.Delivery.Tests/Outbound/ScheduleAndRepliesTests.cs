using Letterbox.Delivery.Outbound;

namespace Letterbox.Delivery.Tests.Outbound;

/// <summary>The retry schedule's shape, and reading enhanced status codes out of whatever a remote server replies.</summary>
public sealed class ScheduleAndRepliesTests
{
    [Fact]
    public void Retries_start_at_the_first_delay_double_and_stop_growing_at_four_hours_with_jitter()
    {
        var first = TimeSpan.FromMinutes(2);
        var random = new Random(42);
        for (int i = 0; i < 200; i++)
        {
            var d1 = RetrySchedule.Delay(first, 1, random);
            Assert.InRange(d1, first * 0.8, first * 1.2);
            var d3 = RetrySchedule.Delay(first, 3, random);
            Assert.InRange(d3, first * 4 * 0.8, first * 4 * 1.2);
            var late = RetrySchedule.Delay(first, 40, random);
            Assert.InRange(late, TimeSpan.FromHours(4) * 0.8, TimeSpan.FromHours(4) * 1.2);
        }
        // Jitter: two queues full of mail for one domain do not retry in lockstep.
        Assert.True(Enumerable.Range(0, 20).Select(_ => RetrySchedule.Delay(first, 1, random)).Distinct().Count() > 10);
    }

    [Theory]
    [InlineData("5.1.1 <x@y>: Recipient address rejected", "5.1.1")]
    [InlineData("4.7.1 Try again later", "4.7.1")]
    [InlineData("  2.0.0 Ok", "2.0.0")]
    [InlineData("5.7.26 Unauthenticated email is not accepted", "5.7.26")]
    [InlineData("Mailbox unavailable", null)]
    [InlineData("", null)]
    [InlineData("6.1.1 nonsense class", null)]
    [InlineData("5.1 too short", null)]
    [InlineData("5.1.1.1 too long", null)]
    [InlineData("5.a.1 letters", null)]
    [InlineData("5.1234.1 long subject", null)]
    [InlineData("5..1 empty", null)]
    public void Enhanced_status_codes_are_taken_only_when_well_formed(string reply, string? expected) =>
        Assert.Equal(expected, SmtpTransfer.EnhancedStatus(reply));
}
