using Microsoft.ML.OnnxRuntime.Tensors;
using Newtonsoft.Json;
using ServerlessML.Inference;

namespace ServerlessML.Deployment;

/// <summary>
/// What changed between the production version's signature and a new version's that breaks the clients of
/// production: an input removed or added, an input or output whose datatype changed, a fixed dimension
/// that changed (or an open one that became fixed), an output removed. Recorded, never a refusal: the
/// data scientist may mean it, and the clients must be told.
/// </summary>
public static class SignatureComparison
{
    public static List<string> BreakingChanges(ModelSignature production, ModelSignature candidate)
    {
        ArgumentNullException.ThrowIfNull(production);
        ArgumentNullException.ThrowIfNull(candidate);
        var changes = new List<string>();
        foreach (var before in production.Inputs)
        {
            if (candidate.FindInput(before.Name) is { } after)
            {
                Compare("input", before, after, changes);
            }
            else
            {
                changes.Add($"input '{before.Name}' ({before.DataTypeText} {before.ShapeText}) was removed: requests that send it are refused.");
            }
        }

        foreach (var added in candidate.Inputs.Where(i => production.FindInput(i.Name) is null))
        {
            changes.Add($"input '{added.Name}' ({added.DataTypeText} {added.ShapeText}) was added: requests that do not send it are refused.");
        }

        foreach (var before in production.Outputs)
        {
            if (candidate.FindOutput(before.Name) is { } after)
            {
                Compare("output", before, after, changes);
            }
            else
            {
                changes.Add($"output '{before.Name}' ({before.DataTypeText} {before.ShapeText}) was removed: clients that read it break.");
            }
        }

        return changes;
    }

    private static void Compare(string what, TensorSpec before, TensorSpec after, List<string> changes)
    {
        if (before.Kind != after.Kind || before.DataTypeText != after.DataTypeText)
        {
            changes.Add($"{what} '{before.Name}' changed datatype from {before.DataTypeText} to {after.DataTypeText}.");
            return;
        }

        if (before.Shape.Length != after.Shape.Length)
        {
            changes.Add($"{what} '{before.Name}' changed rank from {before.ShapeText} to {after.ShapeText}.");
            return;
        }

        for (int d = 0; d < before.Shape.Length; d++)
        {
            // An open dimension that stays open, or a fixed one that opens up, accepts everything it did before.
            if (after.Shape[d] >= 0 && after.Shape[d] != before.Shape[d])
            {
                changes.Add($"{what} '{before.Name}' changed dimension {d} from {Dim(before.Shape[d])} to {Dim(after.Shape[d])} ({before.ShapeText} to {after.ShapeText}).");
                return;
            }
        }
    }

    private static string Dim(long dim) => dim < 0 ? "any size" : dim.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A graph's signature as stored in validation.json, so a later deployment can compare without loading the model.</summary>
public sealed class SignatureDocument
{
    [JsonProperty("inputs")]
    public List<TensorDocument> Inputs { get; set; } = [];

    [JsonProperty("outputs")]
    public List<TensorDocument> Outputs { get; set; } = [];

    public static SignatureDocument From(ModelSignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return new SignatureDocument
        {
            Inputs = signature.Inputs.Select(TensorDocument.From).ToList(),
            Outputs = signature.Outputs.Select(TensorDocument.From).ToList(),
        };
    }

    public ModelSignature ToSignature() => new(Inputs.Select(i => i.ToSpec()).ToList(), Outputs.Select(o => o.ToSpec()).ToList());
}

public sealed class TensorDocument
{
    [JsonProperty("name")]
    public string Name { get; set; } = "";

    /// <summary>The protocol datatype (FP32, BYTES, ...); null when the protocol has none for this value.</summary>
    [JsonProperty("datatype")]
    public string? Datatype { get; set; }

    [JsonProperty("onnxType")]
    public string OnnxType { get; set; } = "";

    /// <summary>Dimensions, -1 where the graph leaves one open.</summary>
    [JsonProperty("shape")]
    public long[] Shape { get; set; } = [];

    /// <summary>Tensor, SequenceOfMaps or Other.</summary>
    [JsonProperty("kind")]
    public string Kind { get; set; } = nameof(ValueKind.Tensor);

    [JsonProperty("mapKeyType", NullValueHandling = NullValueHandling.Ignore)]
    public string? MapKeyType { get; set; }

    public static TensorDocument From(TensorSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new TensorDocument
        {
            Name = spec.Name,
            Datatype = spec.DataType?.ToProtocolName(),
            OnnxType = spec.OnnxType,
            Shape = spec.Shape,
            Kind = spec.Kind.ToString(),
            MapKeyType = spec.MapKeyType?.ToString(),
        };
    }

    public TensorSpec ToSpec() => new(
        Name,
        TensorDataTypes.TryParse(Datatype, out var type) ? type : null,
        OnnxType,
        Shape,
        Enum.TryParse<ValueKind>(Kind, out var kind) ? kind : ValueKind.Other,
        Enum.TryParse<TensorElementType>(MapKeyType, out var key) ? key : null);
}
