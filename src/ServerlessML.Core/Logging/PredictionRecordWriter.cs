using System.Globalization;
using Newtonsoft.Json;
using ServerlessML.Inference;

namespace ServerlessML.Logging;

/// <summary>One logged request waiting for the writer, with the time it arrived and the sample rate that kept it.</summary>
internal sealed class PredictionLogEntry(PredictionEvent prediction, DateTimeOffset time, double sampleRate, LoggedFieldPolicy policy, int records, long elements)
{
    public PredictionEvent Prediction { get; } = prediction;

    public DateTimeOffset Time { get; } = time;

    public double SampleRate { get; } = sampleRate;

    public LoggedFieldPolicy Policy { get; } = policy;

    /// <summary>Records this entry becomes: its rows, or 1 for an error or a summary record.</summary>
    public int Records { get; } = records;

    /// <summary>Input elements it keeps alive, counted against the buffer's element budget.</summary>
    public long Elements { get; } = elements;

    public PredictionDetail? Detail => Prediction.Error is null ? Prediction.Detail : null;
}

/// <summary>Formats the records of one entry as JSON Lines (the schema is in README.md beside this file).</summary>
internal static class PredictionRecordWriter
{
    public static void WriteRecords(TextWriter text, PredictionLogEntry entry)
    {
        using var writer = new JsonTextWriter(text) { CloseOutput = false, ArrayPool = JsonCharPool.Instance };
        var detail = entry.Detail;
        string common = RequestFields(entry);
        if (detail is { PerRow: true })
        {
            for (int row = 0; row < detail.Rows; row++)
            {
                WriteRecord(writer, entry, common, detail, row);
                writer.Flush();
                text.Write('\n');
            }
        }
        else
        {
            WriteRecord(writer, entry, common, detail, -1);
            writer.Flush();
            text.Write('\n');
        }
    }

    private static void WriteRecord(JsonWriter writer, PredictionLogEntry entry, string requestFields, PredictionDetail? detail, int row)
    {
        var prediction = entry.Prediction;
        writer.WriteStartObject();
        writer.WritePropertyName(PredictionLogSchema.SchemaVersion);
        writer.WriteValue(PredictionLogSchema.Version);
        writer.WritePropertyName(PredictionLogSchema.RequestId);
        writer.WriteValue(prediction.RequestId);
        writer.WritePropertyName(PredictionLogSchema.Row);
        if (row >= 0)
        {
            writer.WriteValue(row);
        }
        else
        {
            writer.WriteNull();
        }

        writer.WriteRaw(requestFields);
        if (detail is not null)
        {
            WriteFeatures(writer, detail, row, entry.Policy);
            writer.WritePropertyName(PredictionLogSchema.Outputs);
            detail.WriteOutputs(writer, row);
            if (row >= 0 && detail.Context?[row] is { } context)
            {
                WriteContext(writer, context, entry.Policy);
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// The fields that are the same on every row of the request, formatted once as JSON text that
    /// follows "row" (",\"rows\":2,...,\"sample_rate\":1.0").
    /// </summary>
    private static string RequestFields(PredictionLogEntry entry)
    {
        var prediction = entry.Prediction;
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var writer = new JsonTextWriter(text) { ArrayPool = JsonCharPool.Instance })
        {
            writer.WriteStartObject();
            writer.WritePropertyName(PredictionLogSchema.Rows);
            writer.WriteValue(prediction.Rows);
            writer.WritePropertyName(PredictionLogSchema.Time);
            writer.WriteValue(entry.Time.UtcDateTime.ToString(PredictionLogSchema.TimeFormat, CultureInfo.InvariantCulture));
            writer.WritePropertyName(PredictionLogSchema.Model);
            writer.WriteValue(prediction.Model);
            writer.WritePropertyName(PredictionLogSchema.ModelVersion);
            writer.WriteValue(prediction.Version);
            writer.WritePropertyName(PredictionLogSchema.Route);
            writer.WriteValue(prediction.Route is { } route ? PredictionLogSchema.RouteName(route) : null);
            writer.WritePropertyName(PredictionLogSchema.Protocol);
            writer.WriteValue(PredictionLogSchema.ProtocolName(prediction.Protocol));
            writer.WritePropertyName(PredictionLogSchema.LatencyMs);
            writer.WriteValue(Math.Round(prediction.Latency.TotalMilliseconds, 3));
            writer.WritePropertyName(PredictionLogSchema.Status);
            writer.WriteValue(PredictionLogSchema.StatusName(prediction.Error));
            writer.WritePropertyName(PredictionLogSchema.Error);
            writer.WriteValue(prediction.ErrorMessage);
            writer.WritePropertyName(PredictionLogSchema.SampleRate);
            writer.WriteValue(entry.SampleRate);
            writer.WriteEndObject();
        }

        // The object's members without its braces, after the comma that follows "row".
        var fields = text.GetStringBuilder();
        return string.Concat(",", fields.ToString(1, fields.Length - 2));
    }

    private static void WriteFeatures(JsonWriter writer, PredictionDetail detail, int row, LoggedFieldPolicy policy)
    {
        writer.WritePropertyName(PredictionLogSchema.Features);
        writer.WriteStartObject();
        foreach (var feature in detail.Features)
        {
            if (policy.Excludes(feature.Name))
            {
                continue;
            }

            writer.WritePropertyName(feature.Name);
            bool hashed = policy.Hashes(feature.Name);
            switch (feature.Form)
            {
                case FeatureForm.Scalar:
                    int index = (row * feature.Stride) + feature.Offset;
                    if (hashed)
                    {
                        writer.WriteValue(policy.Hash(TensorValues.Text(feature.Data, index)));
                    }
                    else
                    {
                        TensorValues.Write(writer, feature.Data, index);
                    }

                    break;
                case FeatureForm.RowSummary:
                    var rowSummary = new ValueSummary();
                    TensorValues.Summarize(feature.Data, row * feature.Stride, feature.Stride, rowSummary);
                    rowSummary.Write(writer, feature.Shape, statistics: !hashed);
                    break;
                default:
                    var summary = new ValueSummary();
                    TensorValues.Summarize(feature.Data, 0, feature.Data.Length, summary);
                    summary.Write(writer, feature.Shape, statistics: !hashed);
                    break;
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteContext(JsonWriter writer, Dictionary<string, object?> context, LoggedFieldPolicy policy)
    {
        writer.WritePropertyName(PredictionLogSchema.Context);
        writer.WriteStartObject();
        foreach (var (name, value) in context)
        {
            if (policy.Excludes(name))
            {
                continue;
            }

            writer.WritePropertyName(name);
            if (policy.Hashes(name) && value is not null)
            {
                writer.WriteValue(policy.Hash(ContextText(value)));
            }
            else
            {
                // Nested context values arrive as their JSON text and are stored as that string.
                writer.WriteValue(value);
            }
        }

        writer.WriteEndObject();
    }

    private static string ContextText(object value) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
