using ServerlessML.Reports;

namespace ServerlessML.Tests.Reports;

public class ReportOptionsTests
{
    [Theory]
    [InlineData("24:00:00", 24 * 60)]
    [InlineData("168:00:00", 7 * 24 * 60)]
    [InlineData("01:30", 90)]
    [InlineData(" 2:15:00 ", 135)]
    [InlineData("1.00:00:00", 24 * 60)]
    [InlineData("7.12:00:00", (7 * 24 + 12) * 60)]
    public void Durations_read_hours_past_23_as_hours_and_days_only_before_a_dot(string value, int minutes)
    {
        Assert.Equal(TimeSpan.FromMinutes(minutes), ReportOptions.ParseDuration("MonitoringWindow", value));
    }

    [Theory]
    [InlineData("24")]
    [InlineData("1 day")]
    [InlineData("24:60:00")]
    [InlineData("-1:00:00")]
    public void An_unreadable_duration_is_refused_naming_the_setting(string value)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => ReportOptions.ParseDuration("MonitoringWindow", value));

        Assert.StartsWith($"MonitoringWindow is '{value}': give hours:minutes:seconds (24:00:00 is 24 hours)", refused.Message, StringComparison.Ordinal);
    }
}
