using Microsoft.ApplicationInsights;
using ServerlessML.Inference;

namespace ServerlessML.Functions.Telemetry;

/// <summary>Sends per model and version metrics for every prediction request to Application Insights.</summary>
public sealed class PredictionTelemetry(TelemetryClient telemetry) : IPredictionObserver
{
    public void OnPrediction(PredictionEvent prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        string version = prediction.Version ?? "none";
        string route = prediction.Route?.ToString() ?? "none";
        // Pre-aggregated locally, so this costs no request per prediction.
        PerModelMetrics.Get(telemetry, "PredictionLatencyMs", "Model", "Version", "Route")
            .TrackValue(prediction.Latency.TotalMilliseconds, prediction.Model, version, route);
        PerModelMetrics.Get(telemetry, "PredictionRows", "Model", "Version", "Route")
            .TrackValue(prediction.Rows, prediction.Model, version, route);
        PerModelMetrics.Get(telemetry, "PredictionErrors", "Model", "Version", "Code")
            .TrackValue(prediction.Error is null ? 0 : 1, prediction.Model, version, prediction.Error?.ToString() ?? "none");
    }
}
