using ServerlessML.Logging;
using ServerlessML.Registry;

namespace ServerlessML.Inference;

/// <summary>The request formats the serving API speaks.</summary>
public enum ServingProtocol
{
    /// <summary>Open Inference Protocol (KServe/Triton V2) inference.</summary>
    OpenInference,

    /// <summary>KServe V1 predict with instances.</summary>
    KServeV1,
}

/// <summary>One request to serve, as the HTTP layer hands it over.</summary>
/// <param name="Model">The model name from the route.</param>
/// <param name="Body">The request body, read once.</param>
public sealed record ServingRequest(string Model, Stream Body)
{
    /// <summary>The version from the route; null lets the traffic policy choose.</summary>
    public string? Version { get; init; }

    /// <summary>Content-Length, when the caller sent one: an oversized body is refused before it is read.</summary>
    public long? ContentLength { get; init; }

    /// <summary>The caller's request id (header x-request-id); a body "id" takes precedence.</summary>
    public string? RequestId { get; init; }

    /// <summary>Header x-routing-key: keeps one caller on one side of a canary split.</summary>
    public string? RoutingKey { get; init; }

    /// <summary>
    /// Header Inference-Header-Content-Length as sent (<see cref="BinaryTensorData.HeaderName"/>): the byte
    /// length of the JSON at the start of a body that carries binary tensor data after it; null for a
    /// JSON-only body. Checked by the service, so that a bad value is refused and logged like any bad request.
    /// </summary>
    public string? InferenceHeaderContentLength { get; init; }
}

/// <summary>One served (or refused) prediction request, as observers see it.</summary>
public sealed record PredictionEvent(
    string Model,
    string? Version,
    RouteKind? Route,
    string RequestId,
    ServingProtocol Protocol,
    TimeSpan Latency,
    int Rows,
    ServingErrorCode? Error,
    string? ErrorMessage)
{
    /// <summary>The manifest of the version that served (or refused) the request, once it was loaded.</summary>
    public ModelManifest? Manifest { get; init; }

    /// <summary>
    /// The request's features, outputs and context, captured only when an observer asked for them
    /// (<see cref="IPredictionObserver.WantsDetail"/>) and the request was served.
    /// </summary>
    public PredictionDetail? Detail { get; init; }
}

/// <summary>Receives every prediction event: telemetry, the prediction log. Must not block.</summary>
public interface IPredictionObserver
{
    void OnPrediction(PredictionEvent prediction);

    /// <summary>
    /// Whether this observer needs the rows of the request (features, outputs, context). Asked while the
    /// outputs are still in ONNX Runtime's memory, so that nothing is copied for a request nobody keeps.
    /// </summary>
    bool WantsDetail(string requestId, ModelManifest? manifest) => false;
}
