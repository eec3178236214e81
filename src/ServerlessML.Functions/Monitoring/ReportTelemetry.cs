using System.Globalization;
using Microsoft.ApplicationInsights;
using Microsoft.ApplicationInsights.DataContracts;
using ServerlessML.Reports;

namespace ServerlessML.Functions.Monitoring;

/// <summary>
/// Sends each report's figures to Application Insights as custom metrics per model and version, and one custom
/// event named <see cref="BreachEvent"/> per threshold breach (the Bicep alert rule queries that name).
/// </summary>
public sealed class ReportTelemetry(TelemetryClient telemetry) : IReportObserver
{
    public const string BreachEvent = "ThresholdBreached";

    /// <summary>The event of a canary promoted or rolled back by the report's canary judgement.</summary>
    public const string CanaryEvent = "CanaryJudged";

    public void ReportWritten(ModelReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        foreach (var version in report.Versions)
        {
            foreach (var (route, operations) in version.Operations)
            {
                Track("MonitoringRequests", operations.Requests, report.Model, version.Version, route);
                Track("MonitoringErrors", operations.Errors, report.Model, version.Version, route);
                if (operations.Latency.P95 is { } p95)
                {
                    Track("MonitoringLatencyP95Ms", p95, report.Model, version.Version, route);
                }
            }

            if (version.Drift is { Share: { } share })
            {
                Track("MonitoringDriftShare", share, report.Model, version.Version, "all");
            }

            foreach (var feature in version.Drift?.Features ?? [])
            {
                if (feature.Score is { } score)
                {
                    Track("MonitoringDriftScore", score, report.Model, version.Version, feature.Feature);
                }
            }

            foreach (var outcome in version.Fairness?.Outcomes ?? [])
            {
                foreach (var grouping in outcome.Groupings)
                {
                    foreach (var figure in grouping.Figures.Where(f => f.Value.HasValue))
                    {
                        Track($"Fairness{figure.Metric}", figure.Value!.Value, report.Model, version.Version, $"{string.Join("+", grouping.Features)}/{figure.Method}");
                    }
                }
            }
        }

        if (report.Canary is { Applied: true } canary)
        {
            telemetry.TrackEvent(CanaryEvent, new Dictionary<string, string>
            {
                ["Model"] = report.Model,
                ["Version"] = canary.Version,
                ["Production"] = canary.Production,
                ["Verdict"] = canary.Verdict == CanaryVerdict.Promote ? "promote" : "roll back",
                ["Description"] = canary.Reason,
            });
        }

        foreach (var breach in report.Breaches)
        {
            telemetry.TrackEvent(BreachEvent, new Dictionary<string, string>
            {
                ["Model"] = report.Model,
                ["Version"] = breach.Version,
                ["Area"] = breach.Area,
                ["Subject"] = breach.Subject,
                ["Figure"] = breach.Figure,
                ["Value"] = breach.Value.ToString("R", CultureInfo.InvariantCulture),
                ["Threshold"] = breach.Threshold.ToString("R", CultureInfo.InvariantCulture),
                ["N"] = breach.N.ToString(CultureInfo.InvariantCulture),
                ["Certainty"] = breach.Certainty,
                ["Description"] = breach.Sentence,
            });
        }
    }

    // One item per figure rather than GetMetric: a report gives each series one value per run, so there is
    // nothing to pre-aggregate, and GetMetric's caps (100 values per dimension, 1,000 series, for the life of
    // the process) would silently drop the figures of wide models and of later versions. Sent at once, too,
    // not at the next minute's aggregation, which a worker scaled in soon after the timer run may never send.
    private void Track(string metric, double value, string model, string version, string part) =>
        telemetry.TrackMetric(new MetricTelemetry(metric, value)
        {
            Properties = { ["Model"] = model, ["Version"] = version, ["Part"] = part },
        });
}
