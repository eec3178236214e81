using Newtonsoft.Json;

namespace ServerlessML.Inference;

/// <summary>
/// Reads an Open Inference Protocol inference request with Newtonsoft's streaming reader, straight
/// into typed tensor buffers (no DOM). Any malformed input becomes a 400 that names it.
/// </summary>
public static class V2RequestReader
{
    public static InferenceRequest Read(TextReader body, ServingOptions limits)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(limits);
        using var reader = JsonReading.CreateReader(body, limits);
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
                            var input = ReadInput(reader, request.Inputs.Count, limits, ref elements);
                            if (request.Inputs.Exists(i => i.Name == input.Name))
                            {
                                throw ServingException.BadRequest($"Input '{input.Name}' appears twice in \"inputs\".");
                            }

                            request.Inputs.Add(input);
                        }

                        break;
                    case "outputs":
                        ReadRequestedOutputs(reader, request.RequestedOutputs);
                        break;
                    default:
                        // "parameters" and any extension fields: accepted and ignored.
                        reader.Skip();
                        break;
                }
            }

            if (!sawInputs || request.Inputs.Count == 0)
            {
                throw ServingException.BadRequest("The request has no inputs: expected \"inputs\": [{\"name\", \"shape\", \"datatype\", \"data\"}, ...].");
            }

            JsonReading.ExpectEnd(reader);
            return request;
        }
        catch (JsonException e)
        {
            throw JsonReading.Malformed(e);
        }
    }

    private static InferenceTensor ReadInput(JsonTextReader reader, int index, ServingOptions limits, ref long elements)
    {
        string where = $"inputs[{index}]";
        JsonReading.Expect(reader, JsonToken.StartObject, where);
        string? name = null;
        long[]? shape = null;
        TensorDataType? type = null;
        TensorBuffer? typed = null;
        List<(JsonToken Token, object? Value)>? untyped = null;
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

    private static void ReadRequestedOutputs(JsonTextReader reader, List<string> outputs)
    {
        JsonReading.ReadToken(reader, "\"outputs\"");
        JsonReading.Expect(reader, JsonToken.StartArray, "\"outputs\"");
        while (JsonReading.ReadToken(reader, "\"outputs\"") != JsonToken.EndArray)
        {
            string where = $"outputs[{outputs.Count}]";
            JsonReading.Expect(reader, JsonToken.StartObject, where);
            string? name = null;
            while (JsonReading.NextProperty(reader, out string property))
            {
                if (property == "name")
                {
                    name = JsonReading.ReadString(reader, $"{where}.name");
                }
                else
                {
                    reader.Skip();
                }
            }

            outputs.Add(name ?? throw ServingException.BadRequest($"{Capitalize(where)} has no \"name\"."));
        }
    }

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
