using System.Globalization;
using System.Text;
using Newtonsoft.Json.Linq;
using ServerlessML.Inference;
using ServerlessML.Registry;
using ServerlessML.Testing;
using ServerlessML.Testing.Onnx;

using ServerlessML.Tests.Logging;

namespace ServerlessML.Tests.Inference;

/// <summary>The binary tensor data extension through the inference service, on real models and ONNX Runtime.</summary>
public class BinaryTensorDataTests(HarnessFixture fixture) : IClassFixture<HarnessFixture>
{
    private static readonly Dictionary<string, Array> Values = new()
    {
        ["BOOL"] = new[] { true, false, true, true },
        ["INT8"] = new sbyte[] { -128, 0, 5, 127 },
        ["INT16"] = new short[] { -32768, 1, 2, 32767 },
        ["INT32"] = new[] { int.MinValue, 1, 2, int.MaxValue },
        ["INT64"] = new[] { long.MinValue, 1, 2, long.MaxValue },
        ["UINT8"] = new byte[] { 0, 1, 2, 255 },
        ["UINT16"] = new ushort[] { 0, 1, 2, 65535 },
        ["UINT32"] = new uint[] { 0, 1, 2, uint.MaxValue },
        ["UINT64"] = new ulong[] { 0, 1, 2, ulong.MaxValue },
        ["FP16"] = new[] { (Half)0.5, (Half)(-2.0), (Half)1024.0, (Half)0.0 },
        ["FP32"] = new[] { 0.1f, -2.5f, 3.4e38f, 0f },
        ["FP64"] = new[] { 0.1, -2.5, 1e308, 5e-324 },
        ["BYTES"] = new[] { "a", "", "ünï", "x y" },
    };

    private ServingHarness Harness => fixture.Harness;

    [Fact]
    public async Task Every_datatype_sent_and_returned_as_binary_equals_the_JSON_answer()
    {
        string model = await Harness.PublishAsync(TestModels.AllTypesIdentity.Bytes());
        var datatypes = TestModels.AllTypesIdentity.Datatypes;
        var parts = datatypes.Select(d => BinaryTensorBodies.Encode(Values[d.Datatype])).ToArray();
        string binaryInputs = string.Join(",", datatypes.Select((d, i) =>
            $$$"""{"name":"{{{d.InputName}}}","shape":[2,2],"datatype":"{{{d.Datatype}}}","parameters":{"binary_data_size":{{{parts[i].Length}}}}}"""));
        string jsonInputs = string.Join(",", datatypes.Select(d =>
            $$"""{"name":"{{d.InputName}}","shape":[2,2],"datatype":"{{d.Datatype}}","data":{{ToJsonData(Values[d.Datatype]).ToString(Newtonsoft.Json.Formatting.None)}}}"""));

        var (json, binary) = await InferBinaryAsync(model, $$$"""{"inputs":[{{{binaryInputs}}}],"parameters":{"binary_data_output":true}}""", parts);
        var answer = Json.Parse(await Harness.Service.InferAsync(new ServingRequest(model, Json.Body($$"""{"inputs":[{{jsonInputs}}]}"""))));

        var decoded = BinaryTensorBodies.DecodeOutputs(json, binary);
        foreach (var datatype in datatypes)
        {
            var output = json["outputs"]!.Single(o => (string?)o["name"] == datatype.OutputName);
            Assert.Null(output["data"]);
            Assert.Equal(datatype.Datatype, (string?)output["datatype"]);
            Assert.Equal([2L, 2L], output["shape"]!.Values<long>());
            var fromJson = answer["outputs"]!.Single(o => (string?)o["name"] == datatype.OutputName)["data"]!;
            Assert.Equal(Normalize(datatype.Datatype, fromJson), Normalize(datatype.Datatype, decoded[datatype.OutputName]));
            Assert.Equal(Normalize(datatype.Datatype, ToJsonData(Values[datatype.Datatype])), Normalize(datatype.Datatype, decoded[datatype.OutputName]));
        }
    }

    [Fact]
    public void Binary_inputs_land_in_the_same_typed_arrays_as_JSON_data()
    {
        byte[] floats = BinaryTensorBodies.Encode(new[] { 1.5f, -2f });
        byte[] strings = BinaryTensorBodies.Encode(new[] { "red", "blüe" });
        var (body, jsonLength) = BinaryTensorBodies.Compose(
            $$$"""{"inputs":[{"name":"s","shape":[2],"datatype":"BYTES","parameters":{"binary_data_size":{{{strings.Length}}}}},{"name":"j","shape":[1],"datatype":"INT64","data":[7]},{"name":"f","shape":[2,1],"datatype":"FP32","parameters":{"binary_data_size":8}}]}""",
            strings, floats);

        var request = V2RequestReader.Read(new StringReader(Encoding.UTF8.GetString(body, 0, jsonLength)), new ServingOptions(), body.AsMemory(jsonLength));

        Assert.Equal(["red", "blüe"], Assert.IsType<string[]>(request.Inputs[0].Data));
        Assert.Equal([7L], Assert.IsType<long[]>(request.Inputs[1].Data));
        Assert.Equal([1.5f, -2f], Assert.IsType<float[]>(request.Inputs[2].Data));
        Assert.Equal([2L, 1L], request.Inputs[2].Shape);
    }

    [Fact]
    public async Task Mixed_JSON_and_binary_inputs_and_outputs_answer_as_the_JSON_request()
    {
        string model = await Harness.PublishAsync(TestModels.StringFeatures.Bytes());
        byte[] colors = BinaryTensorBodies.Encode(new[] { "red", "mauve", "blue" });

        // binary_data on an output overrides binary_data_output: color_code comes back in JSON.
        var (json, binary) = await InferBinaryAsync(model, $$$"""
            {"inputs":[{"name":"color","shape":[3,1],"datatype":"BYTES","parameters":{"binary_data_size":{{{colors.Length}}}}},
                       {"name":"size","shape":[3,1],"datatype":"FP32","data":[1.5,2,-0.25]}],
             "outputs":[{"name":"color_code","parameters":{"binary_data":false}},{"name":"size_doubled"}],
             "parameters":{"binary_data_output":true}}
            """, colors);
        var answer = Json.Parse(await Harness.Service.InferAsync(new ServingRequest(model, Json.Body("""
            {"inputs":[{"name":"color","shape":[3,1],"datatype":"BYTES","data":["red","mauve","blue"]},
                       {"name":"size","shape":[3,1],"datatype":"FP32","data":[1.5,2,-0.25]}]}
            """))));

        var codes = json["outputs"]!.Single(o => (string?)o["name"] == "color_code");
        Assert.Equal(answer["outputs"]!.Single(o => (string?)o["name"] == "color_code")["data"]!.Values<long>(), codes["data"]!.Values<long>());
        Assert.Null(codes["parameters"]);
        var doubled = BinaryTensorBodies.DecodeOutputs(json, binary)["size_doubled"];
        Assert.Equal([3f, 4f, -0.5f], doubled.Values<float>());
        Assert.Equal(answer["outputs"]!.Single(o => (string?)o["name"] == "size_doubled")["data"]!.Values<float>(), doubled.Values<float>());
    }

    [Fact]
    public async Task String_labels_return_as_binary_BYTES_and_the_ZipMap_tensor_as_plain_FP32()
    {
        string model = await Harness.PublishAsync(TestModels.ZipMapClassifier.Bytes());
        float[] input = [5.1f, 3.5f, 1.4f, 6.7f, 3.0f, 5.2f];

        var (json, binary) = await InferBinaryAsync(model, """
            {"inputs":[{"name":"float_input","shape":[2,3],"datatype":"FP32","parameters":{"binary_data_size":24}}],
             "outputs":[{"name":"output_label","parameters":{"binary_data":true}},{"name":"output_probability","parameters":{"binary_data":true}}]}
            """, BinaryTensorBodies.Encode(input));

        var expected = TestModels.ZipMapClassifier.Predict(input);
        var decoded = BinaryTensorBodies.DecodeOutputs(json, binary);
        var labels = json["outputs"]!.Single(o => (string?)o["name"] == "output_label");
        Assert.Equal("BYTES", (string?)labels["datatype"]);
        Assert.Equal(expected.Select(p => p.Label), decoded["output_label"].Values<string>());
        var probabilities = json["outputs"]!.Single(o => (string?)o["name"] == "output_probability");
        Assert.Equal("FP32", (string?)probabilities["datatype"]);
        Assert.Equal([2L, 3L], probabilities["shape"]!.Values<long>());
        Assert.Equal(TestModels.ZipMapClassifier.ClassLabels, probabilities["parameters"]!["classes"]!.Values<string>());
        Assert.Equal(24, (int)probabilities["parameters"]!["binary_data_size"]!);
        float[] scores = decoded["output_probability"].Values<float>().ToArray();
        for (int row = 0; row < 2; row++)
        {
            for (int c = 0; c < 3; c++)
            {
                Assert.Equal(expected[row].Probabilities[TestModels.ZipMapClassifier.ClassLabels[c]], scores[(row * 3) + c], 1e-5f);
            }
        }
    }

    [Fact]
    public async Task Binary_inputs_without_binary_outputs_get_a_JSON_only_answer()
    {
        string model = await Harness.PublishAsync(TestModels.DenseNetwork.Bytes());
        float[] input = [0.5f, -1f, 2f, 0.25f];
        var (body, jsonLength) = BinaryTensorBodies.Compose("""{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}]}""", BinaryTensorBodies.Encode(input));

        var response = await Harness.Service.InferAsync(new ServingRequest(model, new MemoryStream(body)) { InferenceHeaderContentLength = jsonLength.ToString(CultureInfo.InvariantCulture) });

        Assert.Null(response.BinaryJsonLength);
        float[] actual = Json.Floats(Json.Parse(response)["outputs"]![0]!["data"]!);
        float[] expected = TestModels.DenseNetwork.Predict(input);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5f);
        }
    }

    [Fact]
    public async Task Binary_outputs_can_be_asked_of_a_JSON_request_without_the_header()
    {
        string model = await Harness.PublishAsync(TestModels.DenseNetwork.Bytes());
        float[] input = [0.5f, -1f, 2f, 0.25f];

        var response = await Harness.Service.InferAsync(new ServingRequest(model, Json.Body(
            """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[0.5,-1,2,0.25]}],"outputs":[{"name":"probabilities","parameters":{"binary_data":true}}]}""")));

        Assert.NotNull(response.BinaryJsonLength);
        var (json, binary) = BinaryTensorBodies.Split(response.Body.ToArray(), response.BinaryJsonLength.Value);
        Assert.Equal(12, (int)json["outputs"]![0]!["parameters"]!["binary_data_size"]!);
        float[] actual = BinaryTensorBodies.DecodeOutputs(json, binary)["probabilities"].Values<float>().ToArray();
        float[] expected = TestModels.DenseNetwork.Predict(input);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5f);
        }
    }

    [Fact]
    public async Task Binary_rows_are_logged_like_JSON_rows_and_the_shadow_copy_keeps_the_binary_body()
    {
        await using var serving = await LoggedServing.CreateAsync();
        string model = await serving.Harness.PublishAsync(TestModels.FixedShape.Bytes(), version: "a");
        await serving.Harness.PublishAsync(TestModels.FixedShape.Bytes(), version: "b", model: model);
        await new TrafficSwitch(serving.Harness.Store, serving.Harness.Records).SetTrafficAsync(model, new TrafficChange { Production = "a", Shadow = "b" });
        var (body, jsonLength) = BinaryTensorBodies.Compose("""{"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","parameters":{"binary_data_size":24}}]}""",
            BinaryTensorBodies.Encode(new[] { 1f, 2f, 3f, 4f, 5f, 6f }));

        await serving.Service.InferAsync(new ServingRequest(model, new MemoryStream(body)) { RequestId = "binary", InferenceHeaderContentLength = jsonLength.ToString(CultureInfo.InvariantCulture) });
        await Eventually.TrueAsync(() => Task.FromResult(serving.Log.BufferedRecords == 4), "the shadow run's records to be buffered");
        await serving.ShutDownAsync();

        var records = await serving.RecordsAsync(model);
        Assert.Equal(4, records.Count);
        Assert.All(records, r => Assert.False(r.IsError, r.Error));
        foreach (var route in new[] { "production", "shadow" })
        {
            var second = records.Single(r => r.Route == route && r.Row == 1);
            Assert.Equal(["0", "1", "2"], second.Features.Properties().Select(p => p.Name));
            Assert.Equal([4f, 5f, 6f], second.Features.Properties().Select(p => (float)p.Value));
            Assert.Equal([8f, 10f, 12f], second.Outputs!["y"]!.Values<float>());
        }
    }

    private async Task<(JObject Json, byte[] Binary)> InferBinaryAsync(string model, string json, params byte[][] binary)
    {
        var (body, jsonLength) = BinaryTensorBodies.Compose(json, binary);
        var response = await Harness.Service.InferAsync(new ServingRequest(model, new MemoryStream(body)) { InferenceHeaderContentLength = jsonLength.ToString(CultureInfo.InvariantCulture) });
        Assert.True(response.BinaryJsonLength is not null, "The answer has no binary outputs.");
        return BinaryTensorBodies.Split(response.Body.ToArray(), response.BinaryJsonLength.Value);
    }

    /// <summary>Elements as JSON "data" (Newtonsoft would write a byte[] as base64 and has no Half).</summary>
    private static JArray ToJsonData(Array values) => new(values.Cast<object>().Select(v => v switch
    {
        byte b => new JValue(b),
        Half h => new JValue((float)h),
        _ => JToken.FromObject(v),
    }));

    /// <summary>Values compared as their datatype holds them: floats at their own precision, the rest as JSON text.</summary>
    private static string[] Normalize(string datatype, JToken data) => data.Select(v => datatype switch
    {
        "FP16" or "FP32" => v.Value<float>().ToString("R", CultureInfo.InvariantCulture),
        "FP64" => v.Value<double>().ToString("R", CultureInfo.InvariantCulture),
        _ => v.ToString(Newtonsoft.Json.Formatting.None),
    }).ToArray();
}
