using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Newtonsoft.Json.Linq;
using ServerlessML.Functions.Serving;
using ServerlessML.Testing;

namespace ServerlessML.Functions.Tests;

/// <summary>
/// The binary tensor data extension over HTTP: the malformed-binary corpus (each a 4xx naming the problem,
/// never a 500), and the answer's Inference-Header-Content-Length and content type.
/// </summary>
public class BinaryTensorRequestTests(ServedModels models) : IClassFixture<ServedModels>
{
    private const string Header = BinaryTensorBodies.HeaderName;

    private static readonly byte[] Row = BinaryTensorBodies.Encode(new[] { 0.1f, 0.2f, 0.3f, 0.4f });

    private static byte[] Utf8Length(uint length) => BitConverter.GetBytes(length);

    public static TheoryData<string, string, string, byte[], string> MalformedCases => new()
    {
        // name, model ("dense", "strings" or "types"), JSON, binary after it, fragment of the 400's error
        { "binary_data_size a fraction", "dense", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16.5}}]}""", Row, "Input 'input' has parameters.binary_data_size that is the number 16.5: expected the byte length" },
        { "binary_data_size a string", "dense", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":"16"}}]}""", Row, "parameters.binary_data_size that is the string \"16\"" },
        { "binary_data_size negative", "dense", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":-16}}]}""", Row, "parameters.binary_data_size that is the number -16" },
        { "binary input with data too", "dense", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,3,4],"parameters":{"binary_data_size":16}}]}""", Row, "Input 'input' has both \"data\" and parameters.binary_data_size" },
        { "size not the shape's", "dense", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":12}}]}""", Row[..12], "Input 'input' has binary_data_size 12, but its shape [1, 4] holds 4 FP32 elements of 4 bytes: 16 bytes" },
        { "binary data too short", "dense", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}]}""", Row[..8], "Input 'input' has binary_data_size 16, but only 8 bytes of binary data are left" },
        { "binary data left over", "dense", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}]}""", [.. Row, 1, 2, 3, 4], "4 bytes of binary data after those of input 'input'" },
        { "binary data nobody claims", "dense", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""", Row, "16 bytes of binary data after the JSON (Inference-Header-Content-Length), but no input has parameters.binary_data_size" },
        { "NaN in binary FP32", "dense", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}]}""", BinaryTensorBodies.Encode(new[] { 1f, float.NaN, 3f, 4f }), "Input 'input' element 1 is NaN: FP32 data is not a finite number" },
        { "BOOL byte other than 0 or 1", "types", """{"inputs":[{"name":"in_bool","shape":[1,3],"datatype":"BOOL","parameters":{"binary_data_size":3}}]}""", [1, 0, 2], "Input 'in_bool' element 2 is the byte 2: BOOL binary data is one byte an element, 0 (false) or 1 (true)" },
        { "BYTES length past its data", "strings", StringsJson(1, 8), [.. Utf8Length(100), .. "red!"u8, .. BinaryTensorBodies.Encode(new[] { 1f })], "Input 'color' element 0 has a length of 100 bytes, but only 4 bytes of its binary_data_size of 8 are left" },
        { "BYTES with more elements than the shape", "strings", StringsJson(1, 15), [.. BinaryTensorBodies.Encode(new[] { "red", "blue" }), .. BinaryTensorBodies.Encode(new[] { 1f })], "Input 'color' has 8 bytes of binary BYTES data left after its 1 elements" },
        { "BYTES with fewer elements than the shape", "strings", StringsJson(2, 7), [.. BinaryTensorBodies.Encode(new[] { "red" }), .. BinaryTensorBodies.Encode(new[] { 1f, 2f })], "Input 'color' has binary BYTES data that ends after 1 of its 2 elements" },
        { "BYTES not UTF-8", "strings", StringsJson(1, 6), [.. Utf8Length(2), 0xC3, 0x28, .. BinaryTensorBodies.Encode(new[] { 1f })], "Input 'color' element 0 is not UTF-8 text" },
        { "binary_data not a boolean", "dense", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}],"outputs":[{"name":"probabilities","parameters":{"binary_data":"yes"}}]}""", Row, "Outputs[0] parameter binary_data is the string \"yes\": expected true or false" },
        { "binary_data_output not a boolean", "dense", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}],"parameters":{"binary_data_output":1}}""", Row, "Request parameter binary_data_output is the number 1: expected true or false" },
    };

    [Theory]
    [MemberData(nameof(MalformedCases))]
    public async Task Malformed_binary_request_is_refused_with_a_message_that_names_the_problem(string name, string model, string json, byte[] binary, string fragment)
    {
        var (body, jsonLength) = BinaryTensorBodies.Compose(json, binary);

        var answer = await InferAsync(ModelNamed(model), body, jsonLength.ToString(CultureInfo.InvariantCulture));

        Assert.True(answer.Status == 400, $"{name}: expected 400, got {answer.Status}: {answer.Body}");
        Assert.Contains(fragment, answer.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc", "Header Inference-Header-Content-Length is \"abc\": expected the byte length of the JSON")]
    [InlineData("-1", "Header Inference-Header-Content-Length is \"-1\"")]
    [InlineData("1.5", "Header Inference-Header-Content-Length is \"1.5\"")]
    [InlineData("99999999999999999999", "Header Inference-Header-Content-Length is \"99999999999999999999\"")]
    [InlineData("100000", "Header Inference-Header-Content-Length is 100000, but the body has only")]
    public async Task Header_that_is_not_a_length_within_the_body_is_refused(string header, string fragment)
    {
        var (body, _) = BinaryTensorBodies.Compose("""{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}]}""", Row);

        var answer = await InferAsync(models.Dense, body, header);

        Assert.Equal(400, answer.Status);
        Assert.Contains(fragment, answer.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Binary_input_without_the_header_is_refused()
    {
        var (body, _) = BinaryTensorBodies.Compose("""{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}]}""", Row);

        var answer = await InferAsync(models.Dense, body, header: null);

        Assert.Equal(400, answer.Status);
        Assert.Contains("Input 'input' has parameters.binary_data_size, but the request has no Inference-Header-Content-Length header", answer.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Binary_body_over_the_limit_is_413()
    {
        const int rows = 20_000;
        byte[] binary = BinaryTensorBodies.Encode(new float[rows * 4]);
        var (body, jsonLength) = BinaryTensorBodies.Compose($$$"""{"inputs":[{"name":"input","shape":[{{{rows}}},4],"datatype":"FP32","parameters":{"binary_data_size":{{{binary.Length}}}}}]}""", binary);

        var answer = await InferAsync(models.Dense, body, jsonLength.ToString(CultureInfo.InvariantCulture));

        Assert.Equal(413, answer.Status);
        Assert.Contains($"{ServedModels.BodyLimit} bytes allowed", answer.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Header_on_v1_predict_is_refused()
    {
        var request = BinaryRequest(Encoding.UTF8.GetBytes("""{"instances":[{"color":"red","size":1}]}"""), "10");

        var answer = await FunctionCall.RunAsync(request, r => new Predict(models.Harness.Service).Run(r, models.Strings));

        Assert.Equal(400, answer.Status);
        Assert.Contains("only v2/models/{model}/infer takes", answer.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Binary_outputs_come_after_the_JSON_with_its_length_header_and_octet_stream()
    {
        var (body, jsonLength) = BinaryTensorBodies.Compose(
            """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}],"parameters":{"binary_data_output":true}}""", Row);

        var answer = await InferAsync(models.Dense, body, jsonLength.ToString(CultureInfo.InvariantCulture), ("x-request-id", "bin-1"));

        Assert.Equal(200, answer.Status);
        Assert.Equal("application/octet-stream", answer.Headers.ContentType.ToString());
        int length = int.Parse(answer.Headers[Header].ToString(), CultureInfo.InvariantCulture);
        Assert.Equal(answer.Bytes.Length, answer.Headers.ContentLength);
        var (json, binary) = BinaryTensorBodies.Split(answer.Bytes, length);
        Assert.Equal("bin-1", (string?)json["id"]);
        Assert.Equal("1", answer.Headers["x-model-version"].ToString());
        var output = json["outputs"]![0]!;
        Assert.Null(output["data"]);
        Assert.Equal(12, (int)output["parameters"]!["binary_data_size"]!);
        float[] probabilities = BinaryTensorBodies.DecodeOutputs(json, binary)["probabilities"].Values<float>().ToArray();
        Assert.Equal(1f, probabilities.Sum(), 1e-5f);
    }

    [Fact]
    public async Task Answer_without_binary_outputs_stays_JSON_without_the_length_header()
    {
        var (body, jsonLength) = BinaryTensorBodies.Compose("""{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}]}""", Row);

        var answer = await InferAsync(models.Dense, body, jsonLength.ToString(CultureInfo.InvariantCulture));

        Assert.Equal(200, answer.Status);
        Assert.Equal("application/json; charset=utf-8", answer.Headers.ContentType.ToString());
        Assert.False(answer.Headers.ContainsKey(Header));
        Assert.Equal(3, JObject.Parse(answer.Body)["outputs"]![0]!["data"]!.Count());
    }

    [Fact]
    public async Task Server_metadata_lists_the_binary_tensor_data_extension()
    {
        var answer = await FunctionCall.RunAsync(FunctionCall.Request("GET"), r => new ServerMetadata().Run(r));

        Assert.Contains("binary_tensor_data", answer.Json["extensions"]!.Values<string>());
    }

    private static string StringsJson(int rows, int colorBytes) =>
        $$$"""{"inputs":[{"name":"color","shape":[{{{rows}}},1],"datatype":"BYTES","parameters":{"binary_data_size":{{{colorBytes}}}}},{"name":"size","shape":[{{{rows}}},1],"datatype":"FP32","parameters":{"binary_data_size":{{{rows * 4}}}}}]}""";

    private string ModelNamed(string kind) => kind switch
    {
        "dense" => models.Dense,
        "strings" => models.Strings,
        "types" => models.AllTypes,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private Task<FunctionAnswer> InferAsync(string model, byte[] body, string? header, params (string Name, string Value)[] headers) =>
        FunctionCall.RunAsync(BinaryRequest(body, header, headers), r => new ModelInfer(models.Harness.Service).Run(r, model));

    private static HttpRequest BinaryRequest(byte[] body, string? header, params (string Name, string Value)[] headers) =>
        FunctionCall.Request(body, "application/octet-stream", [.. headers, .. header is null ? [] : new[] { (Header, header) }]);



}
