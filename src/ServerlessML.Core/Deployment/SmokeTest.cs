using System.Globalization;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using ServerlessML.Inference;
using ServerlessML.Registry;

namespace ServerlessML.Deployment;

/// <summary>What the smoke test did: which protocol, how many values it compared, and the largest difference.</summary>
public sealed class SmokeTestResult
{
    /// <summary>"v2" (Open Inference Protocol inputs) or "v1" (instances).</summary>
    [JsonProperty("protocol")]
    public string Protocol { get; set; } = "";

    /// <summary>False when the package has a request but no expected answer: the request only had to run.</summary>
    [JsonProperty("compared")]
    public bool Compared { get; set; }

    [JsonProperty("valuesCompared")]
    public int ValuesCompared { get; set; }

    [JsonProperty("maxAbsoluteDifference")]
    public double MaxAbsoluteDifference { get; set; }

    [JsonProperty("absoluteTolerance")]
    public double AbsoluteTolerance { get; set; }

    [JsonProperty("relativeTolerance")]
    public double RelativeTolerance { get; set; }
}

/// <summary>
/// Runs smoke/request.json through the code that serves requests (the same readers, the same
/// <see cref="OnnxModel.Run"/>, the same response writers) and compares the answer with
/// smoke/expected.json: numbers within |actual - expected| &lt;= absolute + relative * |expected|, everything
/// else exactly. expected.json holds <c>outputs</c> (V2 form) and/or <c>predictions</c> (V1 form), and may
/// set <c>"tolerance": {"absolute": ..., "relative": ...}</c>.
/// </summary>
public static class SmokeTest
{
    private const int MaxReportedDifferences = 5;

    public static SmokeTestResult Run(string model, string version, LoadedModel loaded, string requestJson, string? expectedJson,
        ServingOptions limits, double absoluteTolerance, double relativeTolerance)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(requestJson);
        string protocol = DetectProtocol(requestJson);
        JObject answer;
        try
        {
            answer = protocol == "v2"
                ? RunV2(model, version, loaded.Onnx, requestJson, limits)
                : RunV1(model, version, loaded, requestJson, limits);
        }
        catch (ServingException e)
        {
            throw Refused($"{ModelPackage.SmokeRequestName} was refused as a request would be: {e.Message}", e);
        }

        var result = new SmokeTestResult { Protocol = protocol, AbsoluteTolerance = absoluteTolerance, RelativeTolerance = relativeTolerance };
        if (expectedJson is null)
        {
            return result;
        }

        JObject expected = ParseObject(expectedJson, ModelPackage.SmokeExpectedName);
        if (expected["tolerance"] is JObject tolerance)
        {
            result.AbsoluteTolerance = ReadTolerance(tolerance, "absolute", absoluteTolerance);
            result.RelativeTolerance = ReadTolerance(tolerance, "relative", relativeTolerance);
        }

        var comparison = new Comparison(result.AbsoluteTolerance, result.RelativeTolerance);
        if (protocol == "v2")
        {
            var outputs = expected["outputs"] as JArray
                ?? throw Refused($"{ModelPackage.SmokeExpectedName} has no \"outputs\" array, but {ModelPackage.SmokeRequestName} is a V2 request: give the expected outputs as [{{\"name\", \"shape\", \"datatype\", \"data\"}}].");
            CompareV2(outputs, (JArray)answer["outputs"]!, comparison);
        }
        else
        {
            var predictions = expected["predictions"]
                ?? throw Refused($"{ModelPackage.SmokeExpectedName} has no \"predictions\", but {ModelPackage.SmokeRequestName} is a V1 instances request: give the expected predictions.");
            comparison.Compare("predictions", predictions, answer["predictions"]);
        }

        if (comparison.Differences.Count > 0)
        {
            throw Refused($"The smoke test's answer differs from {ModelPackage.SmokeExpectedName} ({comparison.DifferenceCount} difference(s), " +
                $"tolerance {result.AbsoluteTolerance.ToString("G", CultureInfo.InvariantCulture)} + {result.RelativeTolerance.ToString("G", CultureInfo.InvariantCulture)} x |expected|): " +
                string.Join("; ", comparison.Differences) + ".");
        }

        result.Compared = true;
        result.ValuesCompared = comparison.Values;
        result.MaxAbsoluteDifference = comparison.MaxDifference;
        return result;
    }

    private static string DetectProtocol(string requestJson)
    {
        var request = ParseObject(requestJson, ModelPackage.SmokeRequestName);
        if (request.ContainsKey("inputs"))
        {
            return "v2";
        }

        if (request.ContainsKey("instances"))
        {
            return "v1";
        }

        throw Refused($"{ModelPackage.SmokeRequestName} has neither \"inputs\" (an Open Inference Protocol request) nor \"instances\" (a V1 predict request).");
    }

    private static JObject RunV2(string model, string version, OnnxModel onnx, string requestJson, ServingOptions limits)
    {
        var request = V2RequestReader.Read(new StringReader(requestJson), limits);
        using var outputs = onnx.Run(request.Inputs, request.RequestedOutputs);
        var response = ServingResponse.Write(w => V2ResponseWriter.WriteInferResponse(w, model, version, request.Id ?? "smoke-test", outputs), version, request.Id);
        return JObject.Parse(Encoding.UTF8.GetString(response.Body.Span));
    }

    private static JObject RunV1(string model, string version, LoadedModel loaded, string requestJson, ServingOptions limits)
    {
        var layout = TabularLayout.For(model, loaded.Onnx.Signature, loaded.Manifest);
        var request = InstancesReader.Read(new StringReader(requestJson), layout, limits);
        using var outputs = loaded.Onnx.Run(request.Inputs, []);
        var response = ServingResponse.Write(
            w => PredictionWriter.Write(w, model, version, request.Id ?? "smoke-test", outputs, request.Rows, loaded.Manifest), version, request.Id);
        return JObject.Parse(Encoding.UTF8.GetString(response.Body.Span));
    }

    private static void CompareV2(JArray expected, JArray actual, Comparison comparison)
    {
        foreach (var item in expected)
        {
            if (item is not JObject output || (string?)output["name"] is not { } name)
            {
                throw Refused($"{ModelPackage.SmokeExpectedName} has an output without a \"name\": each expected output names the model output it is.");
            }

            string at = $"outputs['{name}']";
            var answer = actual.OfType<JObject>().FirstOrDefault(o => (string?)o["name"] == name);
            if (answer is null)
            {
                comparison.Add($"{at} is expected but the model answered only {string.Join(", ", actual.Select(o => $"'{o["name"]}'"))}");
                continue;
            }

            if (output["datatype"] is { } datatype)
            {
                comparison.Compare($"{at}.datatype", datatype, answer["datatype"]);
            }

            if (output["shape"] is { } shape)
            {
                comparison.Compare($"{at}.shape", shape, answer["shape"]);
            }

            if (output["data"] is { } data)
            {
                // V2 data may be nested or flat; the answer is flat, row-major.
                comparison.Compare($"{at}.data", new JArray(Flatten(data)), answer["data"]);
            }
        }
    }

    private static IEnumerable<JToken> Flatten(JToken token) =>
        token is JArray array ? array.SelectMany(Flatten) : [token];

    private static double ReadTolerance(JObject tolerance, string field, double fallback) => tolerance[field] switch
    {
        null => fallback,
        { Type: JTokenType.Integer or JTokenType.Float } value when (double)value >= 0 => (double)value,
        var other => throw Refused($"{ModelPackage.SmokeExpectedName} has tolerance.{field} {other.ToString(Formatting.None)}: expected a number of at least 0."),
    };

    private static JObject ParseObject(string json, string file)
    {
        try
        {
            using var reader = new JsonTextReader(new StringReader(json)) { DateParseHandling = DateParseHandling.None, MaxDepth = 64 };
            return JToken.ReadFrom(reader) as JObject ?? throw Refused($"{file} is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw Refused($"{file} is not valid JSON: {e.Message}", e);
        }
    }

    private static DeploymentRefusedException Refused(string message, Exception? inner = null) => new(DeploymentSteps.SmokeTest, message, inner);

    private sealed class Comparison(double absolute, double relative)
    {
        public List<string> Differences { get; } = [];

        public int DifferenceCount { get; private set; }

        public int Values { get; private set; }

        public double MaxDifference { get; private set; }

        public void Add(string difference)
        {
            DifferenceCount++;
            if (Differences.Count < MaxReportedDifferences)
            {
                Differences.Add(difference);
            }
        }

        public void Compare(string at, JToken expected, JToken? actual)
        {
            if (actual is null)
            {
                Add($"{at} is missing from the answer");
                return;
            }

            switch (expected)
            {
                case JObject expectedObject:
                    if (actual is not JObject actualObject)
                    {
                        Add($"{at}: expected an object, got {actual.ToString(Formatting.None)}");
                        return;
                    }

                    foreach (var property in expectedObject.Properties())
                    {
                        Compare($"{at}.{property.Name}", property.Value, actualObject[property.Name]);
                    }

                    return;
                case JArray expectedArray:
                    if (actual is not JArray actualArray || actualArray.Count != expectedArray.Count)
                    {
                        Add($"{at}: expected {expectedArray.Count} values, got {(actual is JArray other ? $"{other.Count}" : actual.ToString(Formatting.None))}");
                        return;
                    }

                    for (int i = 0; i < expectedArray.Count; i++)
                    {
                        Compare($"{at}[{i}]", expectedArray[i], actualArray[i]);
                    }

                    return;
                case { Type: JTokenType.Integer or JTokenType.Float }:
                    Values++;
                    if (actual.Type is not (JTokenType.Integer or JTokenType.Float))
                    {
                        Add($"{at}: expected {expected.ToString(Formatting.None)}, got {actual.ToString(Formatting.None)}");
                        return;
                    }

                    double e = (double)expected;
                    double a = (double)actual;
                    double difference = Math.Abs(a - e);
                    if (double.IsNaN(e) && double.IsNaN(a))
                    {
                        return;
                    }

                    MaxDifference = Math.Max(MaxDifference, double.IsNaN(difference) ? double.PositiveInfinity : difference);
                    if (!(difference <= absolute + (relative * Math.Abs(e))))
                    {
                        Add($"{at}: expected {e.ToString("R", CultureInfo.InvariantCulture)}, got {a.ToString("R", CultureInfo.InvariantCulture)}");
                    }

                    return;
                default:
                    Values++;
                    if (!JToken.DeepEquals(expected, actual))
                    {
                        Add($"{at}: expected {expected.ToString(Formatting.None)}, got {actual.ToString(Formatting.None)}");
                    }

                    return;
            }
        }
    }
}
