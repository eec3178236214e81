using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace ServerlessML.Logging;

/// <summary>
/// Streams the prediction log of a model over a time window: lists only the window's partitions
/// (whole days where it covers them, hours at its edges) and reads each blob with a streaming JSON
/// reader, one record at a time, so memory does not grow with the number of records.
/// </summary>
public sealed class PredictionLogReader
{
    private readonly BlobContainerClient _container;

    public PredictionLogReader(BlobServiceClient blobs)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        _container = blobs.GetBlobContainerClient(LogPaths.PredictionsContainer);
    }

    /// <summary>The records of <paramref name="model"/> whose time is in [<paramref name="from"/>, <paramref name="to"/>), in partition order.</summary>
    public async IAsyncEnumerable<PredictionRecord> ReadAsync(string model, DateTimeOffset from, DateTimeOffset to, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var blob in ListBlobsAsync(model, from, to, cancellationToken).ConfigureAwait(false))
        {
            var client = _container.GetBlobClient(blob.Name);
            using var reader = await JsonLines.OpenAsync(client, cancellationToken).ConfigureAwait(false);
            while (await JsonLines.NextObjectAsync(reader, client, cancellationToken).ConfigureAwait(false))
            {
                var record = await ReadRecordAsync(reader, client, cancellationToken).ConfigureAwait(false);
                if (record.Time >= from && record.Time < to)
                {
                    yield return record;
                }
            }
        }
    }

    /// <summary>The blobs of the window's partitions, with their record and drop counts from their metadata.</summary>
    public async IAsyncEnumerable<PredictionLogBlob> ListBlobsAsync(string model, DateTimeOffset from, DateTimeOffset to, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!await _container.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            yield break;
        }

        foreach (string prefix in LogPaths.PredictionPrefixes(model, from, to))
        {
            await foreach (var item in _container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix, cancellationToken).ConfigureAwait(false))
            {
                yield return new PredictionLogBlob(
                    item.Name,
                    Metadata(item, PredictionLogSchema.RecordsMetadata),
                    Metadata(item, PredictionLogSchema.DroppedMetadata),
                    item.Metadata.TryGetValue(PredictionLogSchema.InstanceMetadata, out string? instance) ? instance : null,
                    item.Properties.CreatedOn);
            }
        }
    }

    private static long Metadata(BlobItem item, string key) =>
        item.Metadata.TryGetValue(key, out string? text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) ? value : 0;

    private static async Task<PredictionRecord> ReadRecordAsync(JsonTextReader reader, BlobClient blob, CancellationToken cancellationToken)
    {
        int schema = 0;
        string requestId = "";
        int? row = null;
        int rows = 0;
        DateTimeOffset time = default;
        string model = "";
        string? version = null;
        string? route = null;
        string protocol = "";
        double latency = 0;
        string status = PredictionLogSchema.StatusOk;
        string? error = null;
        double sampleRate = 1;
        JObject features = [];
        JObject? outputs = null;
        JObject context = [];
        while (await JsonLines.NextPropertyAsync(reader, blob, cancellationToken).ConfigureAwait(false) is { } property)
        {
            switch (property)
            {
                case PredictionLogSchema.SchemaVersion:
                    schema = JsonLines.CheckSchema(reader, blob);
                    break;
                case PredictionLogSchema.RequestId:
                    requestId = (string?)reader.Value ?? "";
                    break;
                case PredictionLogSchema.Row:
                    row = reader.Value is null ? null : Convert.ToInt32(reader.Value, CultureInfo.InvariantCulture);
                    break;
                case PredictionLogSchema.Rows:
                    rows = Convert.ToInt32(reader.Value, CultureInfo.InvariantCulture);
                    break;
                case PredictionLogSchema.Time:
                    time = JsonLines.ParseTime(reader, blob);
                    break;
                case PredictionLogSchema.Model:
                    model = (string?)reader.Value ?? "";
                    break;
                case PredictionLogSchema.ModelVersion:
                    version = (string?)reader.Value;
                    break;
                case PredictionLogSchema.Route:
                    route = (string?)reader.Value;
                    break;
                case PredictionLogSchema.Protocol:
                    protocol = (string?)reader.Value ?? "";
                    break;
                case PredictionLogSchema.LatencyMs:
                    latency = Convert.ToDouble(reader.Value, CultureInfo.InvariantCulture);
                    break;
                case PredictionLogSchema.Status:
                    status = (string?)reader.Value ?? PredictionLogSchema.StatusOk;
                    break;
                case PredictionLogSchema.Error:
                    error = (string?)reader.Value;
                    break;
                case PredictionLogSchema.SampleRate:
                    sampleRate = Convert.ToDouble(reader.Value, CultureInfo.InvariantCulture);
                    break;
                case PredictionLogSchema.Features:
                    features = await JObject.LoadAsync(reader, cancellationToken).ConfigureAwait(false);
                    break;
                case PredictionLogSchema.Outputs:
                    outputs = reader.TokenType == JsonToken.StartObject ? await JObject.LoadAsync(reader, cancellationToken).ConfigureAwait(false) : null;
                    break;
                case PredictionLogSchema.Context:
                    context = await JObject.LoadAsync(reader, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    // A field of a later minor version: skipped.
                    await reader.SkipAsync(cancellationToken).ConfigureAwait(false);
                    break;
            }
        }

        return new PredictionRecord
        {
            SchemaVersion = schema,
            RequestId = requestId,
            Row = row,
            Rows = rows,
            Time = time,
            Model = model,
            Version = version,
            Route = route,
            Protocol = protocol,
            LatencyMs = latency,
            Status = status,
            Error = error,
            SampleRate = sampleRate,
            Features = features,
            Outputs = outputs,
            Context = context,
        };
    }
}

/// <summary>
/// Streams the feedback labels of a model over a time window (by the time each was received), one
/// day partition at a time, with a streaming JSON reader.
/// </summary>
public sealed class FeedbackReader
{
    private readonly BlobContainerClient _container;

    public FeedbackReader(BlobServiceClient blobs)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        _container = blobs.GetBlobContainerClient(LogPaths.FeedbackContainer);
    }

    public async IAsyncEnumerable<FeedbackLabel> ReadAsync(string model, DateTimeOffset from, DateTimeOffset to, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!await _container.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            yield break;
        }

        foreach (string prefix in LogPaths.FeedbackPrefixes(model, from, to))
        {
            await foreach (var item in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken).ConfigureAwait(false))
            {
                var client = _container.GetBlobClient(item.Name);
                using var reader = await JsonLines.OpenAsync(client, cancellationToken).ConfigureAwait(false);
                while (await JsonLines.NextObjectAsync(reader, client, cancellationToken).ConfigureAwait(false))
                {
                    var label = await ReadLabelAsync(reader, client, cancellationToken).ConfigureAwait(false);
                    if (label.Time >= from && label.Time < to)
                    {
                        yield return label;
                    }
                }
            }
        }
    }

    private static async Task<FeedbackLabel> ReadLabelAsync(JsonTextReader reader, BlobClient blob, CancellationToken cancellationToken)
    {
        int schema = 0;
        string requestId = "";
        int? row = null;
        JValue label = JValue.CreateNull();
        DateTimeOffset time = default;
        while (await JsonLines.NextPropertyAsync(reader, blob, cancellationToken).ConfigureAwait(false) is { } property)
        {
            switch (property)
            {
                case PredictionLogSchema.SchemaVersion:
                    schema = JsonLines.CheckSchema(reader, blob);
                    break;
                case PredictionLogSchema.RequestId:
                    requestId = (string?)reader.Value ?? "";
                    break;
                case PredictionLogSchema.Row:
                    row = reader.Value is null ? null : Convert.ToInt32(reader.Value, CultureInfo.InvariantCulture);
                    break;
                case PredictionLogSchema.Label:
                    label = new JValue(reader.Value);
                    break;
                case PredictionLogSchema.Time:
                    time = JsonLines.ParseTime(reader, blob);
                    break;
                default:
                    await reader.SkipAsync(cancellationToken).ConfigureAwait(false);
                    break;
            }
        }

        return new FeedbackLabel { SchemaVersion = schema, RequestId = requestId, Row = row, Label = label, Time = time };
    }
}

/// <summary>The streaming steps both readers share: one JSON object per line, read token by token.</summary>
internal static class JsonLines
{
    public static async Task<JsonTextReader> OpenAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        var stream = await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = 1024 * 1024 }, cancellationToken).ConfigureAwait(false);
        return new JsonTextReader(new StreamReader(stream, new UTF8Encoding(false)))
        {
            SupportMultipleContent = true,
            DateParseHandling = DateParseHandling.None,
            FloatParseHandling = FloatParseHandling.Double,
            CloseInput = true,
        };
    }

    /// <summary>Moves to the start of the next record; false at the end of the blob.</summary>
    public static async Task<bool> NextObjectAsync(JsonTextReader reader, BlobClient blob, CancellationToken cancellationToken)
    {
        if (!await ReadAsync(reader, blob, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        return reader.TokenType == JsonToken.StartObject
            ? true
            : throw new InvalidDataException($"Blob '{blob.Name}' line {reader.LineNumber} is {reader.TokenType}, not a JSON object: it was not written by the prediction log.");
    }

    /// <summary>Moves to the value of the next property and returns its name; null at the end of the record.</summary>
    public static async Task<string?> NextPropertyAsync(JsonTextReader reader, BlobClient blob, CancellationToken cancellationToken)
    {
        if (!await ReadAsync(reader, blob, cancellationToken).ConfigureAwait(false) || reader.TokenType == JsonToken.EndObject)
        {
            return null;
        }

        string name = (string)reader.Value!;
        return await ReadAsync(reader, blob, cancellationToken).ConfigureAwait(false)
            ? name
            : throw new InvalidDataException($"Blob '{blob.Name}' ends inside a record at line {reader.LineNumber}.");
    }

    public static int CheckSchema(JsonTextReader reader, BlobClient blob)
    {
        int schema = Convert.ToInt32(reader.Value, CultureInfo.InvariantCulture);
        return schema <= PredictionLogSchema.Version
            ? schema
            : throw new InvalidDataException($"Blob '{blob.Name}' line {reader.LineNumber} has schema version {schema}; this reader knows versions up to {PredictionLogSchema.Version}: update ServerlessML.");
    }

    public static DateTimeOffset ParseTime(JsonTextReader reader, BlobClient blob) =>
        reader.Value is string text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw new InvalidDataException($"Blob '{blob.Name}' line {reader.LineNumber} has time {reader.Value}: expected UTC ISO 8601.");

    private static async Task<bool> ReadAsync(JsonTextReader reader, BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (JsonReaderException e)
        {
            throw new InvalidDataException($"Blob '{blob.Name}' is not JSON Lines at line {e.LineNumber}: {e.Message}", e);
        }
    }
}
