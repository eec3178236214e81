using Microsoft.ApplicationInsights;
using Microsoft.ApplicationInsights.Metrics;

namespace ServerlessML.Functions.Telemetry;

/// <summary>
/// Pre-aggregated metrics with room for every model, version and route a long-lived worker serves. GetMetric's
/// defaults (100 values per dimension, 1,000 series, for the life of the process) silently drop values past them,
/// which an app serving more than 100 models, or a model redeployed often, reaches.
/// </summary>
internal static class PerModelMetrics
{
    private static readonly MetricConfiguration Limits = new(
        seriesCountLimit: 50_000, valuesPerDimensionLimit: 10_000, new MetricSeriesConfigurationForMeasurement(restrictToUInt32Values: false));

    public static Metric Get(TelemetryClient telemetry, string name, string dimension) =>
        telemetry.GetMetric(new MetricIdentifier(MetricIdentifier.DefaultMetricNamespace, name, dimension), Limits);

    public static Metric Get(TelemetryClient telemetry, string name, string dimension1, string dimension2, string dimension3) =>
        telemetry.GetMetric(new MetricIdentifier(MetricIdentifier.DefaultMetricNamespace, name, dimension1, dimension2, dimension3), Limits);
}
