using ServerlessML.Registry;

namespace ServerlessML.Inference;

/// <summary>
/// How the features of a V1 instance map onto a tabular model's inputs: one input per column
/// (shape [-1, 1] or [-1], as scikit-learn, ML.NET and LightGBM export), or one [-1, D] input.
/// </summary>
public sealed class TabularLayout
{
    private readonly Dictionary<string, int> _columnIndex;

    private TabularLayout(IReadOnlyList<string> columns, IReadOnlyList<TensorDataType> types, IReadOnlyList<TensorSpec> inputs, bool matrix)
    {
        Columns = columns;
        ColumnTypes = types;
        Inputs = inputs;
        IsMatrix = matrix;
        _columnIndex = columns.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
    }

    /// <summary>Feature names in order (for array instances); for an unnamed [-1, D] input, "0" to "D-1".</summary>
    public IReadOnlyList<string> Columns { get; }

    public IReadOnlyList<TensorDataType> ColumnTypes { get; }

    public IReadOnlyList<TensorSpec> Inputs { get; }

    /// <summary>True for one [-1, D] input; false for one input per column.</summary>
    public bool IsMatrix { get; }

    /// <summary>True when instances may be records (feature names are known).</summary>
    public bool HasNames { get; private init; } = true;

    public int IndexOf(string feature) => _columnIndex.TryGetValue(feature, out int i) ? i : -1;

    public static TabularLayout For(string model, ModelSignature signature, ModelManifest? manifest)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var inputs = signature.Inputs;
        if (inputs.All(IsColumn))
        {
            // Per-column inputs: the manifest may order them; by default the graph's order.
            var ordered = inputs.ToList();
            if (manifest?.Features is { Count: > 0 } features)
            {
                ordered = features.Select(f => signature.FindInput(f.Name)
                    ?? throw new ServingException(ServingErrorCode.BadRequest, $"Manifest feature '{f.Name}' of model '{model}' is not an input of its graph ({signature.InputNames}).")).ToList();
                ordered.AddRange(inputs.Where(i => !ordered.Contains(i)));
            }

            return new TabularLayout(ordered.Select(i => i.Name).ToList(), ordered.Select(i => i.DataType!.Value).ToList(), ordered, matrix: false);
        }

        if (inputs.Count == 1 && inputs[0] is { Kind: ValueKind.Tensor, DataType: { } type, Shape: [_, > 0] } matrix)
        {
            int width = (int)matrix.Shape[1];
            if (manifest?.Features is { Count: > 0 } features)
            {
                if (features.Count != width)
                {
                    throw ServingException.BadRequest($"Model '{model}' has one input '{matrix.Name}' of width {width}, but its manifest lists {features.Count} features.");
                }

                return new TabularLayout(features.Select(f => f.Name).ToList(), Enumerable.Repeat(type, width).ToList(), inputs, matrix: true);
            }

            return new TabularLayout(Enumerable.Range(0, width).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(),
                Enumerable.Repeat(type, width).ToList(), inputs, matrix: true) { HasNames = false };
        }

        throw ServingException.BadRequest(
            $"Model '{model}' is not tabular (inputs {string.Join(", ", inputs.Select(i => $"'{i.Name}' {i.DataTypeText} {i.ShapeText}"))}): " +
            "the instances API needs one input per feature of shape [-1, 1] or one input of shape [-1, D]; use POST v2/models/{model}/infer.");
    }

    private static bool IsColumn(TensorSpec spec) =>
        spec.Kind == ValueKind.Tensor && spec.DataType is not null
        && (spec.Shape is [_] || spec.Shape is [_, 1]);
}
