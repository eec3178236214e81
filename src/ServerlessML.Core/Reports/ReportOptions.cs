namespace ServerlessML.Reports;

/// <summary>How the scheduled monitoring report is computed (design section 7).</summary>
public sealed class ReportOptions
{
    /// <summary>The configuration section of the other settings, e.g. app setting <c>Monitoring__LabelHorizon</c>.</summary>
    public const string SectionName = "Monitoring";

    /// <summary>The app setting that holds <see cref="Window"/> (a TimeSpan such as 24:00:00).</summary>
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
}
