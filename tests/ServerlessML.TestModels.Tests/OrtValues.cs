using Microsoft.ML.OnnxRuntime;

namespace ServerlessML.Testing.Onnx.Tests;

/// <summary>Builds ONNX Runtime inputs and reads outputs for the tests; callers own (and dispose) what it returns.</summary>
internal static class OrtValues
{
    public const float Tolerance = 1e-5f;

    public static OrtValue Strings(string[] values, params long[] shape)
    {
        var tensor = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
        try
        {
            for (var i = 0; i < values.Length; i++)
            {
                tensor.StringTensorSetElementAt(values[i].AsSpan(), i);
            }

            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance = Tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(
                Math.Abs(expected[i] - actual[i]) <= tolerance,
                $"Element {i}: expected {expected[i]:R}, ONNX Runtime gave {actual[i]:R} (tolerance {tolerance}).");
        }
    }

    /// <summary>Each map of a seq(map(K, float)) output, read through the keys tensor (index 0) and values tensor (index 1).</summary>
    public static List<Dictionary<TKey, float>> SequenceOfMaps<TKey>(OrtValue sequence, Func<OrtValue, TKey[]> readKeys)
        where TKey : notnull
    {
        Assert.Equal(OnnxValueType.ONNX_TYPE_SEQUENCE, sequence.OnnxType);
        var allocator = OrtAllocator.DefaultInstance;
        var maps = new List<Dictionary<TKey, float>>();
        for (var i = 0; i < sequence.GetValueCount(); i++)
        {
            using var map = sequence.GetValue(i, allocator);
            Assert.Equal(OnnxValueType.ONNX_TYPE_MAP, map.OnnxType);
            using var keys = map.GetValue(0, allocator);
            using var values = map.GetValue(1, allocator);
            var keyArray = readKeys(keys);
            var valueArray = values.GetTensorDataAsSpan<float>().ToArray();
            Assert.Equal(keyArray.Length, valueArray.Length);
            maps.Add(keyArray.Zip(valueArray).ToDictionary(pair => pair.First, pair => pair.Second));
        }

        return maps;
    }
}
