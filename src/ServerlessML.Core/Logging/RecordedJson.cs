using Newtonsoft.Json;

namespace ServerlessML.Logging;

/// <summary>
/// A JSON writer that formats nothing: it records the tokens it is given, to be written later by
/// <see cref="Replay"/>. Lets the request path take a row's outputs from ONNX Runtime's memory with
/// the serving code's own writers (<see cref="Inference.PredictionWriter"/>) at the cost of a copy,
/// and leaves number formatting, the expensive part, to the background writer.
/// </summary>
internal sealed class RecordedJson : JsonWriter
{
    private Token[] _tokens;

    /// <param name="capacity">Tokens expected, so that a batch's outputs are copied without regrowing.</param>
    public RecordedJson(int capacity = 16) => _tokens = new Token[Math.Max(4, capacity)];

    public int Count { get; private set; }

    public override void Flush()
    {
    }

    public override void WriteStartObject() => Add(Kind.StartObject);

    public override void WriteEndObject() => Add(Kind.EndObject);

    public override void WriteStartArray() => Add(Kind.StartArray);

    public override void WriteEndArray() => Add(Kind.EndArray);

    public override void WritePropertyName(string name) => Add(Kind.PropertyName, 0, name);

    public override void WritePropertyName(string name, bool escape) => Add(Kind.PropertyName, 0, name);

    public override void WriteNull() => Add(Kind.Null);

    public override void WriteValue(string? value) => Add(value is null ? Kind.Null : Kind.String, 0, value);

    public override void WriteValue(bool value) => Add(Kind.Boolean, value ? 1 : 0);

    public override void WriteValue(float value) => Add(Kind.Single, BitConverter.DoubleToInt64Bits(value));

    public override void WriteValue(double value) => Add(Kind.Double, BitConverter.DoubleToInt64Bits(value));

    public override void WriteValue(long value) => Add(Kind.Integer, value);

    public override void WriteValue(int value) => Add(Kind.Integer, value);

    public override void WriteValue(short value) => Add(Kind.Integer, value);

    public override void WriteValue(sbyte value) => Add(Kind.Integer, value);

    public override void WriteValue(byte value) => Add(Kind.Integer, value);

    public override void WriteValue(ushort value) => Add(Kind.Integer, value);

    public override void WriteValue(uint value) => Add(Kind.Integer, value);

    public override void WriteValue(ulong value) => Add(Kind.UnsignedInteger, unchecked((long)value));

    /// <summary>Writes the tokens [start, end) to <paramref name="writer"/> as they were recorded.</summary>
    public void Replay(JsonWriter writer, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            ref readonly var token = ref _tokens[i];
            switch (token.Kind)
            {
                case Kind.StartObject: writer.WriteStartObject(); break;
                case Kind.EndObject: writer.WriteEndObject(); break;
                case Kind.StartArray: writer.WriteStartArray(); break;
                case Kind.EndArray: writer.WriteEndArray(); break;
                case Kind.PropertyName: writer.WritePropertyName(token.Text!); break;
                case Kind.Null: writer.WriteNull(); break;
                case Kind.String: writer.WriteValue(token.Text); break;
                case Kind.Boolean: writer.WriteValue(token.Bits != 0); break;
                // The float itself, so that it is written as short as the V1 response writes it.
                case Kind.Single: writer.WriteValue((float)BitConverter.Int64BitsToDouble(token.Bits)); break;
                case Kind.Double: writer.WriteValue(BitConverter.Int64BitsToDouble(token.Bits)); break;
                case Kind.Integer: writer.WriteValue(token.Bits); break;
                case Kind.UnsignedInteger: writer.WriteValue(unchecked((ulong)token.Bits)); break;
                default: throw new InvalidOperationException($"Unknown recorded token {token.Kind}.");
            }
        }
    }

    private void Add(Kind kind, long bits = 0, string? text = null)
    {
        if (Count == _tokens.Length)
        {
            Array.Resize(ref _tokens, _tokens.Length * 2);
        }

        _tokens[Count++] = new Token(kind, bits, text);
    }

    private enum Kind : byte
    {
        StartObject,
        EndObject,
        StartArray,
        EndArray,
        PropertyName,
        Null,
        String,
        Boolean,
        Single,
        Double,
        Integer,
        UnsignedInteger,
    }

    private readonly record struct Token(Kind Kind, long Bits, string? Text);
}
