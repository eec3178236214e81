using ServerlessML.Inference;

namespace ServerlessML.Logging;

/// <summary>
/// The names of the prediction log and feedback records (one JSON object per line), shared by the
/// writer and the readers so that both sides agree. README.md beside this file documents them.
/// </summary>
public static class PredictionLogSchema
{
    /// <summary>The version of the record layout; a reader refuses records of a later major version.</summary>
    public const int Version = 1;

    public const string SchemaVersion = "schema_version";
    public const string RequestId = "request_id";
    public const string Row = "row";
    public const string Rows = "rows";
    public const string Time = "time";
    public const string Model = "model";
    public const string ModelVersion = "version";
    public const string Route = "route";
    public const string Protocol = "protocol";
    public const string LatencyMs = "latency_ms";
    public const string Status = "status";
    public const string Error = "error";
    public const string SampleRate = "sample_rate";
    public const string Features = "features";
    public const string Outputs = "outputs";
    public const string Context = "context";
    public const string Label = "label";

    /// <summary>The status of a served request; failed requests carry their error code instead.</summary>
    public const string StatusOk = "ok";

    /// <summary>UTC, ISO 8601 with microseconds.</summary>
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>Blob metadata of a prediction log blob: how many records it holds.</summary>
    public const string RecordsMetadata = "records";

    /// <summary>Blob metadata: records of this model dropped by this instance since its previous blob of the model.</summary>
    public const string DroppedMetadata = "dropped";

    /// <summary>Blob metadata: the instance that wrote the blob.</summary>
    public const string InstanceMetadata = "instance";

    public static string RouteName(RouteKind route) => route switch
    {
        RouteKind.Production => "production",
        RouteKind.Canary => "canary",
        RouteKind.Shadow => "shadow",
        RouteKind.Explicit => "explicit",
        _ => throw new ArgumentOutOfRangeException(nameof(route), route, null),
    };

    public static string ProtocolName(ServingProtocol protocol) => protocol switch
    {
        ServingProtocol.OpenInference => "v2",
        ServingProtocol.KServeV1 => "v1",
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, null),
    };

    /// <summary>The status of a failed request: its error code in snake case, e.g. bad_request.</summary>
    public static string StatusName(ServingErrorCode? error) => error switch
    {
        null => StatusOk,
        ServingErrorCode.BadRequest => "bad_request",
        ServingErrorCode.NotFound => "not_found",
        ServingErrorCode.PayloadTooLarge => "payload_too_large",
        ServingErrorCode.Unavailable => "unavailable",
        ServingErrorCode.Conflict => "conflict",
        ServingErrorCode.UnsupportedMediaType => "unsupported_media_type",
        _ => throw new ArgumentOutOfRangeException(nameof(error), error, null),
    };
}
