using ServerlessML.DevHost.Timers;

namespace ServerlessML.DevHost.Tests;

public sealed class TimerScheduleTests
{
    private static readonly DateTime Start = new(2026, 3, 1, 10, 17, 42, DateTimeKind.Utc);

    [Theory]
    [InlineData("0 0 * * * *", "2026-03-01T11:00:00")]
    [InlineData("0 */5 * * * *", "2026-03-01T10:20:00")]
    [InlineData("*/10 * * * * *", "2026-03-01T10:17:50")]
    [InlineData("0 30 9 * * 1-5", "2026-03-02T09:30:00")]
    [InlineData("0 0 0 1 1 *", "2027-01-01T00:00:00")]
    public void Six_field_cron_gives_the_next_occurrence_in_utc(string expression, string expected)
    {
        var next = TimerSchedule.Parse(expression).GetNextOccurrence(Start);

        Assert.Equal(DateTime.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), next);
        Assert.Equal(DateTimeKind.Utc, next.Kind);
    }

    [Fact]
    public void Next_occurrence_is_strictly_after_the_given_time()
    {
        var onTheHour = new DateTime(2026, 3, 1, 11, 0, 0, DateTimeKind.Utc);
        Assert.Equal(onTheHour.AddHours(1), TimerSchedule.Parse("0 0 * * * *").GetNextOccurrence(onTheHour));
    }

    [Fact]
    public void Time_span_schedule_is_a_constant_interval() =>
        Assert.Equal(Start.AddMinutes(5), TimerSchedule.Parse("00:05:00").GetNextOccurrence(Start));

    [Fact]
    public void Five_field_cron_is_refused_with_the_six_field_form()
    {
        var error = Assert.Throws<FormatException>(() => TimerSchedule.Parse("*/5 * * * *"));
        Assert.Contains("six-field", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0 61 * * * *")]
    [InlineData("not a schedule at all")]
    [InlineData("00:00:00")]
    public void Invalid_schedule_is_refused_naming_it(string expression)
    {
        var error = Assert.Throws<FormatException>(() => TimerSchedule.Parse(expression));
        Assert.Contains(expression, error.Message, StringComparison.Ordinal);
    }
}
