using System.Buffers;
using Newtonsoft.Json;

namespace ServerlessML.Inference;

/// <summary>The small set of streaming-reader steps that every request reader shares.</summary>
internal static class JsonReading
{
    public static JsonTextReader CreateReader(TextReader body, ServingOptions limits) => new(body)
    {
        MaxDepth = limits.MaxJsonDepth,
        FloatParseHandling = FloatParseHandling.Double,
        DateParseHandling = DateParseHandling.None,
        ArrayPool = JsonCharPool.Instance,
        CloseInput = false,
    };

    public static ServingException Malformed(JsonException e) =>
        new(ServingErrorCode.BadRequest, $"The request body is not valid JSON: {e.Message}", inner: e);

    public static JsonToken ReadToken(JsonTextReader reader, string where)
    {
        if (!reader.Read())
        {
            throw ServingException.BadRequest($"The request body ends inside {where}.");
        }

        return reader.TokenType;
    }

    public static void Expect(JsonTextReader reader, JsonToken expected, string where)
    {
        if (reader.TokenType != expected)
        {
            string kind = expected switch
            {
                JsonToken.StartObject => "an object",
                JsonToken.StartArray => "an array",
                _ => expected.ToString(),
            };
            throw ServingException.BadRequest($"{char.ToUpperInvariant(where[0])}{where[1..]} is {TensorBuffer.Describe(reader.TokenType, reader.Value)}: expected {kind}.");
        }
    }

    /// <summary>Moves to the next property of the current object; false at its end.</summary>
    public static bool NextProperty(JsonTextReader reader, out string name)
    {
        JsonToken token = ReadToken(reader, "an object");
        if (token == JsonToken.EndObject)
        {
            name = "";
            return false;
        }

        name = (string)reader.Value!;
        return true;
    }

    public static string ReadString(JsonTextReader reader, string where)
    {
        ReadToken(reader, where);
        return reader.TokenType == JsonToken.String
            ? (string)reader.Value!
            : throw ServingException.BadRequest($"{where} is {TensorBuffer.Describe(reader.TokenType, reader.Value)}: expected a string.");
    }

    public static void ExpectEnd(JsonTextReader reader)
    {
        if (reader.Read())
        {
            throw ServingException.BadRequest($"The request body has more content after its JSON object ({TensorBuffer.Describe(reader.TokenType, reader.Value)}).");
        }
    }
}

/// <summary>Lets Newtonsoft's reader and writer rent their char buffers instead of allocating them.</summary>
internal sealed class JsonCharPool : IArrayPool<char>
{
    public static readonly JsonCharPool Instance = new();

    public char[] Rent(int minimumLength) => ArrayPool<char>.Shared.Rent(minimumLength);

    public void Return(char[]? array)
    {
        if (array is not null)
        {
            ArrayPool<char>.Shared.Return(array);
        }
    }
}
