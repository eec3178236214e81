using Microsoft.ApplicationInsights;
using ServerlessML.Inference;

namespace ServerlessML.Functions.Telemetry;

/// <summary>Sends per model and version metrics for every prediction request to Application Insights.</summary>
public sealed class PredictionTelemetry(TelemetryClient telemetry) : IPredictionObserver
{
    // Looked up once: every request tracks into these, pre-aggregated locally, so a prediction costs no request.
    private readonly Metric _latency = PerModelMetrics.Get(telemetry, "PredictionLatencyMs", "Model", "Version", "Route");
    private readonly Metric _rows = PerModelMetrics.Get(telemetry, "PredictionRows", "Model", "Version", "Route");
    private readonly Metric _errors = PerModelMetrics.Get(telemetry, "PredictionErrors", "Model", "Version", "Code");

    public void OnPrediction(PredictionEvent prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        string version = prediction.Version ?? "none";
        string route = prediction.Route?.ToString() ?? "none";
        _latency.TrackValue(prediction.Latency.TotalMilliseconds, prediction.Model, version, route);
        _rows.TrackValue(prediction.Rows, prediction.Model, version, route);
        _errors.TrackValue(prediction.Error is null ? 0 : 1, prediction.Model, version, prediction.Error?.ToString() ?? "none");
    }
}
