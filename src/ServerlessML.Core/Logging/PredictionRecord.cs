using Newtonsoft.Json.Linq;

namespace ServerlessML.Logging;

/// <summary>One record of the prediction log as read back: a row of a request, or a failed or summarized request.</summary>
public sealed class PredictionRecord
{
    public int SchemaVersion { get; init; }

    public string RequestId { get; init; } = "";

    /// <summary>The row's index in its request; null for a failed request or a record of the whole request.</summary>
    public int? Row { get; init; }

    /// <summary>Rows in the request.</summary>
    public int Rows { get; init; }

    /// <summary>When the request arrived, UTC.</summary>
    public DateTimeOffset Time { get; init; }

    public string Model { get; init; } = "";

    public string? Version { get; init; }

    /// <summary>production, canary, shadow or explicit.</summary>
    public string? Route { get; init; }

    /// <summary>v1 or v2.</summary>
    public string Protocol { get; init; } = "";

    public double LatencyMs { get; init; }

    /// <summary>ok, or the error code (bad_request, not_found, payload_too_large, unavailable, conflict).</summary>
    public string Status { get; init; } = PredictionLogSchema.StatusOk;

    public string? Error { get; init; }

    /// <summary>The share of requests logged when this one was; weight a record by 1 / SampleRate to estimate totals.</summary>
    public double SampleRate { get; init; } = 1;

    /// <summary>Feature values by name (a scalar, a hash, or a summary object for a large tensor).</summary>
    public JObject Features { get; init; } = [];

    /// <summary>label, probability or probabilities, score; or each output by name; null for a failed request.</summary>
    public JObject? Outputs { get; init; }

    /// <summary>Fields of the instance the model does not see (V1 only).</summary>
    public JObject Context { get; init; } = [];

    public bool IsError => Status != PredictionLogSchema.StatusOk;

    /// <summary>True for the record that stands for its request in request counts: row 0, or a record of the whole request.</summary>
    public bool FirstOfRequest => Row is null or 0;

    public JToken? Label => Outputs?[PredictionLogSchema.Label];

    public double? Score => Outputs?["score"] is { Type: JTokenType.Float or JTokenType.Integer } score ? (double)score : null;

    /// <summary>A binary model's probability of the positive class, when it gives one number per row.</summary>
    public double? Probability => Outputs?["probability"] is { Type: JTokenType.Float or JTokenType.Integer } p ? (double)p : null;
}

/// <summary>One ground-truth label as stored by the feedback API.</summary>
public sealed class FeedbackLabel
{
    public int SchemaVersion { get; init; } = PredictionLogSchema.Version;

    /// <summary>The request id of the prediction it labels.</summary>
    public string RequestId { get; init; } = "";

    /// <summary>The instance's index in its request; null labels every row of the request (a single-row request).</summary>
    public int? Row { get; init; }

    /// <summary>A string, number or boolean.</summary>
    public JValue Label { get; init; } = JValue.CreateNull();

    /// <summary>When the label was received, UTC.</summary>
    public DateTimeOffset Time { get; init; }
}

/// <summary>One blob of the prediction log, as listed: its records and the drops it reports.</summary>
public sealed record PredictionLogBlob(string Name, long Records, long Dropped, string? Instance, DateTimeOffset? Written);
