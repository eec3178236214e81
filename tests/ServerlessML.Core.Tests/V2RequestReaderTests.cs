using ServerlessML.Inference;

namespace ServerlessML.Tests;

public class V2RequestReaderTests
{
    private static readonly ServingOptions Limits = new();

    private static InferenceRequest Read(string json) => V2RequestReader.Read(new StringReader(json), Limits);

    private static ServingException Refused(string json, ServingOptions? limits = null) =>
        Assert.Throws<ServingException>(() => V2RequestReader.Read(new StringReader(json), limits ?? Limits));

    [Fact]
    public void Reads_flat_data_into_a_typed_array_with_name_shape_and_id()
    {
        var request = Read("""{"id":"r1","inputs":[{"name":"x","shape":[2,2],"datatype":"FP32","data":[1,2.5,-3,4e2]}]}""");

        Assert.Equal("r1", request.Id);
        var input = Assert.Single(request.Inputs);
        Assert.Equal("x", input.Name);
        Assert.Equal(TensorDataType.Fp32, input.DataType);
        Assert.Equal([2L, 2L], input.Shape);
        Assert.Equal([1f, 2.5f, -3f, 400f], Assert.IsType<float[]>(input.Data));
    }

    [Fact]
    public void Flattens_nested_data_in_row_major_order()
    {
        var request = Read("""{"inputs":[{"name":"x","shape":[2,3],"datatype":"INT64","data":[[1,2,3],[4,5,6]]}]}""");

        Assert.Equal([1L, 2, 3, 4, 5, 6], Assert.IsType<long[]>(request.Inputs[0].Data));
    }

    [Fact]
    public void Types_data_that_comes_before_its_datatype()
    {
        var request = Read("""{"inputs":[{"data":[1,0,255],"name":"b","shape":[3],"datatype":"UINT8"}]}""");

        Assert.Equal(new byte[] { 1, 0, 255 }, Assert.IsType<byte[]>(request.Inputs[0].Data));
    }

    [Fact]
    public void Reads_every_protocol_datatype_into_its_element_type()
    {
        var request = Read("""
            {"inputs":[
              {"name":"a","shape":[2],"datatype":"BOOL","data":[true,false]},
              {"name":"b","shape":[2],"datatype":"INT8","data":[-128,127]},
              {"name":"c","shape":[2],"datatype":"INT16","data":[-32768,32767]},
              {"name":"d","shape":[2],"datatype":"INT32","data":[-2147483648,2147483647]},
              {"name":"e","shape":[2],"datatype":"INT64","data":[-9223372036854775808,9223372036854775807]},
              {"name":"f","shape":[2],"datatype":"UINT16","data":[0,65535]},
              {"name":"g","shape":[2],"datatype":"UINT32","data":[0,4294967295]},
              {"name":"h","shape":[2],"datatype":"UINT64","data":[0,18446744073709551615]},
              {"name":"i","shape":[2],"datatype":"FP16","data":[1.5,-65504]},
              {"name":"j","shape":[2],"datatype":"FP64","data":[1e-300,2.5]},
              {"name":"k","shape":[2],"datatype":"BYTES","data":["héllo",""]}
            ]}
            """);

        Assert.Equal([true, false], (bool[])request.Inputs[0].Data);
        Assert.Equal([sbyte.MinValue, sbyte.MaxValue], (sbyte[])request.Inputs[1].Data);
        Assert.Equal([short.MinValue, short.MaxValue], (short[])request.Inputs[2].Data);
        Assert.Equal([int.MinValue, int.MaxValue], (int[])request.Inputs[3].Data);
        Assert.Equal([long.MinValue, long.MaxValue], (long[])request.Inputs[4].Data);
        Assert.Equal([ushort.MinValue, ushort.MaxValue], (ushort[])request.Inputs[5].Data);
        Assert.Equal([uint.MinValue, uint.MaxValue], (uint[])request.Inputs[6].Data);
        Assert.Equal([ulong.MinValue, ulong.MaxValue], (ulong[])request.Inputs[7].Data);
        var halves = (Microsoft.ML.OnnxRuntime.Float16[])request.Inputs[8].Data;
        Assert.Equal([1.5f, -65504f], halves.Select(h => (float)BitConverter.UInt16BitsToHalf(h.value)).ToArray());
        Assert.Equal([1e-300, 2.5], (double[])request.Inputs[9].Data);
        Assert.Equal(["héllo", ""], (string[])request.Inputs[10].Data);
    }

    [Fact]
    public void Reads_the_requested_outputs_and_ignores_parameters()
    {
        var request = Read("""{"parameters":{"x":1},"inputs":[{"name":"x","shape":[1],"datatype":"FP32","parameters":{"p":[1]},"data":[1]}],"outputs":[{"name":"y","parameters":{}},{"name":"z"}]}""");

        Assert.Equal(["y", "z"], request.RequestedOutputs);
    }

    [Fact]
    public void Refuses_a_shape_whose_element_count_passes_the_limit_before_reading_data()
    {
        var e = Refused("""{"inputs":[{"name":"x","shape":[100000,100000,100000],"datatype":"FP32","data":[]}]}""");

        Assert.Equal(ServingErrorCode.BadRequest, e.Code);
        Assert.Contains("more than the limit", e.Message);
    }

    [Fact]
    public void Refuses_nesting_deeper_than_the_limit()
    {
        string deep = new string('[', 40) + "1" + new string(']', 40);
        var e = Refused($$"""{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":{{deep}}}]}""");

        Assert.Contains("MaxDepth", e.Message);
    }

    [Fact]
    public void Names_the_element_and_the_value_when_an_integer_is_out_of_range()
    {
        var e = Refused("""{"inputs":[{"name":"x","shape":[3],"datatype":"INT8","data":[1,2,300]}]}""");

        Assert.Equal("Input 'x' element 2 is the number 300: INT8 data is outside the range -128 to 127.", e.Message);
    }
}
