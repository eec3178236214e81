using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Newtonsoft.Json;

namespace ServerlessML.Inference;

/// <summary>The outputs of one run, still in ONNX Runtime's memory; dispose to free them.</summary>
public sealed class ModelOutputs : IDisposable
{
    private readonly IDisposableReadOnlyCollection<OrtValue> _values;
    private readonly OutputValue[] _outputs;

    internal ModelOutputs(IReadOnlyList<TensorSpec> specs, IDisposableReadOnlyCollection<OrtValue> values)
    {
        _values = values;
        _outputs = new OutputValue[specs.Count];
        int i = 0;
        foreach (var value in values)
        {
            _outputs[i] = new OutputValue(specs[i], value);
            i++;
        }
    }

    public int Count => _outputs.Length;

    public OutputValue this[int index] => _outputs[index];

    public OutputValue? Find(string name) => Array.Find(_outputs, o => o.Spec.Name == name);

    public IEnumerable<OutputValue> All => _outputs;

    public void Dispose() => _values.Dispose();
}

/// <summary>Class scores of one row of a ZipMap-style output: keys in the map's order.</summary>
public sealed record ClassScores(string[] Classes, float[] Scores);

/// <summary>One output value; reads its elements straight from native memory into a JSON writer.</summary>
public sealed class OutputValue
{
    private readonly OrtValue _value;
    private IReadOnlyList<ClassScores>? _maps;

    internal OutputValue(TensorSpec spec, OrtValue value)
    {
        Spec = spec;
        _value = value;
        if (value.IsTensor)
        {
            var info = value.GetTensorTypeAndShape();
            ElementType = info.ElementDataType;
            Shape = info.Shape;
            ElementCount = info.ElementCount;
        }
        else
        {
            Shape = [];
        }
    }

    public TensorSpec Spec { get; }

    public bool IsTensor => _value.IsTensor;

    public TensorElementType ElementType { get; }

    public long[] Shape { get; }

    public long ElementCount { get; }

    /// <summary>The protocol datatype of the tensor; null where the protocol has none.</summary>
    public TensorDataType? DataType => IsTensor ? TensorDataTypes.FromOnnx(ElementType) : null;

    /// <summary>Writes <paramref name="count"/> elements from <paramref name="start"/> as JSON values.</summary>
    public void WriteElements(JsonWriter writer, long start, long count)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int from = checked((int)start);
        int n = checked((int)count);
        switch (ElementType)
        {
            case TensorElementType.Float:
                foreach (float v in _value.GetTensorDataAsSpan<float>().Slice(from, n)) writer.WriteValue(v);
                break;
            case TensorElementType.Double:
                foreach (double v in _value.GetTensorDataAsSpan<double>().Slice(from, n)) writer.WriteValue(v);
                break;
            case TensorElementType.Float16:
                foreach (Float16 v in _value.GetTensorDataAsSpan<Float16>().Slice(from, n)) writer.WriteValue((float)BitConverter.UInt16BitsToHalf(v.value));
                break;
            case TensorElementType.Int64:
                foreach (long v in _value.GetTensorDataAsSpan<long>().Slice(from, n)) writer.WriteValue(v);
                break;
            case TensorElementType.Int32:
                foreach (int v in _value.GetTensorDataAsSpan<int>().Slice(from, n)) writer.WriteValue(v);
                break;
            case TensorElementType.Int16:
                foreach (short v in _value.GetTensorDataAsSpan<short>().Slice(from, n)) writer.WriteValue(v);
                break;
            case TensorElementType.Int8:
                foreach (sbyte v in _value.GetTensorDataAsSpan<sbyte>().Slice(from, n)) writer.WriteValue(v);
                break;
            case TensorElementType.UInt8:
                foreach (byte v in _value.GetTensorDataAsSpan<byte>().Slice(from, n)) writer.WriteValue(v);
                break;
            case TensorElementType.UInt16:
                foreach (ushort v in _value.GetTensorDataAsSpan<ushort>().Slice(from, n)) writer.WriteValue(v);
                break;
            case TensorElementType.UInt32:
                foreach (uint v in _value.GetTensorDataAsSpan<uint>().Slice(from, n)) writer.WriteValue(v);
                break;
            case TensorElementType.UInt64:
                foreach (ulong v in _value.GetTensorDataAsSpan<ulong>().Slice(from, n)) writer.WriteValue(v);
                break;
            case TensorElementType.Bool:
                foreach (bool v in _value.GetTensorDataAsSpan<bool>().Slice(from, n)) writer.WriteValue(v);
                break;
            case TensorElementType.String:
                for (int i = from; i < from + n; i++) writer.WriteValue(_value.GetStringElement(i));
                break;
            default:
                throw new NotSupportedException($"Output '{Spec.Name}' has element type {ElementType}, which JSON responses cannot carry.");
        }
    }

    /// <summary>The byte length of the tensor as binary tensor data: elements × element size, or for strings each one's 4-byte length and its UTF-8 bytes.</summary>
    public long BinaryByteSize()
    {
        if (ElementType != TensorElementType.String)
        {
            return checked(ElementCount * BinaryTensorData.ElementSize(DataType ?? throw Unsupported()));
        }

        long size = 0;
        for (int i = 0; i < ElementCount; i++)
        {
            // ONNX Runtime holds strings as UTF-8, the bytes the protocol sends.
            size += 4 + _value.GetStringElementAsSpan(i).Length;
        }

        return size;
    }

    /// <summary>Writes the tensor as binary tensor data, straight from native memory (little-endian on the hosts this app runs on).</summary>
    public void WriteBinary(Stream body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (DataType is null)
        {
            throw Unsupported();
        }

        if (ElementType != TensorElementType.String)
        {
            body.Write(_value.GetTensorMutableRawData());
            return;
        }

        for (int i = 0; i < ElementCount; i++)
        {
            BinaryTensorData.WriteString(body, _value.GetStringElementAsSpan(i));
        }
    }

    private NotSupportedException Unsupported() => new($"Output '{Spec.Name}' has element type {ElementType}, which the protocol cannot carry.");

    /// <summary>Reads a sequence of maps (ZipMap) into class scores, one entry a row.</summary>
    public IReadOnlyList<ClassScores> ReadClassScores()
    {
        if (_maps is not null)
        {
            return _maps;
        }

        if (Spec.Kind != ValueKind.SequenceOfMaps)
        {
            throw new InvalidOperationException($"Output '{Spec.Name}' is {Spec.OnnxType}, not a sequence of maps.");
        }

        var allocator = OrtAllocator.DefaultInstance;
        int rows = _value.GetValueCount();
        var result = new ClassScores[rows];
        for (int r = 0; r < rows; r++)
        {
            using var map = _value.GetValue(r, allocator);
            using var keys = map.GetValue(0, allocator);
            using var values = map.GetValue(1, allocator);
            string[] classes = keys.GetTensorTypeAndShape().ElementDataType == TensorElementType.String
                ? keys.GetStringTensorAsArray()
                : Array.ConvertAll(keys.GetTensorDataAsSpan<long>().ToArray(), k => k.ToString(System.Globalization.CultureInfo.InvariantCulture));
            float[] scores = values.GetTensorTypeAndShape().ElementDataType == TensorElementType.Double
                ? Array.ConvertAll(values.GetTensorDataAsSpan<double>().ToArray(), d => (float)d)
                : values.GetTensorDataAsSpan<float>().ToArray();
            result[r] = new ClassScores(classes, scores);
        }

        return _maps = result;
    }
}
