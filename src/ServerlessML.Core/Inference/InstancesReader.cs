using Newtonsoft.Json;

namespace ServerlessML.Inference;

/// <summary>A V1 predict request once read: the model inputs, and per instance the fields the model does not see.</summary>
public sealed class InstancesRequest
{
    public required List<InferenceTensor> Inputs { get; init; }

    public required int Rows { get; init; }

    /// <summary>Per instance, the fields that are not features (context passed through for logging and fairness); null when none.</summary>
    public required List<Dictionary<string, object?>?> Passthrough { get; init; }

    public string? Id { get; init; }
}

/// <summary>
/// Reads <c>{"instances": [...]}</c> (records or rows) with Newtonsoft's streaming reader into one
/// typed buffer per column, then builds the model's inputs by the <see cref="TabularLayout"/>.
/// </summary>
public static class InstancesReader
{
    public static InstancesRequest Read(TextReader body, TabularLayout layout, ServingOptions limits)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(limits);
        using var reader = JsonReading.CreateReader(body, limits);
        try
        {
            if (!reader.Read())
            {
                throw ServingException.BadRequest("The request body is empty: expected {\"instances\": [...]}.");
            }

            JsonReading.Expect(reader, JsonToken.StartObject, "the request body");
            int columns = layout.Columns.Count;
            // One buffer per column input; for a single [N, D] input one buffer that takes the rows in order.
            var buffers = layout.IsMatrix
                ? [TensorBuffer.Create(layout.ColumnTypes[0], 16 * columns)]
                : layout.ColumnTypes.Select(t => TensorBuffer.Create(t, 16)).ToArray();
            var passthrough = new List<Dictionary<string, object?>?>();
            string[] features = layout.Columns.Select(c => $" feature '{c}'").ToArray();
            string? id = null;
            bool sawInstances = false;
            while (JsonReading.NextProperty(reader, out string property))
            {
                if (property == "id")
                {
                    id = JsonReading.ReadString(reader, "\"id\"");
                    continue;
                }

                if (property != "instances")
                {
                    reader.Skip();
                    continue;
                }

                sawInstances = true;
                JsonReading.ReadToken(reader, "\"instances\"");
                JsonReading.Expect(reader, JsonToken.StartArray, "\"instances\"");
                var row = new (JsonToken Token, object? Value)[columns];
                var seen = new bool[columns];
                while (JsonReading.ReadToken(reader, "\"instances\"") != JsonToken.EndArray)
                {
                    int index = passthrough.Count;
                    if (index >= limits.MaxInstances)
                    {
                        throw ServingException.BadRequest($"The request has more than the limit of {limits.MaxInstances} instances.");
                    }

                    Array.Clear(seen);
                    Dictionary<string, object?>? context = reader.TokenType switch
                    {
                        JsonToken.StartObject => ReadRecord(reader, layout, index, row, seen),
                        JsonToken.StartArray => ReadRow(reader, layout, index, row, seen),
                        _ => throw ServingException.BadRequest($"Instance {index} is {TensorBuffer.Describe(reader.TokenType, reader.Value)}: expected an object of features or an array of {columns} values."),
                    };
                    for (int c = 0; c < columns; c++)
                    {
                        buffers[layout.IsMatrix ? 0 : c].Add(row[c].Token, row[c].Value, new ElementName("Instance ", index, features[c]));
                    }

                    passthrough.Add(context);
                }
            }

            JsonReading.ExpectEnd(reader);
            if (!sawInstances || passthrough.Count == 0)
            {
                throw ServingException.BadRequest("The request has no instances: expected {\"instances\": [{feature: value, ...}, ...]} or {\"instances\": [[value, ...], ...]}.");
            }

            return new InstancesRequest { Inputs = BuildInputs(layout, buffers, passthrough.Count), Rows = passthrough.Count, Passthrough = passthrough, Id = id };
        }
        catch (JsonException e)
        {
            throw JsonReading.Malformed(e);
        }
    }

    private static Dictionary<string, object?>? ReadRecord(JsonTextReader reader, TabularLayout layout, int index, (JsonToken, object?)[] row, bool[] seen)
    {
        if (!layout.HasNames)
        {
            throw ServingException.BadRequest($"Instance {index} is an object, but the model's single input has no feature names: send arrays of {layout.Columns.Count} values, or list \"features\" in the manifest.");
        }

        Dictionary<string, object?>? context = null;
        while (JsonReading.NextProperty(reader, out string name))
        {
            int c = layout.IndexOf(name);
            JsonReading.ReadToken(reader, $"instance {index}");
            if (c < 0)
            {
                // Not a feature: passthrough context, such as a sensitive attribute the model never sees.
                context ??= new Dictionary<string, object?>(StringComparer.Ordinal);
                context[name] = reader.TokenType is JsonToken.StartObject or JsonToken.StartArray ? SkipNested(reader) : reader.Value;
                continue;
            }

            if (reader.TokenType is JsonToken.StartObject or JsonToken.StartArray)
            {
                throw ServingException.BadRequest($"Instance {index} feature '{name}' is {TensorBuffer.Describe(reader.TokenType, null)}: expected a single {layout.ColumnTypes[c].ToProtocolName()} value.");
            }

            row[c] = (reader.TokenType, reader.Value);
            seen[c] = true;
        }

        for (int c = 0; c < seen.Length; c++)
        {
            if (!seen[c])
            {
                throw ServingException.BadRequest($"Instance {index} has no feature '{layout.Columns[c]}': the model needs {string.Join(", ", layout.Columns.Select(n => $"'{n}'"))}.");
            }
        }

        return context;
    }

    private static Dictionary<string, object?>? ReadRow(JsonTextReader reader, TabularLayout layout, int index, (JsonToken, object?)[] row, bool[] seen)
    {
        int c = 0;
        while (JsonReading.ReadToken(reader, $"instance {index}") != JsonToken.EndArray)
        {
            if (c >= row.Length)
            {
                throw ServingException.BadRequest($"Instance {index} has more than {row.Length} values: the model takes {string.Join(", ", layout.Columns.Select(n => $"'{n}'"))} in this order.");
            }

            if (reader.TokenType is JsonToken.StartObject or JsonToken.StartArray)
            {
                throw ServingException.BadRequest($"Instance {index} value {c} ('{layout.Columns[c]}') is {TensorBuffer.Describe(reader.TokenType, null)}: expected a single {layout.ColumnTypes[c].ToProtocolName()} value.");
            }

            row[c] = (reader.TokenType, reader.Value);
            seen[c++] = true;
        }

        if (c != row.Length)
        {
            throw ServingException.BadRequest($"Instance {index} has {c} values, but the model takes {row.Length}: {string.Join(", ", layout.Columns.Select(n => $"'{n}'"))}.");
        }

        return null;
    }

    private static string SkipNested(JsonTextReader reader)
    {
        // Nested context values are kept as their JSON text.
        using var text = new StringWriter();
        using (var writer = new JsonTextWriter(text))
        {
            writer.WriteToken(reader);
        }

        return text.ToString();
    }

    private static List<InferenceTensor> BuildInputs(TabularLayout layout, TensorBuffer[] buffers, int rows)
    {
        if (!layout.IsMatrix)
        {
            return layout.Inputs.Select((spec, c) => new InferenceTensor(spec.Name, spec.DataType!.Value,
                spec.Shape.Length == 1 ? [rows] : [rows, 1], buffers[c].ToArray())).ToList();
        }

        var input = layout.Inputs[0];
        return [new InferenceTensor(input.Name, input.DataType!.Value, [rows, layout.Columns.Count], buffers[0].ToArray())];
    }
}
