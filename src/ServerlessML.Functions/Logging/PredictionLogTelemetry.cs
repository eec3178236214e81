using Microsoft.ApplicationInsights;
using ServerlessML.Functions.Telemetry;
using ServerlessML.Logging;

namespace ServerlessML.Functions.Logging;

/// <summary>Sends the prediction log's dropped records to Application Insights as metric PredictionLogDropped, per model.</summary>
public sealed class PredictionLogTelemetry(TelemetryClient telemetry) : IPredictionLogMetrics
{
    // Pre-aggregated locally: a burst of drops costs no request per drop.
    private readonly Metric _dropped = PerModelMetrics.Get(telemetry, "PredictionLogDropped", "Model");

    public void RecordsDropped(string model, int count) => _dropped.TrackValue(count, model);
}
