using System.Globalization;
using System.Text.RegularExpressions;

namespace ServerlessML.Reports;

/// <summary>How the scheduled monitoring report is computed (design section 7).</summary>
public sealed partial class ReportOptions
{
    /// <summary>The configuration section of the other settings, e.g. app setting <c>Monitoring__LabelHorizon</c>.</summary>
    public const string SectionName = "Monitoring";

    /// <summary>The app setting that holds <see cref="Window"/>, read by <see cref="ParseDuration"/> (24:00:00 is 24 hours).</summary>
    public const string WindowSetting = "MonitoringWindow";

    /// <summary>The period a report covers, ending when it runs. Whole hours; at least one.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long after an hour ends its labels may still change its stored aggregate: within the horizon an hour is
    /// recomputed when feedback arrived after it was stored; past it, the stored aggregate is final and later
    /// labels are left out (the report says so).
    /// </summary>
    public TimeSpan LabelHorizon { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Bootstrap resamples of the fairness confidence intervals.</summary>
    public int FairnessBootstrapResamples { get; set; } = 1000;

    /// <summary>Past reports shown in the trend chart.</summary>
    public int TrendReports { get; set; } = 30;

    /// <summary>
    /// Reads a duration setting as people write it: hours:minutes[:seconds] with any number of hours ("24:00:00" is 24
    /// hours, "168:00:00" a week), or days.hours:minutes[:seconds] ("7.00:00:00"). TimeSpan.Parse alone reads
    /// "24:00:00" as 24 days, which would make a "24 hour" report window read 24 days of logs every run.
    /// </summary>
    public static TimeSpan ParseDuration(string setting, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var hours = HoursMinutesSeconds().Match(value.Trim());
        if (hours.Success)
        {
            return TimeSpan.FromHours(long.Parse(hours.Groups[1].Value, CultureInfo.InvariantCulture))
                + TimeSpan.FromMinutes(int.Parse(hours.Groups[2].Value, CultureInfo.InvariantCulture))
                + TimeSpan.FromSeconds(hours.Groups[3].Success ? int.Parse(hours.Groups[3].Value, CultureInfo.InvariantCulture) : 0);
        }

        return value.Contains('.', StringComparison.Ordinal) && TimeSpan.TryParse(value.Trim(), CultureInfo.InvariantCulture, out var duration)
            ? duration
            : throw new InvalidOperationException(
                $"{setting} is '{value}': give hours:minutes:seconds (24:00:00 is 24 hours) or days.hours:minutes:seconds (7.00:00:00).");
    }

    public void Validate()
    {
        if (Window < TimeSpan.FromHours(1) || Window.Ticks % TimeSpan.TicksPerHour != 0)
        {
            throw new InvalidOperationException($"{WindowSetting} is {Window}; give whole hours of at least 1, e.g. 24:00:00.");
        }

        if (LabelHorizon < TimeSpan.Zero)
        {
            throw new InvalidOperationException($"The label horizon is {LabelHorizon}; give zero or more, e.g. 24:00:00.");
        }

        if (FairnessBootstrapResamples is < 0 or > 100_000 || TrendReports < 0)
        {
            throw new InvalidOperationException(
                $"{SectionName}:{nameof(FairnessBootstrapResamples)} is {FairnessBootstrapResamples} and {SectionName}:{nameof(TrendReports)} {TrendReports}: give 0 to 100000 resamples (0: no confidence intervals) and zero or more trend reports.");
        }
    }

    [GeneratedRegex(@"^(\d{1,6}):([0-5]\d)(?::([0-5]\d))?$", RegexOptions.CultureInvariant)]
    private static partial Regex HoursMinutesSeconds();
}
