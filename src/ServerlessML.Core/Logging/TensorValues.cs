using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Newtonsoft.Json;

namespace ServerlessML.Logging;

/// <summary>
/// Reads single elements of a request tensor's managed array (bool, sbyte, short, int, long, byte,
/// ushort, uint, ulong, Float16, float, double or string, as <see cref="Inference.InferenceTensor"/> holds them).
/// </summary>
internal static class TensorValues
{
    public static void Write(JsonWriter writer, Array data, int index)
    {
        switch (data)
        {
            case float[] f: writer.WriteValue(f[index]); break;
            case double[] d: writer.WriteValue(d[index]); break;
            case string[] s: writer.WriteValue(s[index]); break;
            case long[] l: writer.WriteValue(l[index]); break;
            case int[] i: writer.WriteValue(i[index]); break;
            case bool[] b: writer.WriteValue(b[index]); break;
            case short[] sh: writer.WriteValue(sh[index]); break;
            case sbyte[] sb: writer.WriteValue(sb[index]); break;
            case byte[] by: writer.WriteValue(by[index]); break;
            case ushort[] us: writer.WriteValue(us[index]); break;
            case uint[] ui: writer.WriteValue(ui[index]); break;
            case ulong[] ul: writer.WriteValue(ul[index]); break;
            case Float16[] h: writer.WriteValue(ToSingle(h[index])); break;
            default: throw new NotSupportedException($"Tensor arrays of {data.GetType().Name} are not logged.");
        }
    }

    /// <summary>The element as the text that is hashed: strings as they are, numbers as in JSON, booleans as true or false.</summary>
    public static string Text(Array data, int index) => data switch
    {
        string[] s => s[index],
        float[] f => f[index].ToString("R", CultureInfo.InvariantCulture),
        double[] d => d[index].ToString("R", CultureInfo.InvariantCulture),
        bool[] b => b[index] ? "true" : "false",
        Float16[] h => ToSingle(h[index]).ToString("R", CultureInfo.InvariantCulture),
        _ => Convert.ToString(data.GetValue(index), CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>Adds elements [start, start + count) of <paramref name="data"/> to <paramref name="summary"/>.</summary>
    public static void Summarize(Array data, int start, int count, ValueSummary summary)
    {
        switch (data)
        {
            case float[] f: foreach (float v in f.AsSpan(start, count)) summary.AddNumber(v); break;
            case double[] d: foreach (double v in d.AsSpan(start, count)) summary.AddNumber(v); break;
            case string[] s: foreach (string v in s.AsSpan(start, count)) summary.AddText(v); break;
            case long[] l: foreach (long v in l.AsSpan(start, count)) summary.AddNumber(v); break;
            case int[] i: foreach (int v in i.AsSpan(start, count)) summary.AddNumber(v); break;
            case bool[] b: foreach (bool v in b.AsSpan(start, count)) summary.AddNumber(v ? 1 : 0); break;
            case short[] sh: foreach (short v in sh.AsSpan(start, count)) summary.AddNumber(v); break;
            case sbyte[] sb: foreach (sbyte v in sb.AsSpan(start, count)) summary.AddNumber(v); break;
            case byte[] by: foreach (byte v in by.AsSpan(start, count)) summary.AddNumber(v); break;
            case ushort[] us: foreach (ushort v in us.AsSpan(start, count)) summary.AddNumber(v); break;
            case uint[] ui: foreach (uint v in ui.AsSpan(start, count)) summary.AddNumber(v); break;
            case ulong[] ul: foreach (ulong v in ul.AsSpan(start, count)) summary.AddNumber(v); break;
            case Float16[] h: foreach (Float16 v in h.AsSpan(start, count)) summary.AddNumber(ToSingle(v)); break;
            default: throw new NotSupportedException($"Tensor arrays of {data.GetType().Name} are not logged.");
        }
    }

    private static float ToSingle(Float16 value) => (float)BitConverter.UInt16BitsToHalf(value.value);
}

/// <summary>
/// What the log keeps of a tensor too large to store: its shape, element count, and mean, min and max
/// (booleans as 0 and 1) or, for strings, their lengths.
/// </summary>
internal sealed class ValueSummary
{
    private long _numbers;
    private double _sum;
    private double _min = double.PositiveInfinity;
    private double _max = double.NegativeInfinity;
    private long _texts;
    private long _length;
    private int _minLength = int.MaxValue;
    private int _maxLength;

    public void AddNumber(double value)
    {
        _numbers++;
        _sum += value;
        _min = Math.Min(_min, value);
        _max = Math.Max(_max, value);
    }

    public void AddText(string? value)
    {
        int length = value?.Length ?? 0;
        _texts++;
        _length += length;
        _minLength = Math.Min(_minLength, length);
        _maxLength = Math.Max(_maxLength, length);
    }

    /// <summary>Writes {"shape": [...], "count": n, ...}; <paramref name="statistics"/> false keeps only shape and count (for hashed fields).</summary>
    public void Write(JsonWriter writer, ReadOnlySpan<long> shape, bool statistics = true)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("shape");
        writer.WriteStartArray();
        foreach (long dim in shape)
        {
            writer.WriteValue(dim);
        }

        writer.WriteEndArray();
        writer.WritePropertyName("count");
        writer.WriteValue(_numbers + _texts);
        if (statistics && _numbers > 0)
        {
            writer.WritePropertyName("mean");
            writer.WriteValue(_sum / _numbers);
            writer.WritePropertyName("min");
            writer.WriteValue(_min);
            writer.WritePropertyName("max");
            writer.WriteValue(_max);
        }

        if (statistics && _texts > 0)
        {
            writer.WritePropertyName("mean_length");
            writer.WriteValue((double)_length / _texts);
            writer.WritePropertyName("min_length");
            writer.WriteValue(_minLength);
            writer.WritePropertyName("max_length");
            writer.WriteValue(_maxLength);
        }

        writer.WriteEndObject();
    }
}

/// <summary>
/// A JSON writer that writes nothing and adds every value it is given to a <see cref="ValueSummary"/>:
/// lets <see cref="Inference.OutputValue.WriteElements"/> summarize an output straight from native memory.
/// </summary>
internal sealed class SummarizingJsonWriter(ValueSummary summary) : JsonWriter
{
    public override void Flush()
    {
    }

    public override void WriteValue(float value) => summary.AddNumber(value);

    public override void WriteValue(double value) => summary.AddNumber(value);

    public override void WriteValue(long value) => summary.AddNumber(value);

    public override void WriteValue(int value) => summary.AddNumber(value);

    public override void WriteValue(short value) => summary.AddNumber(value);

    public override void WriteValue(sbyte value) => summary.AddNumber(value);

    public override void WriteValue(byte value) => summary.AddNumber(value);

    public override void WriteValue(ushort value) => summary.AddNumber(value);

    public override void WriteValue(uint value) => summary.AddNumber(value);

    public override void WriteValue(ulong value) => summary.AddNumber(value);

    public override void WriteValue(bool value) => summary.AddNumber(value ? 1 : 0);

    public override void WriteValue(string? value) => summary.AddText(value);
}
