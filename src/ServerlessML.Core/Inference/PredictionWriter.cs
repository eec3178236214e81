using Newtonsoft.Json;
using ServerlessML.Registry;

namespace ServerlessML.Inference;

/// <summary>
/// Turns a tabular model's outputs into V1 <c>predictions</c>, one per instance: the label, the
/// probabilities (per class, from a ZipMap or a [N, C] tensor; one number for a binary model) and the
/// score, by the manifest's output roles or, without them, by the outputs' names.
/// </summary>
public static class PredictionWriter
{
    public static void Write(JsonWriter writer, string model, string version, string requestId, ModelOutputs outputs, int rows, ModelManifest? manifest)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(outputs);
        var roles = SelectRoles(outputs, manifest);

        writer.WriteStartObject();
        writer.WritePropertyName("predictions");
        writer.WriteStartArray();
        for (int r = 0; r < rows; r++)
        {
            if (!roles.Any)
            {
                WriteUnnamed(writer, outputs, r, rows);
                continue;
            }

            WritePrediction(writer, roles, r, rows);
        }

        writer.WriteEndArray();
        writer.WritePropertyName("model_name");
        writer.WriteValue(model);
        writer.WritePropertyName("model_version");
        writer.WriteValue(version);
        writer.WritePropertyName("id");
        writer.WriteValue(requestId);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Which outputs are the label, the class probabilities and the score: the manifest's output roles,
    /// or without them the outputs' names. The V1 response and the prediction log both use this.
    /// </summary>
    public static OutputRoleValues SelectRoles(ModelOutputs outputs, ModelManifest? manifest)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var roles = manifest?.Outputs;
        return new OutputRoleValues(
            Pick(outputs, roles?.Label, o => Contains(o, "label")),
            Pick(outputs, roles?.Probabilities, o => o.Spec.Kind == ValueKind.SequenceOfMaps || Contains(o, "probab")),
            Pick(outputs, roles?.Score, o => Contains(o, "score")));
    }

    /// <summary>Writes one row's prediction object: label, probability or probabilities, score.</summary>
    public static void WritePrediction(JsonWriter writer, OutputRoleValues roles, int row, int rows)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        if (roles.Label is { } label)
        {
            writer.WritePropertyName("label");
            WriteRow(writer, label, row, rows);
        }

        if (roles.Probabilities is { } probabilities)
        {
            WriteProbabilities(writer, probabilities, row, rows);
        }

        if (roles.Score is { } score)
        {
            writer.WritePropertyName("score");
            WriteRow(writer, score, row, rows);
        }

        writer.WriteEndObject();
    }

    private static bool Contains(OutputValue output, string part) => output.Spec.Name.Contains(part, StringComparison.OrdinalIgnoreCase);

    private static OutputValue? Pick(ModelOutputs outputs, string? named, Func<OutputValue, bool> byName)
    {
        if (named is not null)
        {
            return outputs.Find(named);
        }

        foreach (var output in outputs.All)
        {
            if (byName(output))
            {
                return output;
            }
        }

        return null;
    }

    private static void WriteProbabilities(JsonWriter writer, OutputValue output, int row, int rows)
    {
        if (output.Spec.Kind == ValueKind.SequenceOfMaps)
        {
            var scores = output.ReadClassScores()[row];
            writer.WritePropertyName("probabilities");
            writer.WriteStartObject();
            for (int i = 0; i < scores.Classes.Length; i++)
            {
                writer.WritePropertyName(scores.Classes[i]);
                writer.WriteValue(scores.Scores[i]);
            }

            writer.WriteEndObject();
            return;
        }

        // One number per row is a binary model's probability of the positive class; more are per class.
        writer.WritePropertyName(PerRow(output, rows) == 1 ? "probability" : "probabilities");
        WriteRow(writer, output, row, rows);
    }

    private static void WriteUnnamed(JsonWriter writer, ModelOutputs outputs, int row, int rows)
    {
        if (outputs.Count == 1)
        {
            WriteRow(writer, outputs[0], row, rows);
            return;
        }

        writer.WriteStartObject();
        foreach (var output in outputs.All)
        {
            writer.WritePropertyName(output.Spec.Name);
            WriteRow(writer, output, row, rows);
        }

        writer.WriteEndObject();
    }

    /// <summary>Elements per row: a tensor of shape [N, ...] has N rows.</summary>
    internal static long PerRow(OutputValue output, int rows) =>
        output.Shape.Length > 0 && output.Shape[0] == rows && rows > 0 ? output.ElementCount / rows : output.ElementCount;

    /// <summary>Writes one row of an output: a map of class scores, a number, or an array of the row's elements.</summary>
    internal static void WriteRow(JsonWriter writer, OutputValue output, int row, int rows)
    {
        if (output.Spec.Kind == ValueKind.SequenceOfMaps)
        {
            var scores = output.ReadClassScores()[row];
            writer.WriteStartObject();
            for (int i = 0; i < scores.Classes.Length; i++)
            {
                writer.WritePropertyName(scores.Classes[i]);
                writer.WriteValue(scores.Scores[i]);
            }

            writer.WriteEndObject();
            return;
        }

        if (!output.IsTensor)
        {
            throw ServingException.BadRequest($"Output '{output.Spec.Name}' is {output.Spec.OnnxType}, which predictions cannot carry.");
        }

        long perRow = PerRow(output, rows);
        bool batched = output.Shape.Length > 0 && output.Shape[0] == rows;
        long start = batched ? row * perRow : 0;
        if (perRow == 1)
        {
            output.WriteElements(writer, start, 1);
            return;
        }

        writer.WriteStartArray();
        output.WriteElements(writer, start, perRow);
        writer.WriteEndArray();
    }
}

/// <summary>The outputs that play the label, probabilities and score roles; null where no output does.</summary>
public readonly record struct OutputRoleValues(OutputValue? Label, OutputValue? Probabilities, OutputValue? Score)
{
    public bool Any => Label is not null || Probabilities is not null || Score is not null;
}
