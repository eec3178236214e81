using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using ServerlessML.Testing.Onnx.Proto;

namespace ServerlessML.Testing.Onnx;

/// <summary>
/// Writes an ONNX model (one graph) as protobuf bytes. Nodes are added in topological order;
/// <see cref="ToBytes"/> checks that every value a node or output uses is defined before use,
/// so a typo fails here with the value's name rather than later inside ONNX Runtime.
/// </summary>
/// <example>
/// <code>
/// byte[] model = new OnnxGraphBuilder("double")
///     .Input("x", OnnxDataType.Float, "batch", 3)
///     .Initializer("two", [], [2f])
///     .Node("Mul", ["x", "two"], ["y"])
///     .Output("y", OnnxDataType.Float, "batch", 3)
///     .ToBytes();
/// </code>
/// </example>
public sealed class OnnxGraphBuilder
{
    /// <summary>IR version 8 (ONNX 1.10+) covers every feature used here and loads in ONNX Runtime 1.10 and later.</summary>
    public const long DefaultIrVersion = 8;

    public const string DefaultDomain = "";

    public const string MlDomain = "ai.onnx.ml";

    /// <summary>ai.onnx opset 17 (ONNX 1.12).</summary>
    public const long DefaultOpset = 17;

    /// <summary>ai.onnx.ml opset 3 (ONNX 1.12): LabelEncoder 2, LinearClassifier 1, ZipMap 1.</summary>
    public const long DefaultMlOpset = 3;

    private readonly GraphProto graph;
    private readonly SortedDictionary<string, long> opsets = new(StringComparer.Ordinal) { [DefaultDomain] = DefaultOpset };
    private readonly List<StringStringEntryProto> metadata = [];
    private readonly SortedDictionary<string, MemoryStream> externalFiles = new(StringComparer.Ordinal);
    private long irVersion = DefaultIrVersion;

    public OnnxGraphBuilder(string graphName)
    {
        ArgumentException.ThrowIfNullOrEmpty(graphName);
        graph = new GraphProto { Name = graphName };
    }

    public OnnxGraphBuilder IrVersion(long version)
    {
        irVersion = version;
        return this;
    }

    /// <summary>Imports <paramref name="domain"/> ("" for ai.onnx) at <paramref name="version"/>, replacing an earlier import of it.</summary>
    public OnnxGraphBuilder Opset(string domain, long version)
    {
        opsets[domain] = version;
        return this;
    }

    public OnnxGraphBuilder Input(string name, OnnxType type)
    {
        graph.Input.Add(ValueInfo(name, type));
        return this;
    }

    public OnnxGraphBuilder Input(string name, OnnxDataType elementType, params OnnxDim[] shape) =>
        Input(name, OnnxType.Tensor(elementType, shape));

    public OnnxGraphBuilder Output(string name, OnnxType type)
    {
        graph.Output.Add(ValueInfo(name, type));
        return this;
    }

    public OnnxGraphBuilder Output(string name, OnnxDataType elementType, params OnnxDim[] shape) =>
        Output(name, OnnxType.Tensor(elementType, shape));

    public OnnxGraphBuilder Initializer(string name, long[] dims, float[] values)
    {
        var tensor = Tensor(name, OnnxDataType.Float, dims, values.Length);
        tensor.FloatData.Add(values);
        graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>
    /// Adds a float initializer whose values live in the external-data file <paramref name="location"/>
    /// (appended after what earlier calls put there), as exporters do with large weights. The
    /// location is written as given, so tests can also write models that point outside their folder;
    /// <see cref="ExternalDataFiles"/> gives the files' bytes.
    /// </summary>
    public OnnxGraphBuilder ExternalInitializer(string name, long[] dims, float[] values, string location)
    {
        ArgumentException.ThrowIfNullOrEmpty(location);
        var tensor = Tensor(name, OnnxDataType.Float, dims, values.Length);
        if (!externalFiles.TryGetValue(location, out var file))
        {
            file = new MemoryStream();
            externalFiles.Add(location, file);
        }

        long offset = file.Length;
        byte[] bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        file.Write(bytes);
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(CultureInfo.InvariantCulture) });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = bytes.Length.ToString(CultureInfo.InvariantCulture) });
        graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>The external-data files of the initializers added with <see cref="ExternalInitializer"/>, by location.</summary>
    public IReadOnlyDictionary<string, byte[]> ExternalDataFiles() =>
        externalFiles.ToDictionary(file => file.Key, file => file.Value.ToArray(), StringComparer.Ordinal);

    public OnnxGraphBuilder Initializer(string name, long[] dims, long[] values)
    {
        var tensor = Tensor(name, OnnxDataType.Int64, dims, values.Length);
        tensor.Int64Data.Add(values);
        graph.Initializer.Add(tensor);
        return this;
    }

    public OnnxGraphBuilder Initializer(string name, long[] dims, string[] values)
    {
        var tensor = Tensor(name, OnnxDataType.String, dims, values.Length);
        tensor.StringData.Add(values.Select(value => ByteString.CopyFrom(value, Encoding.UTF8)));
        graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>Adds a node of the default ai.onnx domain.</summary>
    public OnnxGraphBuilder Node(string opType, string[] inputs, string[] outputs, params OnnxAttribute[] attributes) =>
        NodeInDomain(DefaultDomain, opType, inputs, outputs, attributes);

    /// <summary>Adds a node of <paramref name="domain"/> (e.g. <see cref="MlDomain"/>), which must also be imported with <see cref="Opset"/>.</summary>
    public OnnxGraphBuilder NodeInDomain(string domain, string opType, string[] inputs, string[] outputs, params OnnxAttribute[] attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{graph.Node.Count}" };
        if (domain.Length > 0)
        {
            node.Domain = domain;
        }

        node.Input.Add(inputs);
        node.Output.Add(outputs);
        node.Attribute.Add(attributes.Select(attribute => attribute.ToProto()));
        graph.Node.Add(node);
        return this;
    }

    /// <summary>Adds a <c>metadata_props</c> entry (ONNX Runtime shows these as custom metadata).</summary>
    public OnnxGraphBuilder Metadata(string key, string value)
    {
        metadata.Add(new StringStringEntryProto { Key = key, Value = value });
        return this;
    }

    /// <summary>The serialized <c>ModelProto</c>; the same calls always give the same bytes.</summary>
    public byte[] ToBytes()
    {
        CheckValuesAreDefinedBeforeUse();
        var model = new ModelProto
        {
            IrVersion = irVersion,
            ProducerName = "ServerlessML.TestModels",
            ProducerVersion = "1",
            Graph = graph.Clone(),
        };
        foreach (var (domain, version) in opsets)
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        }

        model.MetadataProps.Add(metadata);
        return model.ToByteArray();
    }

    private void CheckValuesAreDefinedBeforeUse()
    {
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in graph.Input.Select(input => input.Name).Concat(graph.Initializer.Select(tensor => tensor.Name)))
        {
            if (!defined.Add(value))
            {
                throw new InvalidOperationException($"Graph '{graph.Name}' defines value '{value}' twice (as inputs or initializers).");
            }
        }

        foreach (var node in graph.Node)
        {
            // An empty name stands for an omitted optional input.
            var undefined = node.Input.FirstOrDefault(input => input.Length > 0 && !defined.Contains(input));
            if (undefined is not null)
            {
                throw new InvalidOperationException($"Node '{node.Name}' of graph '{graph.Name}' reads '{undefined}', which no input, initializer or earlier node defines.");
            }

            foreach (var output in node.Output)
            {
                if (!defined.Add(output))
                {
                    throw new InvalidOperationException($"Node '{node.Name}' of graph '{graph.Name}' writes '{output}', which is already defined.");
                }
            }
        }

        var missing = graph.Output.FirstOrDefault(output => !defined.Contains(output.Name));
        if (missing is not null)
        {
            throw new InvalidOperationException($"Graph '{graph.Name}' has output '{missing.Name}', which nothing produces.");
        }
    }

    private static ValueInfoProto ValueInfo(string name, OnnxType type)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new ValueInfoProto { Name = name, Type = type.ToProto() };
    }

    private static TensorProto Tensor(string name, OnnxDataType dataType, long[] dims, int valueCount)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var expected = dims.Aggregate(1L, (product, dim) => product * dim);
        if (expected != valueCount)
        {
            throw new ArgumentException($"Initializer '{name}' has shape [{string.Join(", ", dims)}], which holds {expected} values, but {valueCount} were given.", nameof(dims));
        }

        var tensor = new TensorProto { Name = name, DataType = (int)dataType };
        tensor.Dims.Add(dims);
        return tensor;
    }
}
