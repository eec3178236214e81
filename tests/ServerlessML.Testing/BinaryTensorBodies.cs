using System.Buffers.Binary;
using System.Text;
using Newtonsoft.Json.Linq;

namespace ServerlessML.Testing;

/// <summary>
/// The client's side of the binary tensor data extension, written element by element from the protocol's
/// description (little-endian, BOOL one byte, BYTES a 4-byte length then the bytes), independently of the
/// server's codec, so that a symmetric mistake on both sides cannot pass unnoticed.
/// </summary>
public static class BinaryTensorBodies
{
    public const string HeaderName = "Inference-Header-Content-Length";

    /// <summary>A request body: the JSON, then <paramref name="binary"/> in order; and the JSON's byte length for the header.</summary>
    public static (byte[] Body, int JsonLength) Compose(string json, params byte[][] binary)
    {
        byte[] head = Encoding.UTF8.GetBytes(json);
        return ([.. head, .. binary.SelectMany(b => b)], head.Length);
    }

    /// <summary>
    /// The elements of <paramref name="values"/> (bool, sbyte, byte, short, ushort, int, uint, long, ulong,
    /// Half, float, double or string) as binary tensor data.
    /// </summary>
    public static byte[] Encode(Array values)
    {
        var bytes = new List<byte>();
        foreach (object value in values)
        {
            switch (value)
            {
                case bool b: bytes.Add(b ? (byte)1 : (byte)0); break;
                case sbyte v: bytes.Add(unchecked((byte)v)); break;
                case byte v: bytes.Add(v); break;
                case short v: bytes.AddRange(Little(2, s => BinaryPrimitives.WriteInt16LittleEndian(s, v))); break;
                case ushort v: bytes.AddRange(Little(2, s => BinaryPrimitives.WriteUInt16LittleEndian(s, v))); break;
                case int v: bytes.AddRange(Little(4, s => BinaryPrimitives.WriteInt32LittleEndian(s, v))); break;
                case uint v: bytes.AddRange(Little(4, s => BinaryPrimitives.WriteUInt32LittleEndian(s, v))); break;
                case long v: bytes.AddRange(Little(8, s => BinaryPrimitives.WriteInt64LittleEndian(s, v))); break;
                case ulong v: bytes.AddRange(Little(8, s => BinaryPrimitives.WriteUInt64LittleEndian(s, v))); break;
                case Half v: bytes.AddRange(Little(2, s => BinaryPrimitives.WriteHalfLittleEndian(s, v))); break;
                case float v: bytes.AddRange(Little(4, s => BinaryPrimitives.WriteSingleLittleEndian(s, v))); break;
                case double v: bytes.AddRange(Little(8, s => BinaryPrimitives.WriteDoubleLittleEndian(s, v))); break;
                case string v:
                    byte[] utf8 = Encoding.UTF8.GetBytes(v);
                    bytes.AddRange(Little(4, s => BinaryPrimitives.WriteUInt32LittleEndian(s, (uint)utf8.Length)));
                    bytes.AddRange(utf8);
                    break;
                default: throw new ArgumentException($"No binary form for {value.GetType()}.", nameof(values));
            }
        }

        return [.. bytes];
    }

    /// <summary>A response body split at <paramref name="jsonLength"/> into its JSON and the binary data after it.</summary>
    public static (JObject Json, byte[] Binary) Split(byte[] body, int jsonLength) =>
        (JObject.Parse(Encoding.UTF8.GetString(body, 0, jsonLength)), body[jsonLength..]);

    /// <summary>
    /// The binary outputs of a split response, by name: each output's bytes (parameters.binary_data_size of them,
    /// in the order of "outputs") decoded as the JSON values its datatype would have in "data".
    /// </summary>
    public static Dictionary<string, JArray> DecodeOutputs(JObject json, byte[] binary)
    {
        var decoded = new Dictionary<string, JArray>();
        int offset = 0;
        foreach (var output in json["outputs"]!)
        {
            if (output["parameters"]?["binary_data_size"] is not { } size)
            {
                continue;
            }

            var bytes = binary.AsSpan(offset, (int)size);
            offset += (int)size;
            decoded[(string)output["name"]!] = Decode((string)output["datatype"]!, bytes);
        }

        if (offset != binary.Length)
        {
            throw new InvalidDataException($"The binary_data_size of the outputs add up to {offset} bytes, but {binary.Length} follow the JSON.");
        }

        return decoded;
    }

    /// <summary>Binary tensor data of <paramref name="datatype"/> as the JSON values "data" would hold.</summary>
    public static JArray Decode(string datatype, ReadOnlySpan<byte> bytes)
    {
        var values = new JArray();
        int i = 0;
        while (i < bytes.Length)
        {
            var rest = bytes[i..];
            switch (datatype)
            {
                case "BOOL": values.Add(rest[0] != 0); i += 1; break;
                case "INT8": values.Add(unchecked((sbyte)rest[0])); i += 1; break;
                case "UINT8": values.Add(rest[0]); i += 1; break;
                case "INT16": values.Add(BinaryPrimitives.ReadInt16LittleEndian(rest)); i += 2; break;
                case "UINT16": values.Add(BinaryPrimitives.ReadUInt16LittleEndian(rest)); i += 2; break;
                case "INT32": values.Add(BinaryPrimitives.ReadInt32LittleEndian(rest)); i += 4; break;
                case "UINT32": values.Add(BinaryPrimitives.ReadUInt32LittleEndian(rest)); i += 4; break;
                case "INT64": values.Add(BinaryPrimitives.ReadInt64LittleEndian(rest)); i += 8; break;
                case "UINT64": values.Add(BinaryPrimitives.ReadUInt64LittleEndian(rest)); i += 8; break;
                case "FP16": values.Add((float)BinaryPrimitives.ReadHalfLittleEndian(rest)); i += 2; break;
                case "FP32": values.Add(BinaryPrimitives.ReadSingleLittleEndian(rest)); i += 4; break;
                case "FP64": values.Add(BinaryPrimitives.ReadDoubleLittleEndian(rest)); i += 8; break;
                case "BYTES":
                    int length = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(rest));
                    values.Add(Encoding.UTF8.GetString(rest.Slice(4, length)));
                    i += 4 + length;
                    break;
                default: throw new ArgumentException($"Unknown datatype {datatype}.", nameof(datatype));
            }
        }

        return values;
    }

    private static byte[] Little(int size, SpanAction write)
    {
        var buffer = new byte[size];
        write(buffer);
        return buffer;
    }

    private delegate void SpanAction(Span<byte> span);
}
