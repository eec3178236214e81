using Newtonsoft.Json;

namespace ServerlessML.Inference;

/// <summary>
/// Reads an Open Inference Protocol inference request with Newtonsoft's streaming reader, straight
/// into typed tensor buffers (no DOM). Any malformed input becomes a 400 that names it.
/// </summary>
public static class V2RequestReader
{
    /// <summary>Reads a JSON-only request.</summary>
    public static InferenceRequest Read(TextReader body, ServingOptions limits) => Read(body, limits, binaryData: null);

    /// <summary>
    /// Reads a request whose body may carry binary tensor data (<see cref="BinaryTensorData"/>):
    /// <paramref name="json"/> is the JSON part, <paramref name="binaryData"/> the bytes after it, or null
    /// when the request had no <see cref="BinaryTensorData.HeaderName"/> header. The elements of each input
    /// with parameters.binary_data_size are taken from those bytes, in input order, into the same typed
    /// arrays as JSON data.
    /// </summary>
    public static InferenceRequest Read(TextReader json, ServingOptions limits, ReadOnlyMemory<byte>? binaryData)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(limits);
        using var reader = JsonReading.CreateReader(json, limits);
        var binary = binaryData is { } bytes ? new BinaryCursor(bytes) : null;
        try
        {
            var request = new InferenceRequest();
            if (!reader.Read())
            {
                throw ServingException.BadRequest("The request body is empty: expected a JSON object with \"inputs\".");
            }

            JsonReading.Expect(reader, JsonToken.StartObject, "the request body");
            long elements = 0;
            bool sawInputs = false;
            while (JsonReading.NextProperty(reader, out string property))
            {
                switch (property)
                {
                    case "id":
                        request.Id = JsonReading.ReadString(reader, "\"id\"");
                        break;
                    case "inputs":
                        sawInputs = true;
                        JsonReading.ReadToken(reader, "\"inputs\"");
                        JsonReading.Expect(reader, JsonToken.StartArray, "\"inputs\"");
                        while (JsonReading.ReadToken(reader, "\"inputs\"") != JsonToken.EndArray)
                        {
                            var input = ReadInput(reader, request.Inputs.Count, limits, ref elements, binary);
                            if (request.Inputs.Exists(i => i.Name == input.Name))
                            {
                                throw ServingException.BadRequest($"Input '{input.Name}' appears twice in \"inputs\".");
                            }

                            request.Inputs.Add(input);
                        }

                        break;
                    case "outputs":
                        ReadRequestedOutputs(reader, request);
                        break;
                    case "parameters":
                        ReadRequestParameters(reader, request);
                        break;
                    default:
                        // Extension fields: accepted and ignored.
                        reader.Skip();
                        break;
                }
            }

            if (!sawInputs || request.Inputs.Count == 0)
            {
                throw ServingException.BadRequest("The request has no inputs: expected \"inputs\": [{\"name\", \"shape\", \"datatype\", \"data\"}, ...].");
            }

            JsonReading.ExpectEnd(reader);
            if (binary is { Remaining: > 0 })
            {
                throw ServingException.BadRequest(binary.LastInput is { } last
                    ? $"The body has {binary.Remaining} bytes of binary data after those of input '{last}', the last input with parameters.binary_data_size: each binary_data_size must give the exact length of its input's data."
                    : $"The body has {binary.Remaining} bytes of binary data after the JSON ({BinaryTensorData.HeaderName}), but no input has parameters.binary_data_size to claim them.");
            }

            return request;
        }
        catch (JsonException e)
        {
            throw JsonReading.Malformed(e);
        }
    }

    private static InferenceTensor ReadInput(JsonTextReader reader, int index, ServingOptions limits, ref long elements, BinaryCursor? binary)
    {
        string where = $"inputs[{index}]";
        JsonReading.Expect(reader, JsonToken.StartObject, where);
        string? name = null;
        long[]? shape = null;
        TensorDataType? type = null;
        TensorBuffer? typed = null;
        List<(JsonToken Token, object? Value)>? untyped = null;
        long? binarySize = null;
        while (JsonReading.NextProperty(reader, out string property))
        {
            switch (property)
            {
                case "name":
                    name = JsonReading.ReadString(reader, $"{where}.name");
                    where = $"input '{name}'";
                    break;
                case "shape":
                    shape = ReadShape(reader, where, limits);
                    break;
                case "datatype":
                    string text = JsonReading.ReadString(reader, $"{where}.datatype");
                    type = TensorDataTypes.TryParse(text, out var parsed)
                        ? parsed
                        : throw ServingException.BadRequest($"{Capitalize(where)} has datatype \"{text}\": expected one of {TensorDataTypes.AllNames}.");
                    break;
                case "data":
                    JsonReading.ReadToken(reader, $"{where}.data");
                    if (reader.TokenType != JsonToken.StartArray)
                    {
                        throw ServingException.BadRequest($"{Capitalize(where)} has data that is {TensorBuffer.Describe(reader.TokenType, reader.Value)}: expected an array of elements in row-major order.");
                    }

                    if (type is { } known)
                    {
                        int capacity = shape is null ? 0 : (int)Math.Min(InferenceTensor.ElementCount(shape), limits.MaxElementsPerRequest);
                        typed = TensorBuffer.Create(known, capacity);
                    }
                    else
                    {
                        // "data" came before "datatype": keep the tokens and type them once the datatype is known.
                        untyped = [];
                    }

                    ReadData(reader, Capitalize(where), limits, ref elements, typed, untyped);
                    break;
                case "parameters":
                    binarySize = ReadInputParameters(reader, where) ?? binarySize;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        where = Capitalize(where);
        if (name is null)
        {
            throw ServingException.BadRequest($"{where} has no \"name\".");
        }

        if (shape is null)
        {
            throw ServingException.BadRequest($"{where} has no \"shape\": expected an array of dimensions such as [1, 4].");
        }

        if (type is null)
        {
            throw ServingException.BadRequest($"{where} has no \"datatype\": expected one of {TensorDataTypes.AllNames}.");
        }

        if (binarySize is { } size)
        {
            if (typed is not null || untyped is not null)
            {
                throw ServingException.BadRequest($"{where} has both \"data\" and parameters.binary_data_size: send its elements either in \"data\" or as binary data after the JSON, not both.");
            }

            return ReadBinaryInput(name, type.Value, shape, size, where, limits, ref elements, binary);
        }

        if (typed is null && untyped is null)
        {
            throw ServingException.BadRequest($"{where} has no \"data\".");
        }

        if (typed is null)
        {
            typed = TensorBuffer.Create(type.Value, untyped!.Count);
            for (int i = 0; i < untyped.Count; i++)
            {
                typed.Add(untyped[i].Token, untyped[i].Value, new ElementName($"{where} element ", i));
            }
        }

        long expected = InferenceTensor.ElementCount(shape);
        if (typed.Count != expected)
        {
            throw ServingException.BadRequest($"{where} has shape [{string.Join(", ", shape)}], which holds {expected} elements, but its data has {typed.Count}.");
        }

        return new InferenceTensor(name, type.Value, shape, typed.ToArray());
    }

    private static InferenceTensor ReadBinaryInput(string name, TensorDataType type, long[] shape, long size, string where, ServingOptions limits, ref long elements, BinaryCursor? binary)
    {
        if (binary is null)
        {
            throw ServingException.BadRequest($"{where} has parameters.binary_data_size, but the request has no {BinaryTensorData.HeaderName} header: send the byte length of the JSON in that header and the binary data after the JSON.");
        }

        long count = InferenceTensor.ElementCount(shape);
        elements += count;
        if (elements > limits.MaxElementsPerRequest)
        {
            throw ServingException.BadRequest($"The request has more than the limit of {limits.MaxElementsPerRequest} elements.");
        }

        int elementSize = BinaryTensorData.ElementSize(type);
        if (elementSize > 0 && size != count * elementSize)
        {
            throw ServingException.BadRequest($"{where} has binary_data_size {size}, but its shape [{string.Join(", ", shape)}] holds {count} {type.ToProtocolName()} elements of {elementSize} bytes: {count * elementSize} bytes.");
        }

        if (size > binary.Remaining)
        {
            throw ServingException.BadRequest($"{where} has binary_data_size {size}, but only {binary.Remaining} bytes of binary data are left in the body for it.");
        }

        var data = BinaryTensorData.Decode(type, binary.Take((int)size, name), (int)count, where);
        return new InferenceTensor(name, type, shape, data);
    }

    /// <summary>Reads an input's parameters; returns binary_data_size when it is there.</summary>
    private static long? ReadInputParameters(JsonTextReader reader, string where)
    {
        if (JsonReading.ReadToken(reader, $"{where}.parameters") != JsonToken.StartObject)
        {
            // Parameters that are not an object carry nothing this server reads: ignored, as before.
            reader.Skip();
            return null;
        }

        long? size = null;
        while (JsonReading.NextProperty(reader, out string property))
        {
            if (property != "binary_data_size")
            {
                reader.Skip();
                continue;
            }

            JsonToken token = JsonReading.ReadToken(reader, $"{where}.parameters.binary_data_size");
            if (token != JsonToken.Integer || reader.Value is not long value || value < 0)
            {
                throw ServingException.BadRequest($"{Capitalize(where)} has parameters.binary_data_size that is {TensorBuffer.Describe(token, reader.Value)}: expected the byte length of its binary data, a whole number 0 or more.");
            }

            size = value;
        }

        return size;
    }

    /// <summary>Reads the request's parameters: binary_data_output; others are accepted and ignored.</summary>
    private static void ReadRequestParameters(JsonTextReader reader, InferenceRequest request)
    {
        if (JsonReading.ReadToken(reader, "\"parameters\"") != JsonToken.StartObject)
        {
            reader.Skip();
            return;
        }

        while (JsonReading.NextProperty(reader, out string property))
        {
            if (property == "binary_data_output")
            {
                request.BinaryDataOutput = ReadBoolean(reader, "Request parameter binary_data_output");
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private static bool ReadBoolean(JsonTextReader reader, string where)
    {
        JsonToken token = JsonReading.ReadToken(reader, where);
        return token == JsonToken.Boolean
            ? (bool)reader.Value!
            : throw ServingException.BadRequest($"{where} is {TensorBuffer.Describe(token, reader.Value)}: expected true or false.");
    }

    private static long[] ReadShape(JsonTextReader reader, string where, ServingOptions limits)
    {
        JsonReading.ReadToken(reader, $"{where}.shape");
        JsonReading.Expect(reader, JsonToken.StartArray, $"{Capitalize(where)} shape");
        var dims = new List<long>(4);
        long product = 1;
        while (JsonReading.ReadToken(reader, $"{where}.shape") != JsonToken.EndArray)
        {
            if (reader.TokenType != JsonToken.Integer || reader.Value is not long dim || dim < 0)
            {
                throw ServingException.BadRequest($"{Capitalize(where)} has a shape dimension that is {TensorBuffer.Describe(reader.TokenType, reader.Value)}: expected a whole number 0 or more.");
            }

            dims.Add(dim);
            product = dim == 0 || product == 0 ? 0 : (product > limits.MaxElementsPerRequest / Math.Max(dim, 1) ? long.MaxValue : product * dim);
            if (product > limits.MaxElementsPerRequest)
            {
                throw ServingException.BadRequest($"{Capitalize(where)} has shape [{string.Join(", ", dims)}{(dims.Count > 0 ? ", ..." : "")}], more than the limit of {limits.MaxElementsPerRequest} elements per request.");
            }
        }

        return [.. dims];
    }

    private static void ReadData(JsonTextReader reader, string where, ServingOptions limits, ref long elements, TensorBuffer? typed, List<(JsonToken Token, object? Value)>? untyped)
    {
        // Flat or nested: nested arrays are flattened in row-major order; the element count is checked against the shape afterwards.
        string prefix = where + " element ";
        int depth = 1;
        int index = 0;
        while (depth > 0)
        {
            JsonToken token = JsonReading.ReadToken(reader, $"{where}.data");
            switch (token)
            {
                case JsonToken.StartArray:
                    depth++;
                    break;
                case JsonToken.EndArray:
                    depth--;
                    break;
                case JsonToken.StartObject:
                    throw ServingException.BadRequest($"{where} element {index} is an object: expected a scalar.");
                default:
                    if (++elements > limits.MaxElementsPerRequest)
                    {
                        throw ServingException.BadRequest($"The request has more than the limit of {limits.MaxElementsPerRequest} elements.");
                    }

                    if (typed is not null)
                    {
                        typed.Add(token, reader.Value, new ElementName(prefix, index));
                    }
                    else
                    {
                        untyped!.Add((token, reader.Value));
                    }

                    index++;
                    break;
            }
        }
    }

    private static void ReadRequestedOutputs(JsonTextReader reader, InferenceRequest request)
    {
        var outputs = request.RequestedOutputs;
        JsonReading.ReadToken(reader, "\"outputs\"");
        JsonReading.Expect(reader, JsonToken.StartArray, "\"outputs\"");
        while (JsonReading.ReadToken(reader, "\"outputs\"") != JsonToken.EndArray)
        {
            string where = $"outputs[{outputs.Count}]";
            JsonReading.Expect(reader, JsonToken.StartObject, where);
            string? name = null;
            bool? binary = null;
            while (JsonReading.NextProperty(reader, out string property))
            {
                if (property == "name")
                {
                    name = JsonReading.ReadString(reader, $"{where}.name");
                }
                else if (property == "parameters")
                {
                    binary = ReadOutputParameters(reader, where) ?? binary;
                }
                else
                {
                    reader.Skip();
                }
            }

            outputs.Add(name ?? throw ServingException.BadRequest($"{Capitalize(where)} has no \"name\"."));
            if (binary is { } b)
            {
                request.OutputBinaryData[name] = b;
            }
        }
    }

    /// <summary>Reads a requested output's parameters; returns binary_data when it is there.</summary>
    private static bool? ReadOutputParameters(JsonTextReader reader, string where)
    {
        if (JsonReading.ReadToken(reader, $"{where}.parameters") != JsonToken.StartObject)
        {
            reader.Skip();
            return null;
        }

        bool? binary = null;
        while (JsonReading.NextProperty(reader, out string property))
        {
            if (property == "binary_data")
            {
                binary = ReadBoolean(reader, $"{Capitalize(where)} parameter binary_data");
            }
            else
            {
                reader.Skip();
            }
        }

        return binary;
    }

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    /// <summary>The binary tensor data after the JSON, taken input by input in the order of the JSON.</summary>
    private sealed class BinaryCursor(ReadOnlyMemory<byte> data)
    {
        private int _position;

        public int Remaining => data.Length - _position;

        /// <summary>The last input that took binary data, for the error about bytes nobody claimed.</summary>
        public string? LastInput { get; private set; }

        public ReadOnlySpan<byte> Take(int count, string input)
        {
            var taken = data.Span.Slice(_position, count);
            _position += count;
            LastInput = input;
            return taken;
        }
    }
}
