using Newtonsoft.Json.Linq;
using ServerlessML.Inference;
using ServerlessML.Testing;
using ServerlessML.Testing.Onnx;

namespace ServerlessML.Tests;

public class InferenceServiceTests(HarnessFixture fixture) : IClassFixture<HarnessFixture>
{
    private ServingHarness Harness => fixture.Harness;

    private async Task<JObject> InferAsync(string model, string json, string? version = null, string? requestId = null)
    {
        var response = await Harness.Service.InferAsync(new ServingRequest(model, Json.Body(json)) { Version = version, RequestId = requestId });
        return Json.Parse(response);
    }

    [Fact]
    public async Task Dense_network_answers_as_the_hand_computed_forward_pass()
    {
        string model = await Harness.PublishAsync(TestModels.DenseNetwork.Bytes());
        float[] input = [0.5f, -1f, 2f, 0.25f, -0.3f, 0.8f, 0f, 1.5f];

        var answer = await InferAsync(model, $$"""{"inputs":[{"name":"input","shape":[2,4],"datatype":"FP32","data":[{{string.Join(",", input.Select(f => f.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}}]}]}""");

        var output = (JObject)answer["outputs"]![0]!;
        Assert.Equal("probabilities", (string?)output["name"]);
        Assert.Equal("FP32", (string?)output["datatype"]);
        Assert.Equal([2L, 3L], output["shape"]!.Values<long>());
        float[] expected = TestModels.DenseNetwork.Predict(input);
        float[] actual = Json.Floats(output["data"]!);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5f);
        }

        Assert.Equal("1", (string?)answer["model_version"]);
        Assert.Equal(model, (string?)answer["model_name"]);
    }

    [Fact]
    public async Task Echoes_the_body_id_over_the_header_id_and_makes_one_when_neither_is_sent()
    {
        string model = await Harness.PublishAsync(TestModels.FixedShape.Bytes());
        const string request = """{"id":"body-id","inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6]}]}""";

        var withBody = await Harness.Service.InferAsync(new ServingRequest(model, Json.Body(request)) { RequestId = "header-id" });
        var headerOnly = await Harness.Service.InferAsync(new ServingRequest(model, Json.Body(request.Replace("\"id\":\"body-id\",", ""))) { RequestId = "header-id" });
        var neither = await Harness.Service.InferAsync(new ServingRequest(model, Json.Body(request.Replace("\"id\":\"body-id\",", ""))));

        Assert.Equal("body-id", withBody.RequestId);
        Assert.Equal("body-id", (string?)Json.Parse(withBody)["id"]);
        Assert.Equal("header-id", headerOnly.RequestId);
        Assert.Matches("^[0-9a-f]{32}$", neither.RequestId!);
        Assert.Equal(neither.RequestId, (string?)Json.Parse(neither)["id"]);
        Assert.Equal("1", withBody.ModelVersion);
    }

    [Fact]
    public async Task Every_datatype_round_trips_through_an_identity_model()
    {
        string model = await Harness.PublishAsync(TestModels.AllTypesIdentity.Bytes());
        var data = new Dictionary<string, string>
        {
            ["BOOL"] = "[true,false,true,true]",
            ["INT8"] = "[-128,0,5,127]",
            ["INT16"] = "[-32768,1,2,32767]",
            ["INT32"] = "[-2147483648,1,2,2147483647]",
            ["INT64"] = "[-9223372036854775808,1,2,9223372036854775807]",
            ["UINT8"] = "[0,1,2,255]",
            ["UINT16"] = "[0,1,2,65535]",
            ["UINT32"] = "[0,1,2,4294967295]",
            ["UINT64"] = "[0,1,2,18446744073709551615]",
            ["FP16"] = "[0.5,-2.0,1024.0,0.0]",
            ["FP32"] = "[0.1,-2.5,3.4e38,0.0]",
            ["FP64"] = "[0.1,-2.5,1e308,5e-324]",
            ["BYTES"] = "[\"a\",\"\",\"ünï\",\"x y\"]",
        };
        string inputs = string.Join(",", TestModels.AllTypesIdentity.Datatypes.Select(d =>
            $$"""{"name":"{{d.InputName}}","shape":[2,2],"datatype":"{{d.Datatype}}","data":{{data[d.Datatype]}}}"""));

        var answer = await InferAsync(model, $$"""{"inputs":[{{inputs}}]}""");

        foreach (var datatype in TestModels.AllTypesIdentity.Datatypes)
        {
            var output = answer["outputs"]!.Single(o => (string?)o["name"] == datatype.OutputName);
            Assert.Equal(datatype.Datatype, (string?)output["datatype"]);
            Assert.Equal([2L, 2L], output["shape"]!.Values<long>());
            Assert.True(JToken.DeepEquals(JArray.Parse(data[datatype.Datatype]), output["data"]),
                $"{datatype.Datatype}: sent {data[datatype.Datatype]}, received {output["data"]!.ToString(Newtonsoft.Json.Formatting.None)}");
        }
    }

    [Fact]
    public async Task Returns_only_the_requested_outputs()
    {
        string model = await Harness.PublishAsync(TestModels.StringFeatures.Bytes());

        var answer = await InferAsync(model, """
            {"inputs":[{"name":"color","shape":[2,1],"datatype":"BYTES","data":["red","mauve"]},
                       {"name":"size","shape":[2,1],"datatype":"FP32","data":[1.5,2]}],
             "outputs":[{"name":"color_code"}]}
            """);

        var output = Assert.Single((JArray)answer["outputs"]!);
        Assert.Equal("color_code", (string?)output["name"]);
        Assert.Equal("INT64", (string?)output["datatype"]);
        Assert.Equal([TestModels.StringFeatures.ColorCode("red"), TestModels.StringFeatures.ColorCode("mauve")], output["data"]!.Values<long>());
    }

    [Fact]
    public async Task ZipMap_output_becomes_a_class_probability_tensor_with_its_classes_named()
    {
        string model = await Harness.PublishAsync(TestModels.ZipMapClassifier.Bytes());
        float[] input = [5.1f, 3.5f, 1.4f, 6.7f, 3.0f, 5.2f];

        var answer = await InferAsync(model, """{"inputs":[{"name":"float_input","shape":[2,3],"datatype":"FP32","data":[5.1,3.5,1.4,6.7,3.0,5.2]}]}""");

        var expected = TestModels.ZipMapClassifier.Predict(input);
        var labels = answer["outputs"]!.Single(o => (string?)o["name"] == "output_label");
        Assert.Equal("BYTES", (string?)labels["datatype"]);
        Assert.Equal(expected.Select(p => p.Label), labels["data"]!.Values<string>());
        var probabilities = answer["outputs"]!.Single(o => (string?)o["name"] == "output_probability");
        Assert.Equal([2L, 3L], probabilities["shape"]!.Values<long>());
        Assert.Equal(TestModels.ZipMapClassifier.ClassLabels, probabilities["parameters"]!["classes"]!.Values<string>());
        float[] data = Json.Floats(probabilities["data"]!);
        for (int row = 0; row < 2; row++)
        {
            for (int c = 0; c < 3; c++)
            {
                Assert.Equal(expected[row].Probabilities[TestModels.ZipMapClassifier.ClassLabels[c]], data[(row * 3) + c], 1e-5f);
            }
        }
    }

    [Fact]
    public async Task Predict_maps_records_onto_per_column_inputs_and_returns_label_and_probabilities()
    {
        string model = await Harness.PublishAsync(TestModels.ZipMapClassifierInt64Labels.Bytes());

        var response = await Harness.Service.PredictAsync(new ServingRequest(model, Json.Body("""{"instances":[[5.1,3.5,1.4],[6.7,3.0,5.2]]}""")));

        var answer = Json.Parse(response);
        var expected = TestModels.ZipMapClassifierInt64Labels.Predict([5.1f, 3.5f, 1.4f, 6.7f, 3.0f, 5.2f]);
        var predictions = (JArray)answer["predictions"]!;
        Assert.Equal(2, predictions.Count);
        for (int row = 0; row < 2; row++)
        {
            Assert.Equal(expected[row].Label, (long)predictions[row]["label"]!);
            foreach (var (label, p) in expected[row].Probabilities)
            {
                Assert.Equal(p, (float)predictions[row]["probabilities"]![label.ToString(System.Globalization.CultureInfo.InvariantCulture)]!, 1e-5f);
            }
        }

        Assert.Equal("1", (string?)answer["model_version"]);
    }

    [Fact]
    public async Task Predict_maps_records_onto_one_matrix_input_in_the_manifest_feature_order()
    {
        string model = await Harness.PublishAsync(TestModels.ZipMapClassifier.Bytes(),
            """{"features":[{"name":"sepal_length"},{"name":"sepal_width"},{"name":"petal_length"}]}""");

        var response = await Harness.Service.PredictAsync(new ServingRequest(model, Json.Body(
            """{"instances":[{"petal_length":1.4,"sepal_length":5.1,"sepal_width":3.5},{"sepal_width":3.0,"petal_length":5.2,"sepal_length":6.7}]}""")));

        var predictions = (JArray)Json.Parse(response)["predictions"]!;
        var expected = TestModels.ZipMapClassifier.Predict([5.1f, 3.5f, 1.4f, 6.7f, 3.0f, 5.2f]);
        Assert.Equal(expected.Select(p => p.Label), predictions.Select(p => (string?)p["label"]));
    }

    [Fact]
    public async Task Predict_takes_records_with_string_features_and_keeps_other_fields_as_context()
    {
        string model = await Harness.PublishAsync(TestModels.StringFeatures.Bytes());

        var response = await Harness.Service.PredictAsync(new ServingRequest(model, Json.Body("""
            {"instances":[{"size":2.5,"color":"green","customer":"c-1"},{"color":"nope","size":-1,"customer":{"tier":"gold"}}]}
            """)));

        var predictions = (JArray)Json.Parse(response)["predictions"]!;
        Assert.Equal(TestModels.StringFeatures.ColorCode("green"), (long)predictions[0]["color_code"]!);
        Assert.Equal(5f, (float)predictions[0]["size_doubled"]!);
        Assert.Equal(TestModels.StringFeatures.ColorCode("nope"), (long)predictions[1]["color_code"]!);
        Assert.Equal(-2f, (float)predictions[1]["size_doubled"]!);
    }

    [Fact]
    public async Task The_adult_sample_predicts_what_the_sample_expects()
    {
        string root = RepositoryRoot.Combine("samples", "adult-income");
        string model = await Harness.PublishAsync(File.ReadAllBytes(Path.Combine(root, "model.onnx")), File.ReadAllText(Path.Combine(root, "serverlessml.json")));

        var response = await Harness.Service.PredictAsync(new ServingRequest(model, File.OpenRead(Path.Combine(root, "requests", "v1-predict.json"))));

        var predictions = (JArray)Json.Parse(response)["predictions"]!;
        var expected = JObject.Parse(File.ReadAllText(Path.Combine(root, "requests", "expected.json")));
        Assert.Equal(2, predictions.Count);
        var expectedRows = (JArray)expected["predictions"]!;
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal((bool)expectedRows[i]["label"]!, (bool)predictions[i]["label"]!);
            Assert.Equal((float)expectedRows[i]["probability"]!, (float)predictions[i]["probability"]!, 1e-5f);
        }
    }

    [Fact]
    public async Task Model_metadata_reads_datatypes_and_open_dimensions_from_the_graph()
    {
        string model = await Harness.PublishAsync(TestModels.ZipMapClassifier.Bytes());

        var metadata = Json.Parse(await Harness.Service.GetModelMetadataAsync(model, null));

        Assert.Equal(model, (string?)metadata["name"]);
        Assert.Equal(["1"], metadata["versions"]!.Values<string>());
        Assert.Equal("onnxruntime_onnx", (string?)metadata["platform"]);
        var input = metadata["inputs"]![0]!;
        Assert.Equal("float_input", (string?)input["name"]);
        Assert.Equal("FP32", (string?)input["datatype"]);
        Assert.Equal([-1L, 3L], input["shape"]!.Values<long>());
        var probabilities = metadata["outputs"]!.Single(o => (string?)o["name"] == "output_probability");
        Assert.StartsWith("seq(map(", (string?)probabilities["parameters"]!["onnx_type"]);
    }

    [Fact]
    public async Task An_explicit_version_is_served_while_production_points_elsewhere()
    {
        string model = await Harness.PublishAsync(TestModels.FixedShape.Bytes(), version: "1");
        await Harness.PublishAsync(TestModels.FixedShape.Bytes(), version: "2", model: model);
        const string request = """{"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6]}]}""";

        var production = await Harness.Service.InferAsync(new ServingRequest(model, Json.Body(request)));
        var first = await Harness.Service.InferAsync(new ServingRequest(model, Json.Body(request)) { Version = "1" });

        Assert.Equal("2", production.ModelVersion);
        Assert.Equal("1", first.ModelVersion);
        Assert.Equal([2f, 4, 6, 8, 10, 12], Json.Floats(Json.Parse(first)["outputs"]![0]!["data"]!));
    }

    [Fact]
    public async Task Model_ready_answers_once_the_session_is_loaded()
    {
        string model = await Harness.PublishAsync(TestModels.DenseNetwork.Bytes());

        var ready = await Harness.Service.GetModelReadyAsync(model, null);

        Assert.True(ready.Ok);
        Assert.True((bool)Json.Parse(ready)["ready"]!);
        Assert.True(Harness.Sessions.IsLoaded(model, "1"));
    }
}
