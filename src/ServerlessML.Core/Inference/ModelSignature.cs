using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ServerlessML.Inference;

/// <summary>What kind of ONNX value an input or output is.</summary>
public enum ValueKind
{
    Tensor,

    /// <summary>A sequence of maps, such as scikit-learn's ZipMap output seq(map(string|int64, float)).</summary>
    SequenceOfMaps,

    /// <summary>Any other ONNX value (maps, optionals, sequences of tensors): served as far as the protocol allows.</summary>
    Other,
}

/// <summary>One input or output as the ONNX graph declares it.</summary>
/// <param name="Name">The graph's name for it.</param>
/// <param name="DataType">The protocol datatype of its elements (of the map values for a sequence of maps); null when the protocol has none.</param>
/// <param name="OnnxType">The ONNX type as text, e.g. tensor(float) or seq(map(string,tensor(float))).</param>
/// <param name="Shape">Dimensions, -1 where the graph leaves a dimension open.</param>
/// <param name="Kind">Tensor, sequence of maps, or other.</param>
/// <param name="MapKeyType">For a sequence of maps, the type of its keys (String or Int64).</param>
public sealed record TensorSpec(string Name, TensorDataType? DataType, string OnnxType, long[] Shape, ValueKind Kind, TensorElementType? MapKeyType = null)
{
    /// <summary>The shape as text, e.g. [-1, 4].</summary>
    public string ShapeText => $"[{string.Join(", ", Shape)}]";

    public string DataTypeText => DataType?.ToProtocolName() ?? OnnxType;
}

/// <summary>The inputs and outputs of an ONNX graph, in graph order.</summary>
public sealed class ModelSignature
{
    public ModelSignature(IReadOnlyList<TensorSpec> inputs, IReadOnlyList<TensorSpec> outputs)
    {
        Inputs = inputs;
        Outputs = outputs;
    }

    public IReadOnlyList<TensorSpec> Inputs { get; }

    public IReadOnlyList<TensorSpec> Outputs { get; }

    public TensorSpec? FindInput(string name) => Find(Inputs, name);

    public TensorSpec? FindOutput(string name) => Find(Outputs, name);

    public string InputNames => string.Join(", ", Inputs.Select(i => $"'{i.Name}'"));

    public string OutputNames => string.Join(", ", Outputs.Select(i => $"'{i.Name}'"));

    public static ModelSignature FromSession(InferenceSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return new ModelSignature(
            session.InputNames.Select(n => Describe(n, session.InputMetadata[n])).ToList(),
            session.OutputNames.Select(n => Describe(n, session.OutputMetadata[n])).ToList());
    }

    private static TensorSpec? Find(IReadOnlyList<TensorSpec> specs, string name)
    {
        foreach (var spec in specs)
        {
            if (spec.Name == name)
            {
                return spec;
            }
        }

        return null;
    }

    private static TensorSpec Describe(string name, NodeMetadata metadata)
    {
        if (metadata.IsTensor)
        {
            var type = TensorDataTypes.FromOnnx(metadata.ElementDataType);
            return new TensorSpec(name, type, $"tensor({metadata.ElementDataType})", [.. metadata.Dimensions.Select(d => (long)d)], ValueKind.Tensor);
        }

        if (metadata.OnnxValueType == OnnxValueType.ONNX_TYPE_SEQUENCE)
        {
            var element = metadata.AsSequenceMetadata().ElementMeta;
            if (element.OnnxValueType == OnnxValueType.ONNX_TYPE_MAP)
            {
                var map = element.AsMapMetadata();
                var valueType = map.ValueMetadata.IsTensor ? map.ValueMetadata.ElementDataType : TensorElementType.DataTypeMax;
                return new TensorSpec(
                    name,
                    TensorDataTypes.FromOnnx(valueType),
                    $"seq(map({map.KeyDataType},tensor({valueType})))",
                    [-1, -1],
                    ValueKind.SequenceOfMaps,
                    map.KeyDataType);
            }
        }

        return new TensorSpec(name, null, metadata.OnnxValueType.ToString(), [], ValueKind.Other);
    }
}
