using System.Globalization;
using System.Text;
using ServerlessML.Registry;

namespace ServerlessML.Inference;

/// <summary>
/// A tensor of model.onnx whose bytes are in an external-data file (ONNX <c>TensorProto.data_location = EXTERNAL</c>):
/// <paramref name="Length"/> bytes (null: to the end of the file) at <paramref name="Offset"/> of <paramref name="Location"/>.
/// </summary>
public sealed record ExternalDataReference(string Tensor, string Location, long Offset, long? Length);

/// <summary>A model's external data that cannot be loaded safely or at all; the message names the tensor and the file.</summary>
public sealed class ExternalDataException(string message) : Exception(message);

/// <summary>
/// Finds the external-data references of an ONNX model by walking its protobuf wire format, so that
/// every location is checked before ONNX Runtime opens any file. A small reader rather than a protobuf
/// package: it only needs tensors' names and external_data entries, and skips everything else.
/// </summary>
public static class ExternalDataReferences
{
    // Field numbers of onnx/onnx.proto.
    private const int ModelGraph = 7, ModelFunctions = 25;
    private const int FunctionNode = 7, FunctionAttributeProto = 11;
    private const int GraphNode = 1, GraphInitializer = 5, GraphSparseInitializer = 15;
    private const int NodeAttribute = 5;
    private const int AttributeTensor = 5, AttributeGraph = 6, AttributeTensors = 10, AttributeGraphs = 11, AttributeSparseTensor = 22, AttributeSparseTensors = 23;
    private const int SparseValues = 1, SparseIndices = 2;
    private const int TensorName = 8, TensorExternalData = 13, TensorDataLocation = 14;
    private const int EntryKey = 1, EntryValue = 2;
    private const int DataLocationExternal = 1;

    // Subgraphs (If, Loop, Scan bodies) nest; ONNX Runtime's own protobuf limit is 100 levels.
    private const int MaxDepth = 100;

    /// <summary>
    /// The external-data references of every tensor in the model: initializers, sparse initializers and
    /// tensor attributes, in the main graph, in subgraphs and in model-local functions. Throws
    /// <see cref="InvalidDataException"/> when the bytes are not protobuf, and
    /// <see cref="ExternalDataException"/> when a reference is unusable or names anything but a plain
    /// file beside model.onnx (such as "../x" or an absolute path).
    /// </summary>
    public static IReadOnlyList<ExternalDataReference> Read(ReadOnlySpan<byte> onnx)
    {
        var references = new List<ExternalDataReference>();
        var reader = new WireReader(onnx);
        while (reader.Next(out int field, out var value))
        {
            if (field == ModelGraph)
            {
                Graph(value, references, 1);
            }
            else if (field == ModelFunctions)
            {
                Function(value, references, 1);
            }
        }

        return references;
    }

    /// <summary>
    /// Checks that every referenced file is in <paramref name="folder"/> and long enough for its tensors,
    /// and returns the files' total size. Throws <see cref="ExternalDataException"/> naming the first
    /// tensor whose file is missing or short.
    /// </summary>
    public static long CheckFiles(IReadOnlyList<ExternalDataReference> references, string folder)
    {
        ArgumentNullException.ThrowIfNull(references);
        ArgumentNullException.ThrowIfNull(folder);
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var reference in references)
        {
            if (!sizes.TryGetValue(reference.Location, out long size))
            {
                var file = new FileInfo(Path.Combine(folder, reference.Location));
                if (!file.Exists)
                {
                    throw new ExternalDataException(
                        $"Tensor '{reference.Tensor}' of {RegistryPaths.ModelFileName} keeps its data in the external file '{reference.Location}', which is missing: " +
                        $"'{reference.Location}' must be beside {RegistryPaths.ModelFileName}.");
                }

                size = file.Length;
                sizes.Add(reference.Location, size);
            }

            long end = reference.Offset + (reference.Length ?? 0);
            if (reference.Offset > size || end > size || end < reference.Offset)
            {
                throw new ExternalDataException(
                    $"Tensor '{reference.Tensor}' of {RegistryPaths.ModelFileName} reads bytes {reference.Offset} to {end} of the external file '{reference.Location}', " +
                    $"which has only {size} bytes: the file is truncated or belongs to another export of the model.");
            }
        }

        return sizes.Values.Sum();
    }

    /// <summary>The distinct files the references name, in order of first use.</summary>
    public static IReadOnlyList<string> FileNames(IReadOnlyList<ExternalDataReference> references) =>
        references.Select(r => r.Location).Distinct(StringComparer.Ordinal).ToList();

    private static void Graph(ReadOnlySpan<byte> graph, List<ExternalDataReference> references, int depth)
    {
        CheckDepth(depth);
        var reader = new WireReader(graph);
        while (reader.Next(out int field, out var value))
        {
            switch (field)
            {
                case GraphNode:
                    Node(value, references, depth);
                    break;
                case GraphInitializer:
                    Tensor(value, references);
                    break;
                case GraphSparseInitializer:
                    SparseTensor(value, references);
                    break;
            }
        }
    }

    private static void Function(ReadOnlySpan<byte> function, List<ExternalDataReference> references, int depth)
    {
        var reader = new WireReader(function);
        while (reader.Next(out int field, out var value))
        {
            if (field == FunctionNode)
            {
                Node(value, references, depth);
            }
            else if (field == FunctionAttributeProto)
            {
                Attribute(value, references, depth);
            }
        }
    }

    private static void Node(ReadOnlySpan<byte> node, List<ExternalDataReference> references, int depth)
    {
        var reader = new WireReader(node);
        while (reader.Next(out int field, out var value))
        {
            if (field == NodeAttribute)
            {
                Attribute(value, references, depth);
            }
        }
    }

    private static void Attribute(ReadOnlySpan<byte> attribute, List<ExternalDataReference> references, int depth)
    {
        var reader = new WireReader(attribute);
        while (reader.Next(out int field, out var value))
        {
            switch (field)
            {
                case AttributeTensor or AttributeTensors:
                    Tensor(value, references);
                    break;
                case AttributeGraph or AttributeGraphs:
                    Graph(value, references, depth + 1);
                    break;
                case AttributeSparseTensor or AttributeSparseTensors:
                    SparseTensor(value, references);
                    break;
            }
        }
    }

    private static void SparseTensor(ReadOnlySpan<byte> sparse, List<ExternalDataReference> references)
    {
        var reader = new WireReader(sparse);
        while (reader.Next(out int field, out var value))
        {
            if (field is SparseValues or SparseIndices)
            {
                Tensor(value, references);
            }
        }
    }

    private static void Tensor(ReadOnlySpan<byte> tensor, List<ExternalDataReference> references)
    {
        string name = "";
        bool external = false;
        var entries = new List<(string Key, string Value)>();
        var reader = new WireReader(tensor);
        while (reader.Next(out int field, out var value, out ulong number))
        {
            switch (field)
            {
                case TensorName:
                    name = Utf8(value);
                    break;
                case TensorDataLocation:
                    external = number == DataLocationExternal;
                    break;
                case TensorExternalData:
                    entries.Add(Entry(value));
                    break;
            }
        }

        if (external)
        {
            references.Add(Reference(name, entries));
        }
    }

    private static ExternalDataReference Reference(string tensor, List<(string Key, string Value)> entries)
    {
        string? location = entries.LastOrDefault(e => e.Key == "location").Value;
        if (string.IsNullOrEmpty(location))
        {
            throw new ExternalDataException($"Tensor '{tensor}' of {RegistryPaths.ModelFileName} is marked as external data but has no 'location' entry naming its file.");
        }

        if (!IsPlainFileName(location))
        {
            throw new ExternalDataException(
                $"Tensor '{tensor}' of {RegistryPaths.ModelFileName} keeps its data at external location '{location}', which is not a plain file name beside {RegistryPaths.ModelFileName}: " +
                "locations must not be absolute or hold '/', '\\' or '..'. Save the model with its external data in files beside it " +
                "(for example onnx.save_model(model, \"model.onnx\", save_as_external_data=True, location=\"weights.data\")).");
        }

        long offset = Number(tensor, entries, "offset") ?? 0;
        long? length = Number(tensor, entries, "length");
        return new ExternalDataReference(tensor, location, offset, length);
    }

    private static long? Number(string tensor, List<(string Key, string Value)> entries, string key)
    {
        string? text = entries.LastOrDefault(e => e.Key == key).Value;
        if (text is null)
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long number)
            ? number
            : throw new ExternalDataException($"Tensor '{tensor}' of {RegistryPaths.ModelFileName} has external-data {key} '{text}', which is not a whole number of bytes.");
    }

    /// <summary>A name ONNX Runtime resolves inside the folder it is given, on Linux and Windows alike.</summary>
    private static bool IsPlainFileName(string location) =>
        location is not ("." or "..")
        && location.IndexOfAny(['/', '\\', ':', '\0']) < 0
        && !Path.IsPathRooted(location);

    private static (string Key, string Value) Entry(ReadOnlySpan<byte> entry)
    {
        string key = "", text = "";
        var reader = new WireReader(entry);
        while (reader.Next(out int field, out var value))
        {
            if (field == EntryKey)
            {
                key = Utf8(value);
            }
            else if (field == EntryValue)
            {
                text = Utf8(value);
            }
        }

        return (key, text);
    }

    private static string Utf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException("A string field of the model is not valid UTF-8.", e);
        }
    }

    private static void CheckDepth(int depth)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidDataException($"The model nests subgraphs more than {MaxDepth} levels deep.");
        }
    }

    /// <summary>Reads one protobuf message's fields: length-delimited ones as their bytes, varints as their number; others skipped.</summary>
    private ref struct WireReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public bool Next(out int field, out ReadOnlySpan<byte> value) => Next(out field, out value, out _);

        public bool Next(out int field, out ReadOnlySpan<byte> value, out ulong number)
        {
            value = default;
            number = 0;
            while (_position < _data.Length)
            {
                ulong tag = Varint();
                field = FieldNumber(tag);
                if (field == 0)
                {
                    throw Malformed("field number 0");
                }

                switch ((int)(tag & 7))
                {
                    case 0:
                        number = Varint();
                        return true;
                    case 1:
                        Skip(8);
                        break;
                    case 2:
                        ulong length = Varint();
                        if (length > (ulong)(_data.Length - _position))
                        {
                            throw Malformed("a length past the end of the data");
                        }

                        value = _data.Slice(_position, (int)length);
                        _position += (int)length;
                        return true;
                    case 3:
                        SkipGroup(field);
                        break;
                    case 5:
                        Skip(4);
                        break;
                    default:
                        throw Malformed($"wire type {tag & 7}");
                }
            }

            field = 0;
            return false;
        }

        private ulong Varint()
        {
            ulong result = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (_position >= _data.Length)
                {
                    throw Malformed("a number cut off at the end of the data");
                }

                byte b = _data[_position++];
                result |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return result;
                }
            }

            throw Malformed("a number longer than 10 bytes");
        }

        private void Skip(int count)
        {
            if (count > _data.Length - _position)
            {
                throw Malformed("a value cut off at the end of the data");
            }

            _position += count;
        }

        // Deprecated groups: skipped up to their end tag, as protobuf parsers keep them as unknown fields.
        private void SkipGroup(int group, int depth = 1)
        {
            CheckDepth(depth);
            while (true)
            {
                ulong tag = Varint();
                switch ((int)(tag & 7))
                {
                    case 0:
                        Varint();
                        break;
                    case 1:
                        Skip(8);
                        break;
                    case 2:
                        Skip((int)Math.Min(Varint(), (ulong)int.MaxValue));
                        break;
                    case 3:
                        SkipGroup(FieldNumber(tag), depth + 1);
                        break;
                    case 4 when FieldNumber(tag) == group:
                        return;
                    case 4:
                        throw Malformed("a group closed by another group's end");
                    case 5:
                        Skip(4);
                        break;
                    default:
                        throw Malformed($"wire type {tag & 7}");
                }
            }
        }

        private static int FieldNumber(ulong tag) => (int)Math.Min(tag >> 3, (ulong)int.MaxValue);

        private static InvalidDataException Malformed(string what) =>
            new($"{RegistryPaths.ModelFileName} is not a readable ONNX protobuf: it holds {what}.");
    }
}
