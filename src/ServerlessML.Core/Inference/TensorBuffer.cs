using System.Globalization;
using System.Numerics;
using Microsoft.ML.OnnxRuntime;
using Newtonsoft.Json;

namespace ServerlessML.Inference;

/// <summary>
/// Collects the JSON elements of one tensor straight into an array of its element type, checking
/// each value as it arrives so that an error can name the element, the expected and the received.
/// </summary>
internal abstract class TensorBuffer
{
    public abstract int Count { get; }

    public abstract TensorDataType DataType { get; }

    /// <summary>Adds one scalar token; throws a 400 <see cref="ServingException"/> naming the element when it does not fit.</summary>
    public abstract void Add(JsonToken token, object? value, ElementName element);

    /// <summary>The elements, in an array exactly <see cref="Count"/> long.</summary>
    public abstract Array ToArray();

    public static TensorBuffer Create(TensorDataType type, int capacity) => type switch
    {
        TensorDataType.Bool => new TensorBuffer<bool>(type, capacity, ToBool),
        TensorDataType.Int8 => new TensorBuffer<sbyte>(type, capacity, (JsonToken t, object? v, out sbyte r) => ToInteger(t, v, sbyte.MinValue, sbyte.MaxValue, x => (sbyte)x, out r)),
        TensorDataType.Int16 => new TensorBuffer<short>(type, capacity, (JsonToken t, object? v, out short r) => ToInteger(t, v, short.MinValue, short.MaxValue, x => (short)x, out r)),
        TensorDataType.Int32 => new TensorBuffer<int>(type, capacity, (JsonToken t, object? v, out int r) => ToInteger(t, v, int.MinValue, int.MaxValue, x => (int)x, out r)),
        TensorDataType.Int64 => new TensorBuffer<long>(type, capacity, (JsonToken t, object? v, out long r) => ToInteger(t, v, long.MinValue, long.MaxValue, x => (long)x, out r)),
        TensorDataType.UInt8 => new TensorBuffer<byte>(type, capacity, (JsonToken t, object? v, out byte r) => ToInteger(t, v, byte.MinValue, byte.MaxValue, x => (byte)x, out r)),
        TensorDataType.UInt16 => new TensorBuffer<ushort>(type, capacity, (JsonToken t, object? v, out ushort r) => ToInteger(t, v, ushort.MinValue, ushort.MaxValue, x => (ushort)x, out r)),
        TensorDataType.UInt32 => new TensorBuffer<uint>(type, capacity, (JsonToken t, object? v, out uint r) => ToInteger(t, v, uint.MinValue, uint.MaxValue, x => (uint)x, out r)),
        TensorDataType.UInt64 => new TensorBuffer<ulong>(type, capacity, (JsonToken t, object? v, out ulong r) => ToInteger(t, v, ulong.MinValue, ulong.MaxValue, x => (ulong)x, out r)),
        TensorDataType.Fp16 => new TensorBuffer<Float16>(type, capacity, ToFloat16),
        TensorDataType.Fp32 => new TensorBuffer<float>(type, capacity, ToSingle),
        TensorDataType.Fp64 => new TensorBuffer<double>(type, capacity, ToDouble),
        TensorDataType.Bytes => new TensorBuffer<string>(type, capacity, ToText),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>How a received token reads in an error message: the value and its JSON kind.</summary>
    public static string Describe(JsonToken token, object? value) => token switch
    {
        JsonToken.String => $"the string \"{Truncate((string)value!)}\"",
        JsonToken.Integer or JsonToken.Float => $"the number {Convert.ToString(value, CultureInfo.InvariantCulture)}",
        JsonToken.Boolean => (bool)value! ? "true" : "false",
        JsonToken.Null => "null",
        JsonToken.StartObject => "an object",
        JsonToken.StartArray => "an array",
        _ => token.ToString(),
    };

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "...";

    private static string? ToBool(JsonToken token, object? value, out bool result)
    {
        result = token == JsonToken.Boolean && (bool)value!;
        return token == JsonToken.Boolean ? null : "expected true or false";
    }

    private static string? ToInteger<T>(JsonToken token, object? value, BigInteger min, BigInteger max, Func<BigInteger, T> narrow, out T result)
    {
        result = default!;
        if (token != JsonToken.Integer)
        {
            return token == JsonToken.Float ? "expected an integer, not a fraction" : "expected an integer";
        }

        BigInteger n = value is BigInteger big ? big : new BigInteger((long)value!);
        if (n < min || n > max)
        {
            return $"is outside the range {min} to {max}";
        }

        result = narrow(n);
        return null;
    }

    private static string? ToDouble(JsonToken token, object? value, out double result)
    {
        result = token switch
        {
            JsonToken.Float => (double)value!,
            JsonToken.Integer => value is BigInteger big ? (double)big : (long)value!,
            _ => double.NaN,
        };
        if (token is not (JsonToken.Float or JsonToken.Integer))
        {
            return "expected a number";
        }

        return double.IsFinite(result) ? null : "is not a finite number (NaN and Infinity are not accepted)";
    }

    private static string? ToSingle(JsonToken token, object? value, out float result)
    {
        result = 0;
        string? problem = ToDouble(token, value, out double d);
        if (problem is not null)
        {
            return problem;
        }

        result = (float)d;
        return float.IsFinite(result) ? null : "is outside the FP32 range";
    }

    private static string? ToFloat16(JsonToken token, object? value, out Float16 result)
    {
        result = default;
        string? problem = ToDouble(token, value, out double d);
        if (problem is not null)
        {
            return problem;
        }

        var half = (Half)d;
        result = new Float16(BitConverter.HalfToUInt16Bits(half));
        return Half.IsFinite(half) ? null : "is outside the FP16 range (about ±65504)";
    }

    private static string? ToText(JsonToken token, object? value, out string result)
    {
        result = token == JsonToken.String ? (string)value! : "";
        return token == JsonToken.String ? null : "expected a string";
    }
}

/// <summary>
/// Names an element in an error message, e.g. "Input 'x' element 3"; built only when there is an
/// error, so the hot path allocates nothing per element.
/// </summary>
internal readonly record struct ElementName(string Before, int Index, string After = "")
{
    public override string ToString() => $"{Before}{Index}{After}";
}

internal delegate string? ElementConverter<T>(JsonToken token, object? value, out T result);

internal sealed class TensorBuffer<T> : TensorBuffer
{
    private readonly ElementConverter<T> _convert;
    private T[] _items;
    private int _count;

    public TensorBuffer(TensorDataType type, int capacity, ElementConverter<T> convert)
    {
        DataType = type;
        _items = capacity == 0 ? [] : new T[capacity];
        _convert = convert;
    }

    public override int Count => _count;

    public override TensorDataType DataType { get; }

    public override void Add(JsonToken token, object? value, ElementName element)
    {
        string? problem = _convert(token, value, out T item);
        if (problem is not null)
        {
            throw ServingException.BadRequest($"{element} is {Describe(token, value)}: {DataType.ToProtocolName()} data {problem}.");
        }

        if (_count == _items.Length)
        {
            Array.Resize(ref _items, Math.Max(16, _items.Length * 2));
        }

        _items[_count++] = item;
    }

    public override Array ToArray()
    {
        if (_count != _items.Length)
        {
            Array.Resize(ref _items, _count);
        }

        return _items;
    }
}
