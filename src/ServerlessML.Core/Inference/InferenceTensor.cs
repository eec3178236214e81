namespace ServerlessML.Inference;

/// <summary>
/// One named input tensor of a request, its elements in row-major order in an array of the type's
/// .NET element type: bool, sbyte, short, int, long, byte, ushort, uint, ulong,
/// <see cref="Microsoft.ML.OnnxRuntime.Float16"/>, float, double, or string for BYTES.
/// </summary>
public sealed class InferenceTensor
{
    public InferenceTensor(string name, TensorDataType dataType, long[] shape, Array data)
    {
        Name = name;
        DataType = dataType;
        Shape = shape;
        Data = data;
    }

    public string Name { get; }

    public TensorDataType DataType { get; }

    public long[] Shape { get; }

    public Array Data { get; }

    public static long ElementCount(IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (long dim in shape)
        {
            count = checked(count * dim);
        }

        return count;
    }
}

/// <summary>An Open Inference Protocol request once parsed.</summary>
public sealed class InferenceRequest
{
    public string? Id { get; set; }

    public List<InferenceTensor> Inputs { get; } = [];

    /// <summary>Outputs the caller asked for; empty means all.</summary>
    public List<string> RequestedOutputs { get; } = [];

    /// <summary>Request parameter binary_data_output: every output as binary tensor data unless the output says otherwise.</summary>
    public bool BinaryDataOutput { get; set; }

    /// <summary>Parameter binary_data of the requested outputs that set it, by output name.</summary>
    public Dictionary<string, bool> OutputBinaryData { get; } = [];

    /// <summary>Whether output <paramref name="name"/> is answered as binary tensor data: its own binary_data, else binary_data_output.</summary>
    public bool IsBinaryOutput(string name) => OutputBinaryData.TryGetValue(name, out bool binary) ? binary : BinaryDataOutput;
}
