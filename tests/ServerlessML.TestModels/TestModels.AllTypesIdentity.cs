namespace ServerlessML.Testing.Onnx;

/// <summary>An Open Inference Protocol datatype, its ONNX element type, and the input and output that carry it.</summary>
public sealed record DatatypeIdentity(string Datatype, OnnxDataType ElementType)
{
    public string InputName => $"in_{Datatype.ToLowerInvariant()}";

    public string OutputName => $"out_{Datatype.ToLowerInvariant()}";
}

public static partial class TestModels
{
    /// <summary>
    /// One Identity per Open Inference Protocol datatype: input "in_fp32" (and so on, lower case) of shape [-1, -1]
    /// → Identity → output "out_fp32". BYTES is the ONNX string type.
    /// </summary>
    public static class AllTypesIdentity
    {
        public static IReadOnlyList<DatatypeIdentity> Datatypes { get; } =
        [
            new("BOOL", OnnxDataType.Bool),
            new("INT8", OnnxDataType.Int8),
            new("INT16", OnnxDataType.Int16),
            new("INT32", OnnxDataType.Int32),
            new("INT64", OnnxDataType.Int64),
            new("UINT8", OnnxDataType.UInt8),
            new("UINT16", OnnxDataType.UInt16),
            new("UINT32", OnnxDataType.UInt32),
            new("UINT64", OnnxDataType.UInt64),
            new("FP16", OnnxDataType.Float16),
            new("FP32", OnnxDataType.Float),
            new("FP64", OnnxDataType.Double),
            new("BYTES", OnnxDataType.String),
        ];

        public static byte[] Bytes()
        {
            var builder = new OnnxGraphBuilder("all_types_identity");
            foreach (var datatype in Datatypes)
            {
                // Unknown dimensions (neither size nor name), unlike the named "batch" of the other models.
                builder
                    .Input(datatype.InputName, datatype.ElementType, OnnxDim.Unknown, OnnxDim.Unknown)
                    .Node("Identity", [datatype.InputName], [datatype.OutputName])
                    .Output(datatype.OutputName, datatype.ElementType, OnnxDim.Unknown, OnnxDim.Unknown);
            }

            return builder.ToBytes();
        }
    }
}
