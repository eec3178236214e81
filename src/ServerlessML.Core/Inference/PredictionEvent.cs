namespace ServerlessML.Inference;

/// <summary>One served (or refused) prediction request, as observers see it.</summary>
public sealed record PredictionEvent(
    string Model,
    string? Version,
    RouteKind? Route,
    string RequestId,
    string Protocol,
    TimeSpan Latency,
    int Rows,
    ServingErrorCode? Error,
    string? ErrorMessage);

/// <summary>Receives every prediction event: telemetry now, the prediction log later. Must not block.</summary>
public interface IPredictionObserver
{
    void OnPrediction(PredictionEvent prediction);
}
