using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static ServerlessML.Testing.Onnx.TestModels;

namespace ServerlessML.Testing.Onnx.Tests;

public sealed class AllTypesIdentityTests
{
    private static readonly long[] Shape = [2, 3];

    [Fact]
    public void Every_datatype_comes_back_unchanged_with_its_shape_and_element_type()
    {
        using var session = new InferenceSession(AllTypesIdentity.Bytes());
        using var runOptions = new RunOptions();
        var samples = AllTypesIdentity.Datatypes.Select(Sample).ToList();
        try
        {
            using var outputs = session.Run(
                runOptions,
                AllTypesIdentity.Datatypes.Select(datatype => datatype.InputName).ToList(),
                samples.Select(sample => sample.Input).ToList(),
                AllTypesIdentity.Datatypes.Select(datatype => datatype.OutputName).ToList());

            for (var i = 0; i < samples.Count; i++)
            {
                var shape = outputs[i].GetTensorTypeAndShape();
                Assert.Equal(Shape, shape.Shape);
                Assert.Equal((TensorElementType)AllTypesIdentity.Datatypes[i].ElementType, shape.ElementDataType);
                samples[i].AssertOutput(outputs[i]);
            }
        }
        finally
        {
            samples.ForEach(sample => sample.Input.Dispose());
        }
    }

    [Fact]
    public void Metadata_lists_all_thirteen_datatypes_with_two_unknown_dimensions()
    {
        using var session = new InferenceSession(AllTypesIdentity.Bytes());

        Assert.Equal(13, AllTypesIdentity.Datatypes.Count);
        Assert.Equal(AllTypesIdentity.Datatypes.Select(datatype => datatype.InputName), session.InputNames);
        Assert.Equal(AllTypesIdentity.Datatypes.Select(datatype => datatype.OutputName), session.OutputNames);
        foreach (var datatype in AllTypesIdentity.Datatypes)
        {
            var input = session.InputMetadata[datatype.InputName];
            Assert.Equal((TensorElementType)datatype.ElementType, input.ElementDataType);
            Assert.Equal([-1, -1], input.Dimensions);
            Assert.Equal((TensorElementType)datatype.ElementType, session.OutputMetadata[datatype.OutputName].ElementDataType);
        }
    }

    [Fact]
    public void Names_are_the_lower_case_open_inference_protocol_datatype()
    {
        var bytes = AllTypesIdentity.Datatypes.Single(datatype => datatype.Datatype == "BYTES");

        Assert.Equal("in_bytes", bytes.InputName);
        Assert.Equal("out_bytes", bytes.OutputName);
        Assert.Equal(OnnxDataType.String, bytes.ElementType);
    }

    private static (OrtValue Input, Action<OrtValue> AssertOutput) Sample(DatatypeIdentity datatype) => datatype.ElementType switch
    {
        OnnxDataType.Bool => Numeric(new[] { true, false, true, true, false, false }),
        OnnxDataType.Int8 => Numeric(new sbyte[] { sbyte.MinValue, -1, 0, 1, 2, sbyte.MaxValue }),
        OnnxDataType.Int16 => Numeric(new short[] { short.MinValue, -300, 0, 1, 300, short.MaxValue }),
        OnnxDataType.Int32 => Numeric(new[] { int.MinValue, -70000, 0, 1, 70000, int.MaxValue }),
        OnnxDataType.Int64 => Numeric(new[] { long.MinValue, -5_000_000_000L, 0, 1, 5_000_000_000L, long.MaxValue }),
        OnnxDataType.UInt8 => Numeric(new byte[] { 0, 1, 2, 127, 128, byte.MaxValue }),
        OnnxDataType.UInt16 => Numeric(new ushort[] { 0, 1, 300, 40000, 65000, ushort.MaxValue }),
        OnnxDataType.UInt32 => Numeric(new uint[] { 0, 1, 70000, 3_000_000_000, 4_000_000_000, uint.MaxValue }),
        OnnxDataType.UInt64 => Numeric(new ulong[] { 0, 1, 5_000_000_000, 10_000_000_000_000_000_000, ulong.MaxValue - 1, ulong.MaxValue }),
        OnnxDataType.Float16 => Numeric(new[] { -2.5f, -1f, 0f, 0.5f, 1f, 65504f }.Select(value => (Float16)value).ToArray()),
        OnnxDataType.Float => Numeric(new[] { float.MinValue, -1.5f, 0f, 1e-20f, 3.25f, float.MaxValue }),
        OnnxDataType.Double => Numeric(new[] { double.MinValue, -1.5, 0, 1e-300, 3.25, double.MaxValue }),
        OnnxDataType.String => Strings(["", "a", "naïve", "日本", "with space", "line\nbreak"]),
        _ => throw new ArgumentOutOfRangeException(nameof(datatype), datatype.ElementType, "No sample values for this element type."),
    };

    private static (OrtValue, Action<OrtValue>) Numeric<T>(T[] values)
        where T : unmanaged =>
        (OrtValue.CreateTensorValueFromMemory(values, Shape), output => Assert.Equal(values, output.GetTensorDataAsSpan<T>().ToArray()));

    private static (OrtValue, Action<OrtValue>) Strings(string[] values) =>
        (OrtValues.Strings(values, Shape), output => Assert.Equal(values, output.GetStringTensorAsArray()));
}
