using System.Globalization;
using Newtonsoft.Json;
using ServerlessML.Inference;
using ServerlessML.Registry;

namespace ServerlessML.Logging;

/// <summary>
/// The rows of one served request as the prediction log keeps them, captured on the request path at
/// the least cost: features stay in the request's own arrays, and the outputs, which live in ONNX
/// Runtime's memory, are copied as the tokens of each row's prediction. Both are formatted later, off
/// the response path.
/// </summary>
public sealed class PredictionDetail
{
    /// <summary>
    /// A field wider than this (an unnamed [N, D] input, or an output with more values per row) is
    /// logged as a summary of its values instead of the values.
    /// </summary>
    public const int MaxValuesPerField = 64;

    private readonly RecordedJson _outputs;
    private readonly int[] _outputOffsets;

    private PredictionDetail(int rows, IReadOnlyList<LoggedFeature> features, RecordedJson outputs, int[] outputOffsets,
        IReadOnlyList<Dictionary<string, object?>?>? context, long retainedElements)
    {
        Rows = rows;
        Features = features;
        _outputs = outputs;
        _outputOffsets = outputOffsets;
        Context = context;
        RetainedElements = retainedElements;
    }

    /// <summary>Rows logged as one record each; 0 when the request is logged as one record of summaries.</summary>
    public int Rows { get; }

    public bool PerRow => Rows > 0;

    /// <summary>Input elements this detail keeps alive until it is written.</summary>
    public long RetainedElements { get; }

    internal IReadOnlyList<LoggedFeature> Features { get; }

    /// <summary>Per row, the fields of a V1 instance that the model does not see; null when none.</summary>
    internal IReadOnlyList<Dictionary<string, object?>?>? Context { get; }

    /// <summary>Writes the outputs object of a row (of the request, for a summary record).</summary>
    internal void WriteOutputs(JsonWriter writer, int row)
    {
        int index = PerRow ? row : 0;
        _outputs.Replay(writer, _outputOffsets[index], _outputOffsets[index + 1]);
    }

    /// <summary>A V1 predict request: one record per instance, features by the tabular layout's names.</summary>
    public static PredictionDetail ForInstances(LoadedModel model, TabularLayout layout, InstancesRequest request, ModelOutputs outputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(outputs);
        int rows = request.Rows;
        long retained = request.Inputs.Sum(i => (long)i.Data.Length);
        if (!TryRecordRowOutputs(outputs, model.Manifest, rows, out var json, out int[] offsets))
        {
            return RequestSummary(request.Inputs, outputs, retained);
        }

        var features = new List<LoggedFeature>(layout.Columns.Count);
        if (!layout.IsMatrix)
        {
            for (int c = 0; c < layout.Columns.Count; c++)
            {
                features.Add(LoggedFeature.Scalar(layout.Columns[c], request.Inputs[c].Data, 1, 0));
            }
        }
        else
        {
            AddMatrix(features, request.Inputs[0], layout.HasNames ? layout.Columns : null, single: true);
        }

        var context = request.Passthrough.Exists(c => c is not null) ? request.Passthrough : null;
        return new PredictionDetail(rows, features, json, offsets, context, retained);
    }

    /// <summary>
    /// An Open Inference Protocol request: one record per row when every input is [N], [N, 1] or
    /// [N, D] with the same N; otherwise one record of summaries for the whole request.
    /// </summary>
    public static PredictionDetail ForOpenInference(LoadedModel model, InferenceRequest request, ModelOutputs outputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(outputs);
        long retained = request.Inputs.Sum(i => (long)i.Data.Length);
        int rows = RowCount(request.Inputs);
        if (rows == 0 || !TryRecordRowOutputs(outputs, model.Manifest, rows, out var json, out int[] offsets))
        {
            return RequestSummary(request.Inputs, outputs, retained);
        }

        var features = new List<LoggedFeature>();
        bool single = request.Inputs.Count == 1;
        foreach (var input in request.Inputs)
        {
            if (input.Shape.Length == 1 || input.Shape[1] == 1)
            {
                features.Add(LoggedFeature.Scalar(input.Name, input.Data, 1, 0));
                continue;
            }

            // One [N, D] input is the tabular layout of the instances API: the manifest names its columns.
            var names = single && model.Manifest?.Features is { } declared && declared.Count == input.Shape[1]
                ? declared.Select(f => f.Name).ToList()
                : null;
            AddMatrix(features, input, names, single);
        }

        return new PredictionDetail(rows, features, json, offsets, null, retained);
    }

    /// <summary>
    /// The columns of an [N, D] input: named scalars (by <paramref name="names"/>, or "0".."D-1" for a
    /// lone input as the instances API names them, or "input[j]"); a per-row summary when unnamed and wide.
    /// </summary>
    private static void AddMatrix(List<LoggedFeature> features, InferenceTensor input, IReadOnlyList<string>? names, bool single)
    {
        int width = checked((int)input.Shape[1]);
        if (names is null && width > MaxValuesPerField)
        {
            features.Add(LoggedFeature.RowSummary(input.Name, input.Data, width, [width]));
            return;
        }

        for (int c = 0; c < width; c++)
        {
            string name = names?[c] ?? (single ? c.ToString(CultureInfo.InvariantCulture) : $"{input.Name}[{c.ToString(CultureInfo.InvariantCulture)}]");
            features.Add(LoggedFeature.Scalar(name, input.Data, width, c));
        }
    }

    /// <summary>N when every input is [N] or [N, D] with the same N; otherwise 0.</summary>
    private static int RowCount(IReadOnlyList<InferenceTensor> inputs)
    {
        long rows = -1;
        foreach (var input in inputs)
        {
            if (input.Shape.Length is not (1 or 2) || input.Shape[0] < 1 || (rows >= 0 && input.Shape[0] != rows))
            {
                return 0;
            }

            rows = input.Shape[0];
        }

        return rows is > 0 and <= int.MaxValue ? (int)rows : 0;
    }

    private static PredictionDetail RequestSummary(IReadOnlyList<InferenceTensor> inputs, ModelOutputs outputs, long retained)
    {
        var features = inputs.Select(i => LoggedFeature.TensorSummary(i.Name, i.Data, i.Shape)).ToList();
        var json = new RecordedJson();
        json.WriteStartObject();
        foreach (var output in outputs.All)
        {
            json.WritePropertyName(output.Spec.Name);
            WriteOutputSummary(json, output);
        }

        json.WriteEndObject();
        return new PredictionDetail(0, features, json, [0, json.Count], null, retained);
    }

    /// <summary>
    /// Records each row's outputs object: exactly the V1 prediction (label, probability or probabilities,
    /// score by the manifest's roles or the outputs' names); without roles, every output by its name.
    /// False when an output does not split into the rows, so the request is logged as a summary.
    /// </summary>
    private static bool TryRecordRowOutputs(ModelOutputs outputs, ModelManifest? manifest, int rows, out RecordedJson json, out int[] offsets)
    {
        offsets = [];
        var roles = PredictionWriter.SelectRoles(outputs, manifest);
        var named = new List<(string Property, OutputValue Output)>(outputs.Count);
        if (roles.Any)
        {
            if (roles.Label is { } label)
            {
                named.Add(("label", label));
            }

            if (roles.Probabilities is { } probabilities)
            {
                bool one = probabilities.Spec.Kind != ValueKind.SequenceOfMaps && probabilities.IsTensor && PredictionWriter.PerRow(probabilities, rows) == 1;
                named.Add((one ? "probability" : "probabilities", probabilities));
            }

            if (roles.Score is { } score)
            {
                named.Add(("score", score));
            }
        }
        else
        {
            named.AddRange(outputs.All.Select(o => (o.Spec.Name, o)));
        }

        // Each row is an object of its outputs' names and values: 2 tokens, and 2 per scalar output.
        json = new RecordedJson(rows * (2 + (2 * named.Count)));
        bool narrow = true;
        foreach (var (_, output) in named)
        {
            if (!SplitsIntoRows(output, rows))
            {
                json = new RecordedJson();
                return false;
            }

            narrow &= output.Spec.Kind == ValueKind.SequenceOfMaps || PredictionWriter.PerRow(output, rows) <= MaxValuesPerField;
        }

        offsets = new int[rows + 1];
        for (int r = 0; r < rows; r++)
        {
            if (roles.Any && narrow)
            {
                PredictionWriter.WritePrediction(json, roles, r, rows);
            }
            else
            {
                json.WriteStartObject();
                foreach (var (property, output) in named)
                {
                    json.WritePropertyName(property);
                    WriteOutputRow(json, output, r, rows);
                }

                json.WriteEndObject();
            }

            offsets[r + 1] = json.Count;
        }

        return true;
    }

    private static bool SplitsIntoRows(OutputValue output, int rows)
    {
        if (output.Spec.Kind == ValueKind.SequenceOfMaps)
        {
            return output.ReadClassScores().Count == rows;
        }

        if (!output.IsTensor)
        {
            return false;
        }

        return output.Shape.Length == 0 ? rows == 1 : output.Shape[0] == rows;
    }

    private static void WriteOutputRow(JsonWriter writer, OutputValue output, int row, int rows)
    {
        long perRow = output.Spec.Kind == ValueKind.SequenceOfMaps ? 1 : PredictionWriter.PerRow(output, rows);
        if (perRow <= MaxValuesPerField)
        {
            PredictionWriter.WriteRow(writer, output, row, rows);
            return;
        }

        var summary = new ValueSummary();
        output.WriteElements(new SummarizingJsonWriter(summary), row * perRow, perRow);
        summary.Write(writer, output.Shape.AsSpan(1));
    }

    private static void WriteOutputSummary(JsonWriter writer, OutputValue output)
    {
        var summary = new ValueSummary();
        if (output.Spec.Kind == ValueKind.SequenceOfMaps)
        {
            var maps = output.ReadClassScores();
            foreach (var map in maps)
            {
                foreach (float score in map.Scores)
                {
                    summary.AddNumber(score);
                }
            }

            summary.Write(writer, [maps.Count]);
            return;
        }

        if (!output.IsTensor || output.DataType is null)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("type");
            writer.WriteValue(output.Spec.OnnxType);
            writer.WriteEndObject();
            return;
        }

        output.WriteElements(new SummarizingJsonWriter(summary), 0, output.ElementCount);
        summary.Write(writer, output.Shape);
    }
}

/// <summary>How a feature is logged.</summary>
internal enum FeatureForm
{
    /// <summary>One value per row: element <c>row * Stride + Offset</c>.</summary>
    Scalar,

    /// <summary>A summary of each row's <c>Stride</c> elements.</summary>
    RowSummary,

    /// <summary>A summary of the whole tensor, for a record of the whole request.</summary>
    TensorSummary,
}

/// <summary>One logged feature: where its values are in the request's arrays and how it is written.</summary>
internal sealed record LoggedFeature(string Name, Array Data, FeatureForm Form, int Stride, int Offset, long[] Shape)
{
    public static LoggedFeature Scalar(string name, Array data, int stride, int offset) => new(name, data, FeatureForm.Scalar, stride, offset, []);

    public static LoggedFeature RowSummary(string name, Array data, int width, long[] rowShape) => new(name, data, FeatureForm.RowSummary, width, 0, rowShape);

    public static LoggedFeature TensorSummary(string name, Array data, long[] shape) => new(name, data, FeatureForm.TensorSummary, 0, 0, shape);
}
