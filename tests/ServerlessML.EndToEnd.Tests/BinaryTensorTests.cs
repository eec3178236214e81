using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Newtonsoft.Json.Linq;
using ServerlessML.DevHost.Http;
using ServerlessML.Testing;

namespace ServerlessML.EndToEnd.Tests;

/// <summary>The binary tensor data extension through DevHost and HTTP, as a Triton or KServe client sends it.</summary>
[Collection(ServerlessMLAppCollection.Name)]
public sealed class BinaryTensorTests(ServerlessMLApp app)
{
    private static string InferPath => $"v2/models/{ServerlessMLApp.SampleModel}/infer";

    [Fact]
    public async Task Sample_request_sent_and_answered_as_binary_equals_the_JSON_answer()
    {
        var sample = JObject.Parse(await File.ReadAllTextAsync(ServerlessMLApp.SampleFile("requests", "v2-infer.json")));
        var (body, jsonLength) = ToBinaryRequest(sample);
        using var request = new HttpRequestMessage(HttpMethod.Post, InferPath) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.Add(BinaryTensorBodies.HeaderName, jsonLength.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(HostKeys.KeyHeader, DevHostRun.FunctionKey);

        using var binaryResponse = await app.Run.Client.SendAsync(request);
        using var jsonResponse = await app.PostJsonFileAsync(InferPath, ServerlessMLApp.SampleFile("requests", "v2-infer.json"));

        byte[] answer = await binaryResponse.Content.ReadAsByteArrayAsync();
        Assert.True(binaryResponse.StatusCode == HttpStatusCode.OK, System.Text.Encoding.UTF8.GetString(answer));
        Assert.Equal("application/octet-stream", binaryResponse.Content.Headers.ContentType?.MediaType);
        int answerJsonLength = int.Parse(Assert.Single(binaryResponse.Headers.GetValues(BinaryTensorBodies.HeaderName)), CultureInfo.InvariantCulture);
        var (json, binary) = BinaryTensorBodies.Split(answer, answerJsonLength);
        var decoded = BinaryTensorBodies.DecodeOutputs(json, binary);
        var expected = JObject.Parse(await jsonResponse.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, jsonResponse.StatusCode);
        Assert.Equal(expected["outputs"]!.Count(), decoded.Count);
        foreach (var output in expected["outputs"]!)
        {
            string name = (string)output["name"]!;
            string datatype = (string)output["datatype"]!;
            var sent = json["outputs"]!.Single(o => (string?)o["name"] == name);
            Assert.Equal(datatype, (string?)sent["datatype"]);
            Assert.Equal(output["shape"]!.Values<long>(), sent["shape"]!.Values<long>());
            Assert.Equal(Normalize(datatype, output["data"]!), Normalize(datatype, decoded[name]));
        }
    }

    /// <summary>The sample's JSON request with every input's data moved after the JSON as binary, all outputs asked as binary.</summary>
    private static (byte[] Body, int JsonLength) ToBinaryRequest(JObject sample)
    {
        var parts = new List<byte[]>();
        foreach (var input in sample["inputs"]!)
        {
            var data = (JArray)input["data"]!;
            byte[] part = (string?)input["datatype"] switch
            {
                "FP32" => BinaryTensorBodies.Encode(data.Values<float>().ToArray()),
                "BYTES" => BinaryTensorBodies.Encode(data.Values<string>().ToArray()),
                var other => throw new InvalidDataException($"The sample has a {other} input, which this test does not encode."),
            };
            ((JObject)input).Remove("data");
            input["parameters"] = new JObject { ["binary_data_size"] = part.Length };
            parts.Add(part);
        }

        sample["parameters"] = new JObject { ["binary_data_output"] = true };
        return BinaryTensorBodies.Compose(sample.ToString(Newtonsoft.Json.Formatting.None), [.. parts]);
    }

    private static string[] Normalize(string datatype, JToken data) => data.Select(v => datatype switch
    {
        "FP16" or "FP32" => v.Value<float>().ToString("R", CultureInfo.InvariantCulture),
        "FP64" => v.Value<double>().ToString("R", CultureInfo.InvariantCulture),
        _ => v.ToString(Newtonsoft.Json.Formatting.None),
    }).ToArray();
}
