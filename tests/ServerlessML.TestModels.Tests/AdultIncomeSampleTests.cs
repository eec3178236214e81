using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Newtonsoft.Json.Linq;

namespace ServerlessML.Testing.Onnx.Tests;

/// <summary>
/// The shipped sample samples/adult-income (copied next to the tests by the project file): its ONNX graph is
/// the contract the V1 mapping and the manifest are written against, and its requests must give the expected outputs.
/// </summary>
public sealed class AdultIncomeSampleTests
{
    private static readonly string SampleFolder = Path.Combine(AppContext.BaseDirectory, "adult-income");

    private static readonly (string Name, TensorElementType Type)[] ExpectedInputs =
    [
        ("age", TensorElementType.Float),
        ("workclass", TensorElementType.String),
        ("fnlwgt", TensorElementType.Float),
        ("education", TensorElementType.String),
        ("education_num", TensorElementType.Float),
        ("marital_status", TensorElementType.String),
        ("occupation", TensorElementType.String),
        ("relationship", TensorElementType.String),
        ("race", TensorElementType.String),
        ("sex", TensorElementType.String),
        ("capital_gain", TensorElementType.Float),
        ("capital_loss", TensorElementType.Float),
        ("hours_per_week", TensorElementType.Float),
        ("native_country", TensorElementType.String),
    ];

    private static readonly (string Name, TensorElementType Type)[] ExpectedOutputs =
    [
        ("PredictedLabel.output", TensorElementType.Bool),
        ("Score.output", TensorElementType.Float),
        ("Probability.output", TensorElementType.Float),
    ];

    [Fact]
    public void Model_has_fourteen_column_inputs_and_label_score_probability_outputs()
    {
        using var session = OpenModel();

        Assert.Equal(ExpectedInputs.Select(input => input.Name), session.InputNames);
        foreach (var (name, type) in ExpectedInputs)
        {
            Assert.Equal(type, session.InputMetadata[name].ElementDataType);
            Assert.Equal([-1, 1], session.InputMetadata[name].Dimensions);
        }

        Assert.Equal(ExpectedOutputs.Select(output => output.Name), session.OutputNames);
        foreach (var (name, type) in ExpectedOutputs)
        {
            Assert.Equal(type, session.OutputMetadata[name].ElementDataType);
            Assert.Equal([-1, 1], session.OutputMetadata[name].Dimensions);
        }
    }

    [Fact]
    public void V1_request_rows_give_the_expected_outputs()
    {
        var instances = (JArray)ReadJson("requests/v1-predict.json")["instances"]!;
        var expected = ((JArray)ReadJson("requests/expected.json")["outputs"]!).Cast<JObject>().ToList();
        using var session = OpenModel();

        using var outputs = Run(session, instances.Cast<JObject>().ToList());

        Assert.Equal(expected.Select(output => (string)output["name"]!), session.OutputNames);
        Assert.Equal(expected[0]["data"]!.Values<bool>(), outputs[0].GetTensorDataAsSpan<bool>().ToArray());
        for (var i = 1; i < expected.Count; i++)
        {
            Assert.Equal(new long[] { instances.Count, 1 }, outputs[i].GetTensorTypeAndShape().Shape);
            AssertCloseRelative(expected[i]["data"]!.Values<float>().ToArray(), outputs[i].GetTensorDataAsSpan<float>());
        }
    }

    [Fact]
    public void Expected_v1_predictions_and_v2_outputs_agree_row_by_row()
    {
        var expected = ReadJson("requests/expected.json");
        var predictions = ((JArray)expected["predictions"]!).Cast<JObject>().ToList();
        var outputs = ((JArray)expected["outputs"]!).ToDictionary(output => (string)output["name"]!, output => output["data"]!);
        var roles = (JObject)ReadJson("serverlessml.json")["outputs"]!;

        Assert.Equal(2, predictions.Count);
        Assert.Equal(outputs[(string)roles["label"]!].Values<bool>(), predictions.Select(row => (bool)row["label"]!));
        Assert.Equal(outputs[(string)roles["score"]!].Values<float>(), predictions.Select(row => (float)row["score"]!));
        Assert.Equal(outputs[(string)roles["probabilities"]!].Values<float>(), predictions.Select(row => (float)row["probability"]!));
        Assert.Equal([false, true], predictions.Select(row => (bool)row["label"]!));
    }

    [Fact]
    public void V2_request_carries_the_same_rows_as_the_v1_request()
    {
        var instances = ((JArray)ReadJson("requests/v1-predict.json")["instances"]!).Cast<JObject>().ToList();
        var inputs = ((JArray)ReadJson("requests/v2-infer.json")["inputs"]!).Cast<JObject>().ToList();

        Assert.Equal(ExpectedInputs.Select(input => input.Name), inputs.Select(input => (string)input["name"]!));
        foreach (var input in inputs)
        {
            var name = (string)input["name"]!;
            var isFloat = ExpectedInputs.Single(expected => expected.Name == name).Type == TensorElementType.Float;
            Assert.Equal(isFloat ? "FP32" : "BYTES", (string)input["datatype"]!);
            Assert.Equal([instances.Count, 1], input["shape"]!.Values<long>());
            Assert.Equal(instances.Select(instance => instance[name]!.ToString()), input["data"]!.Select(value => value.ToString()));
        }
    }

    [Fact]
    public void Manifest_features_match_the_graph_inputs_in_order_and_type()
    {
        var manifest = ReadJson("serverlessml.json");
        var features = ((JArray)manifest["features"]!).Cast<JObject>().ToList();
        using var session = OpenModel();

        Assert.Equal(session.InputNames, features.Select(feature => (string)feature["name"]!));
        foreach (var feature in features)
        {
            var input = session.InputMetadata[(string)feature["name"]!];
            if (input.ElementDataType == TensorElementType.Float)
            {
                Assert.Equal("float", (string)feature["type"]!);
                Assert.True((double)feature["min"]! <= (double)feature["max"]!, $"{feature["name"]}: min above max.");
            }
            else
            {
                Assert.Equal(TensorElementType.String, input.ElementDataType);
                Assert.Equal("string", (string)feature["type"]!);
                Assert.NotEmpty(feature["categories"]!.Values<string>());
            }
        }

        var outputs = (JObject)manifest["outputs"]!;
        Assert.Equal(session.OutputNames, new[] { "label", "score", "probabilities" }.Select(role => (string)outputs[role]!));
        Assert.All(manifest["sensitiveFeatures"]!.Values<string>(), name => Assert.Contains(name!, session.InputNames));
        Assert.Equal("binary-classification", (string)manifest["task"]!);
        Assert.True((bool)manifest["positiveLabel"]!);
    }

    [Fact]
    public void Manifest_categories_include_every_value_of_the_sample_requests()
    {
        var features = ((JArray)ReadJson("serverlessml.json")["features"]!).Cast<JObject>().Where(feature => (string)feature["type"]! == "string");
        var instances = ((JArray)ReadJson("requests/v1-predict.json")["instances"]!).Cast<JObject>().ToList();

        foreach (var feature in features)
        {
            var categories = feature["categories"]!.Values<string>().ToHashSet();
            Assert.All(instances, instance => Assert.Contains((string)instance[(string)feature["name"]!]!, categories));
        }
    }

    [Fact]
    public void An_unseen_category_is_scored_rather_than_refused()
    {
        // One-hot encoding maps an unseen value to all zeros, so the model still answers; the
        // monitoring's unseen-category rate is what reports such values.
        var instance = (JObject)ReadJson("requests/v1-predict.json")["instances"]![0]!.DeepClone();
        instance["native_country"] = "Atlantis";
        using var session = OpenModel();

        using var outputs = Run(session, [instance]);

        var probability = outputs[2].GetTensorDataAsSpan<float>()[0];
        Assert.InRange(probability, 0f, 1f);
    }

    [Fact]
    public void Shipped_model_is_under_one_megabyte()
    {
        Assert.InRange(new FileInfo(Path.Combine(SampleFolder, "model.onnx")).Length, 1, 1024 * 1024);
    }

    private static InferenceSession OpenModel()
    {
        // ML.NET's export declares [-1, K] for one-hot values that are [-1, 1, K]; ONNX Runtime warns and
        // merges the shapes leniently, so only errors are logged.
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        return new InferenceSession(Path.Combine(SampleFolder, "model.onnx"), options);
    }

    private static JObject ReadJson(string relativePath) => JObject.Parse(File.ReadAllText(Path.Combine(SampleFolder, relativePath)));

    /// <summary>Runs V1-style instances: each input a [rows, 1] tensor of the instance fields of that name.</summary>
    private static IDisposableReadOnlyCollection<OrtValue> Run(InferenceSession session, IReadOnlyList<JObject> instances)
    {
        long[] shape = [instances.Count, 1];
        var inputs = new List<OrtValue>();
        try
        {
            foreach (var name in session.InputNames)
            {
                inputs.Add(session.InputMetadata[name].ElementDataType == TensorElementType.Float
                    ? OrtValue.CreateTensorValueFromMemory(instances.Select(instance => (float)instance[name]!).ToArray(), shape)
                    : OrtValues.Strings(instances.Select(instance => (string)instance[name]!).ToArray(), shape));
            }

            using var runOptions = new RunOptions();
            return session.Run(runOptions, session.InputNames, inputs, session.OutputNames);
        }
        finally
        {
            inputs.ForEach(input => input.Dispose());
        }
    }

    /// <summary>Scores reach about 20 in magnitude, so the 1e-5 tolerance is relative to values above 1.</summary>
    private static void AssertCloseRelative(float[] expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var tolerance = OrtValues.Tolerance * Math.Max(1f, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"Element {i}: expected {expected[i]:R}, ONNX Runtime gave {actual[i]:R}.");
        }
    }
}
