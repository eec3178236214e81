using ServerlessML.Functions.Logging;
using ServerlessML.Functions.Telemetry;
using ServerlessML.Inference;

namespace ServerlessML.Functions.Tests.Telemetry;

/// <summary>Per-request metrics through a real TelemetryClient's pre-aggregation, captured at the channel.</summary>
public sealed class PredictionTelemetryTests : IDisposable
{
    private readonly TelemetryCapture _telemetry = new();

    public void Dispose() => _telemetry.Dispose();

    private static PredictionEvent Served(string model, string version, double milliseconds, ServingErrorCode? error = null) =>
        new(model, version, RouteKind.Production, Guid.NewGuid().ToString("N"), ServingProtocol.OpenInference, TimeSpan.FromMilliseconds(milliseconds), 2, error, error is null ? null : "refused");

    [Fact]
    public void Latency_rows_and_errors_are_aggregated_per_model_and_version()
    {
        var observer = new PredictionTelemetry(_telemetry.Client);
        observer.OnPrediction(Served("fraud", "1", 4));
        observer.OnPrediction(Served("fraud", "1", 6));
        observer.OnPrediction(Served("fraud", "2", 10, ServingErrorCode.BadRequest));
        _telemetry.Flush();

        var latency = _telemetry.Metrics().Where(m => m.Series.Name == "PredictionLatencyMs").ToDictionary(m => m.Series.Version);
        Assert.Equal((10.0, 2), (latency["1"].Sum, latency["1"].Count));
        Assert.Equal((10.0, 1), (latency["2"].Sum, latency["2"].Count));
        Assert.Equal(6.0, _telemetry.Metrics().Where(m => m.Series.Name == "PredictionRows").Sum(m => m.Sum));
        var errors = _telemetry.Metrics().Where(m => m.Series.Name == "PredictionErrors").ToDictionary(m => m.Series.Version);
        Assert.Equal((0.0, 1.0), (errors["1"].Sum, errors["2"].Sum));
    }

    [Fact]
    public void More_than_a_hundred_versions_and_models_all_keep_their_metrics()
    {
        // GetMetric's default limit is 100 values per dimension for the life of the process; past it values were dropped.
        var observer = new PredictionTelemetry(_telemetry.Client);
        var drops = new PredictionLogTelemetry(_telemetry.Client);
        for (int i = 0; i < 250; i++)
        {
            observer.OnPrediction(Served("fraud", $"v{i}", 1));
            drops.RecordsDropped($"model-{i}", 3);
        }

        _telemetry.Flush();

        Assert.Equal(250, _telemetry.Metrics().Count(m => m.Series.Name == "PredictionLatencyMs"));
        Assert.Equal(250, _telemetry.Metrics().Where(m => m.Series.Name == "PredictionLogDropped").Select(m => m.Series.Model).Distinct().Count());
        Assert.Equal(750.0, _telemetry.Metrics().Where(m => m.Series.Name == "PredictionLogDropped").Sum(m => m.Sum));
    }
}
