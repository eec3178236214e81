using System.Globalization;
using System.Numerics;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using ServerlessML.Inference;

namespace ServerlessML.Logging;

/// <summary>
/// POST v1/models/{model}/feedback: checks the body strictly (400 naming what is wrong, 404 for an
/// unknown model, 413 over the size limit) and stores its labels, one line each with the time received,
/// as one create-only blob in container <c>feedback</c> at <c>{model}/date=YYYY-MM-DD/{instance}-{seq}.jsonl</c>.
/// The answer, <c>{"accepted": n}</c>, comes once the blob is written.
/// </summary>
public sealed class FeedbackService
{
    private readonly ModelRouter _router;
    private readonly BlobContainerClient _container;
    private readonly LogBlobSequence _sequence;
    private readonly FeedbackOptions _options;
    private readonly ServingOptions _limits;
    private readonly TimeProvider _clock;

    public FeedbackService(ModelRouter router, BlobServiceClient blobs, LogBlobSequence sequence, IOptions<FeedbackOptions> options,
        IOptions<ServingOptions> servingOptions, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(servingOptions);
        _router = router;
        _container = blobs.GetBlobContainerClient(LogPaths.FeedbackContainer);
        _sequence = sequence;
        _options = options.Value;
        _limits = servingOptions.Value;
        _clock = clock ?? TimeProvider.System;
    }

    public async Task<ServingResponse> SubmitAsync(string model, Stream body, long? contentLength, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var content = await RequestBody.ReadAsync(body, contentLength, _options.MaxRequestBodyBytes, cancellationToken).ConfigureAwait(false);
        // 404 for a name that is invalid or has no record, exactly as the serving routes answer.
        await _router.GetRecordAsync(model, cancellationToken).ConfigureAwait(false);
        List<FeedbackLabel> labels;
        using (var text = new StreamReader(content, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true))
        {
            labels = FeedbackRequestReader.Read(text, _options, _limits, _clock.GetUtcNow());
        }

        await StoreAsync(model, labels, cancellationToken).ConfigureAwait(false);
        return ServingResponse.Write(w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("accepted");
            w.WriteValue(labels.Count);
            w.WriteEndObject();
        }, null, null);
    }

    private async Task StoreAsync(string model, List<FeedbackLabel> labels, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        using (var text = new StreamWriter(buffer, new UTF8Encoding(false), 16 * 1024, leaveOpen: true))
        using (var writer = new JsonTextWriter(text) { CloseOutput = false, ArrayPool = JsonCharPool.Instance })
        {
            foreach (var label in labels)
            {
                WriteLine(writer, label);
                writer.Flush();
                text.Write('\n');
            }
        }

        var data = BinaryData.FromBytes(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        var options = new BlobUploadOptions
        {
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-ndjson; charset=utf-8" },
            Metadata = new Dictionary<string, string>
            {
                [PredictionLogSchema.RecordsMetadata] = labels.Count.ToString(CultureInfo.InvariantCulture),
                [PredictionLogSchema.InstanceMetadata] = _sequence.Instance,
            },
        };
        var received = labels[0].Time;
        bool createdContainer = false;
        for (int attempt = 1; ; attempt++)
        {
            var blob = _container.GetBlobClient(LogPaths.FeedbackBlob(model, received, _sequence.Instance, _sequence.Next()));
            try
            {
                await blob.UploadAsync(data, options, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound && !createdContainer)
            {
                createdContainer = true;
                await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobAlreadyExists && attempt < 8)
            {
                // The number was taken by another process of this instance name: take the next one.
            }
        }
    }

    private static void WriteLine(JsonWriter writer, FeedbackLabel label)
    {
        writer.WriteStartObject();
        writer.WritePropertyName(PredictionLogSchema.SchemaVersion);
        writer.WriteValue(label.SchemaVersion);
        writer.WritePropertyName(PredictionLogSchema.RequestId);
        writer.WriteValue(label.RequestId);
        writer.WritePropertyName(PredictionLogSchema.Row);
        writer.WriteValue(label.Row);
        writer.WritePropertyName(PredictionLogSchema.Label);
        label.Label.WriteTo(writer);
        writer.WritePropertyName(PredictionLogSchema.Time);
        writer.WriteValue(label.Time.UtcDateTime.ToString(PredictionLogSchema.TimeFormat, CultureInfo.InvariantCulture));
        writer.WriteEndObject();
    }
}

/// <summary>
/// Reads <c>{"labels": [{"id": "...", "label": value, "row": n}, ...]}</c> with the streaming reader,
/// refusing anything else with a 400 that names the field, the expected and the received.
/// </summary>
internal static class FeedbackRequestReader
{
    private const string Expected = "expected {\"labels\": [{\"id\": \"<request id>\", \"label\": <value>, \"row\": <instance index, optional>}, ...]}";

    public static List<FeedbackLabel> Read(TextReader body, FeedbackOptions options, ServingOptions limits, DateTimeOffset received)
    {
        using var reader = JsonReading.CreateReader(body, limits);
        try
        {
            if (!reader.Read())
            {
                throw ServingException.BadRequest($"The request body is empty: {Expected}.");
            }

            JsonReading.Expect(reader, JsonToken.StartObject, "the request body");
            List<FeedbackLabel>? labels = null;
            while (JsonReading.NextProperty(reader, out string property))
            {
                if (property != "labels")
                {
                    throw ServingException.BadRequest($"The request body has a field \"{property}\": {Expected}.");
                }

                if (labels is not null)
                {
                    throw ServingException.BadRequest("The request body has \"labels\" twice: send one array of labels.");
                }

                JsonReading.ReadToken(reader, "\"labels\"");
                JsonReading.Expect(reader, JsonToken.StartArray, "\"labels\"");
                labels = [];
                while (JsonReading.ReadToken(reader, "\"labels\"") != JsonToken.EndArray)
                {
                    if (labels.Count >= options.MaxLabels)
                    {
                        throw ServingException.BadRequest($"The request has more than the limit of {options.MaxLabels} labels: send them in several requests.");
                    }

                    labels.Add(ReadLabel(reader, labels.Count, options, received));
                }
            }

            JsonReading.ExpectEnd(reader);
            if (labels is null || labels.Count == 0)
            {
                throw ServingException.BadRequest($"The request has no labels: {Expected}.");
            }

            return labels;
        }
        catch (JsonException e)
        {
            throw JsonReading.Malformed(e);
        }
    }

    private static FeedbackLabel ReadLabel(JsonTextReader reader, int index, FeedbackOptions options, DateTimeOffset received)
    {
        string where = $"labels[{index}]";
        JsonReading.Expect(reader, JsonToken.StartObject, where);
        string? id = null;
        JValue? label = null;
        int? row = null;
        while (JsonReading.NextProperty(reader, out string property))
        {
            switch (property)
            {
                case "id":
                    id = JsonReading.ReadString(reader, $"{where}.id");
                    if (id.Length == 0 || id.Length > options.MaxRequestIdLength)
                    {
                        throw ServingException.BadRequest($"{Capitalize(where)}.id has {id.Length} characters: expected the request id of a prediction, 1 to {options.MaxRequestIdLength} characters.");
                    }

                    break;
                case "label":
                    label = ReadLabelValue(reader, where);
                    break;
                case "row":
                    row = ReadRow(reader, where);
                    break;
                default:
                    throw ServingException.BadRequest($"{Capitalize(where)} has a field \"{property}\": expected \"id\", \"label\" and optionally \"row\".");
            }
        }

        if (id is null)
        {
            throw ServingException.BadRequest($"{Capitalize(where)} has no \"id\": expected the request id of the prediction it labels (the response's \"id\" or header x-request-id).");
        }

        if (label is null)
        {
            throw ServingException.BadRequest($"{Capitalize(where)} has no \"label\": expected the true value, a string, number or boolean.");
        }

        return new FeedbackLabel { RequestId = id, Row = row, Label = label, Time = received };
    }

    private static JValue ReadLabelValue(JsonTextReader reader, string where)
    {
        JsonReading.ReadToken(reader, $"{where}.label");
        switch (reader.TokenType)
        {
            case JsonToken.String:
            case JsonToken.Boolean:
            case JsonToken.Integer:
                return new JValue(reader.Value);
            case JsonToken.Float when reader.Value is double d && double.IsFinite(d):
                return new JValue(d);
            default:
                string received = TensorBuffer.Describe(reader.TokenType, reader.Value);
                if (reader.TokenType is JsonToken.StartObject or JsonToken.StartArray)
                {
                    reader.Skip();
                }

                throw ServingException.BadRequest($"{Capitalize(where)}.label is {received}: expected a string, a finite number or a boolean.");
        }
    }

    private static int ReadRow(JsonTextReader reader, string where)
    {
        JsonReading.ReadToken(reader, $"{where}.row");
        if (reader.TokenType == JsonToken.Integer && reader.Value is long n && n is >= 0 and <= int.MaxValue)
        {
            return (int)n;
        }

        string received = reader.Value is BigInteger big ? $"the number {big}" : TensorBuffer.Describe(reader.TokenType, reader.Value);
        throw ServingException.BadRequest($"{Capitalize(where)}.row is {received}: expected the instance's index in its request, a whole number from 0.");
    }

    private static string Capitalize(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
