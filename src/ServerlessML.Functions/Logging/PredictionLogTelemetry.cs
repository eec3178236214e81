using Microsoft.ApplicationInsights;
using ServerlessML.Functions.Telemetry;
using ServerlessML.Logging;

namespace ServerlessML.Functions.Logging;

/// <summary>Sends the prediction log's dropped records to Application Insights as metric PredictionLogDropped, per model.</summary>
public sealed class PredictionLogTelemetry(TelemetryClient telemetry) : IPredictionLogMetrics
{
    public void RecordsDropped(string model, int count) =>
        // Pre-aggregated locally: a burst of drops costs no request per drop.
        PerModelMetrics.Get(telemetry, "PredictionLogDropped", "Model").TrackValue(count, model);
}
