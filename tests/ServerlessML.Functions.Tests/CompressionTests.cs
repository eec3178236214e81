using System.Globalization;
using System.IO.Compression;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Newtonsoft.Json.Linq;
using ServerlessML.Functions.Feedback;
using ServerlessML.Functions.Management;
using ServerlessML.Functions.Serving;
using ServerlessML.Functions.Tests.Feedback;
using ServerlessML.Registry;
using ServerlessML.Testing;

namespace ServerlessML.Functions.Tests;

/// <summary>
/// HTTP compression as Triton's HTTP client uses it: a gzip or deflate (zlib) request body with Content-Encoding,
/// and a compressed answer when Accept-Encoding allows it.
/// </summary>
public class CompressionTests(ServedModels models, FeedbackModel feedback) : IClassFixture<ServedModels>, IClassFixture<FeedbackModel>
{
    private static readonly string Rows64 = InferJson(64);

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("GZip")]
    [InlineData("x-gzip")]
    [InlineData("identity, gzip")]
    public async Task Compressed_infer_request_is_answered_as_the_plain_one(string contentEncoding)
    {
        byte[] json = Encoding.UTF8.GetBytes(Rows64);

        var plain = await InferAsync(json, ("x-request-id", "same"));
        var compressed = await InferAsync(Compress(json, contentEncoding), ("Content-Encoding", contentEncoding), ("x-request-id", "same"));

        Assert.Equal(200, plain.Status);
        Assert.True(compressed.Status == 200, compressed.Body);
        Assert.Equal(plain.Body, compressed.Body);
    }

    [Fact]
    public async Task Identity_content_encoding_is_a_plain_body()
    {
        var answer = await InferAsync(Encoding.UTF8.GetBytes(InferJson(1)), ("Content-Encoding", "identity"));

        Assert.True(answer.Status == 200, answer.Body);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task Compressed_v1_predict_request_is_answered_as_the_plain_one(string contentEncoding)
    {
        byte[] json = """{"instances":[{"color":"red","size":1},{"color":"blue","size":2.5}]}"""u8.ToArray();

        var plain = await FunctionCall.RunAsync(FunctionCall.Request(json, "application/json", ("x-request-id", "v1")), r => new Predict(models.Harness.Service).Run(r, models.Strings));
        var compressed = await FunctionCall.RunAsync(FunctionCall.Request(Compress(json, contentEncoding), "application/json", ("Content-Encoding", contentEncoding), ("x-request-id", "v1")),
            r => new Predict(models.Harness.Service).Run(r, models.Strings));

        Assert.Equal(200, plain.Status);
        Assert.Equal(plain.Body, compressed.Body);
    }

    [Fact]
    public async Task Compressed_binary_tensor_request_uses_the_JSON_length_of_the_decompressed_body()
    {
        var (body, jsonLength) = BinaryTensorBodies.Compose(
            """{"inputs":[{"name":"input","shape":[2,4],"datatype":"FP32","parameters":{"binary_data_size":32}}],"parameters":{"binary_data_output":true}}""",
            BinaryTensorBodies.Encode(new[] { 0.1f, 0.2f, 0.3f, 0.4f, 4f, 3f, 2f, 1f }));
        string header = jsonLength.ToString(CultureInfo.InvariantCulture);

        var plain = await InferAsync(body, (BinaryTensorBodies.HeaderName, header), ("x-request-id", "bin"));
        var compressed = await InferAsync(Compress(body, "gzip"), ("Content-Encoding", "gzip"), (BinaryTensorBodies.HeaderName, header), ("x-request-id", "bin"));

        Assert.True(compressed.Status == 200, compressed.Body);
        Assert.Equal(plain.Bytes, compressed.Bytes);
        var (json, binary) = BinaryTensorBodies.Split(compressed.Bytes, int.Parse(compressed.Headers[BinaryTensorBodies.HeaderName].ToString(), CultureInfo.InvariantCulture));
        Assert.Equal(6, BinaryTensorBodies.DecodeOutputs(json, binary)["probabilities"].Count);
    }

    [Fact]
    public async Task Zip_bomb_is_413_once_its_decompressed_size_passes_the_limit()
    {
        byte[] bomb = GzippedZeros(64 * 1024 * 1024);
        var compressedBody = new MemoryStream(bomb);
        var request = FunctionCall.Request([], "application/json", ("Content-Encoding", "gzip"));
        request.Body = compressedBody;
        request.ContentLength = bomb.Length;

        var answer = await FunctionCall.RunAsync(request, r => new ModelInfer(models.Harness.Service).Run(r, models.Dense));

        Assert.True(bomb.Length < ServedModels.BodyLimit, $"The bomb ({bomb.Length} bytes) must pass the limit only once decompressed.");
        Assert.Equal(413, answer.Status);
        Assert.Contains($"{ServedModels.BodyLimit} bytes allowed", answer.Error, StringComparison.Ordinal);
        // Reading stopped at the limit: most of the 64 MiB was never decompressed.
        Assert.True(compressedBody.Position < bomb.Length / 2, $"Read {compressedBody.Position} of {bomb.Length} compressed bytes.");
    }

    [Theory]
    [InlineData("gzip", "Content-Encoding gzip but is not valid gzip data")]
    [InlineData("deflate", "Content-Encoding deflate but is not valid deflate data: compress it in the zlib format")]
    public async Task Corrupt_compressed_body_is_400_naming_the_encoding(string contentEncoding, string fragment)
    {
        byte[] compressed = Compress(Encoding.UTF8.GetBytes(Rows64), contentEncoding);
        for (int i = compressed.Length / 3; i < compressed.Length / 3 + 16; i++)
        {
            compressed[i] ^= 0xFF;
        }

        var answer = await InferAsync(compressed, ("Content-Encoding", contentEncoding), ("x-request-id", "corrupt"));

        Assert.Equal(400, answer.Status);
        Assert.Contains(fragment, answer.Error, StringComparison.Ordinal);
        Assert.Equal("corrupt", answer.Headers["x-request-id"].ToString());
    }

    [Fact]
    public async Task Body_that_is_not_gzip_at_all_is_400()
    {
        var answer = await InferAsync(Encoding.UTF8.GetBytes(Rows64), ("Content-Encoding", "gzip"));

        Assert.Equal(400, answer.Status);
        Assert.Contains("not valid gzip data", answer.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("br")]
    [InlineData("gzip, br")]
    [InlineData("gzip, gzip")]
    [InlineData("compress")]
    public async Task Other_encoding_is_415_listing_the_supported_ones(string contentEncoding)
    {
        var answer = await InferAsync(Encoding.UTF8.GetBytes(Rows64), ("Content-Encoding", contentEncoding));

        Assert.Equal(415, answer.Status);
        Assert.Contains($"Content-Encoding \"{contentEncoding}\": expected one of gzip, deflate (zlib) or identity", answer.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compressed_feedback_body_is_accepted()
    {
        byte[] json = Encoding.UTF8.GetBytes($$"""{"labels":[{"id":"{{Guid.NewGuid():N}}","label":1}]}""");

        var answer = await FunctionCall.RunAsync(FunctionCall.Request(Compress(json, "gzip"), "application/json", ("Content-Encoding", "gzip")),
            r => new SubmitFeedback(feedback.Service).Run(r, feedback.Model));

        Assert.True(answer.Status == 200, answer.Body);
        Assert.Equal(1, (int)JObject.Parse(answer.Body)["accepted"]!);
    }

    [Fact]
    public async Task Compressed_feedback_body_over_the_decompressed_limit_is_413()
    {
        byte[] json = Encoding.UTF8.GetBytes($$"""{"labels":[{"id":"{{new string('x', (int)FeedbackModel.BodyLimit)}}","label":1}]}""");
        byte[] compressed = Compress(json, "gzip");

        var answer = await FunctionCall.RunAsync(FunctionCall.Request(compressed, "application/json", ("Content-Encoding", "gzip")),
            r => new SubmitFeedback(feedback.Service).Run(r, feedback.Model));

        Assert.True(compressed.Length < FeedbackModel.BodyLimit);
        Assert.Equal(413, answer.Status);
    }

    [Fact]
    public async Task Compressed_management_body_is_415_and_not_decoded()
    {
        byte[] compressed = Compress(Encoding.UTF8.GetBytes("{\"production\":\"1\"}"), "gzip");

        var answer = await FunctionCall.RunAsync(FunctionCall.Request(compressed, "application/json", ("Content-Encoding", "gzip")),
            r => new SetTraffic(new TrafficSwitch(models.Harness.Store, models.Harness.Records)).Run(r, models.Dense));

        Assert.Equal(415, answer.Status);
        Assert.Contains("management routes take a plain JSON body", answer.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gzip", "gzip")]
    [InlineData("deflate", "deflate")]
    [InlineData("gzip, deflate, br", "gzip")]
    [InlineData("deflate, gzip", "gzip")]
    [InlineData("deflate;q=1, gzip;q=0.5", "deflate")]
    [InlineData("gzip;q=0, deflate", "deflate")]
    [InlineData("*", "gzip")]
    [InlineData("gzip;q=0, *", "deflate")]
    public async Task Answer_is_compressed_with_the_accepted_encoding(string acceptEncoding, string expected)
    {
        var plain = await InferAsync(Encoding.UTF8.GetBytes(Rows64), ("x-request-id", "same"));
        var answer = await InferAsync(Encoding.UTF8.GetBytes(Rows64), ("Accept-Encoding", acceptEncoding), ("x-request-id", "same"));

        Assert.Equal(200, answer.Status);
        Assert.Equal(expected, answer.Headers.ContentEncoding.ToString());
        Assert.Equal("Accept-Encoding", answer.Headers.Vary.ToString());
        Assert.Equal(answer.Bytes.Length, answer.Headers.ContentLength);
        Assert.True(answer.Bytes.Length < plain.Bytes.Length, $"{answer.Bytes.Length} compressed bytes for {plain.Bytes.Length}");
        Assert.Equal(plain.Bytes, Decompress(answer.Bytes, expected));
        Assert.Equal("same", answer.Headers["x-request-id"].ToString());
    }

    [Theory]
    [InlineData("gzip;q=0")]
    [InlineData("gzip;q=0, deflate;q=0")]
    [InlineData("*;q=0")]
    [InlineData("identity")]
    [InlineData("br")]
    [InlineData("gzip;q=nonsense")]
    public async Task Answer_stays_plain_when_no_supported_encoding_is_accepted(string acceptEncoding)
    {
        var answer = await InferAsync(Encoding.UTF8.GetBytes(Rows64), ("Accept-Encoding", acceptEncoding));

        Assert.Equal(200, answer.Status);
        Assert.False(answer.Headers.ContainsKey("Content-Encoding"));
        Assert.Equal("Accept-Encoding", answer.Headers.Vary.ToString());
        Assert.Equal(64, JObject.Parse(answer.Body)["outputs"]![0]!["shape"]![0]!.Value<int>());
    }

    [Fact]
    public async Task Answer_under_the_threshold_stays_plain()
    {
        var answer = await InferAsync(Encoding.UTF8.GetBytes(InferJson(1)), ("Accept-Encoding", "gzip"));

        Assert.Equal(200, answer.Status);
        Assert.True(answer.Bytes.Length < Http.ServingHttp.MinCompressedAnswerBytes);
        Assert.False(answer.Headers.ContainsKey("Content-Encoding"));
        Assert.Equal("Accept-Encoding", answer.Headers.Vary.ToString());
    }

    [Fact]
    public async Task Compressed_binary_answer_keeps_the_JSON_length_of_the_decompressed_body()
    {
        const int rows = 200;
        var (body, jsonLength) = BinaryTensorBodies.Compose(
            $$$"""{"inputs":[{"name":"input","shape":[{{{rows}}},4],"datatype":"FP32","parameters":{"binary_data_size":{{{rows * 16}}}}}],"parameters":{"binary_data_output":true}}""",
            BinaryTensorBodies.Encode(Enumerable.Range(0, rows * 4).Select(i => i % 7 / 7f).ToArray()));
        string header = jsonLength.ToString(CultureInfo.InvariantCulture);

        var plain = await InferAsync(body, (BinaryTensorBodies.HeaderName, header), ("x-request-id", "bin-out"));
        var answer = await InferAsync(body, (BinaryTensorBodies.HeaderName, header), ("Accept-Encoding", "gzip"), ("x-request-id", "bin-out"));

        Assert.Equal(200, answer.Status);
        Assert.Equal("gzip", answer.Headers.ContentEncoding.ToString());
        Assert.Equal("application/octet-stream", answer.Headers.ContentType.ToString());
        Assert.Equal(plain.Headers[BinaryTensorBodies.HeaderName].ToString(), answer.Headers[BinaryTensorBodies.HeaderName].ToString());
        byte[] decompressed = Decompress(answer.Bytes, "gzip");
        Assert.Equal(plain.Bytes, decompressed);
        var (json, binary) = BinaryTensorBodies.Split(decompressed, int.Parse(answer.Headers[BinaryTensorBodies.HeaderName].ToString(), CultureInfo.InvariantCulture));
        Assert.Equal(rows * 3, BinaryTensorBodies.DecodeOutputs(json, binary)["probabilities"].Count);
    }

    [Fact]
    public async Task Error_answer_stays_plain()
    {
        string longName = new('x', 2000);
        var answer = await InferAsync(Encoding.UTF8.GetBytes($$"""{"inputs":[{"name":"{{longName}}","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}"""),
            ("Accept-Encoding", "gzip"));

        Assert.Equal(400, answer.Status);
        Assert.True(answer.Bytes.Length >= Http.ServingHttp.MinCompressedAnswerBytes, answer.Body);
        Assert.False(answer.Headers.ContainsKey("Content-Encoding"));
        Assert.Contains("is not an input of model", answer.Error, StringComparison.Ordinal);
    }

    private static string InferJson(int rows) =>
        $$"""{"inputs":[{"name":"input","shape":[{{rows}},4],"datatype":"FP32","data":[{{string.Join(",", Enumerable.Range(0, rows * 4).Select(i => (i % 10 / 10.0).ToString(CultureInfo.InvariantCulture)))}}]}]}""";

    /// <summary>What Triton's Python client sends: gzip.compress for gzip, zlib.compress for deflate.</summary>
    private static byte[] Compress(byte[] data, string contentEncoding)
    {
        var buffer = new MemoryStream();
        using (Stream encoder = contentEncoding.Contains("deflate", StringComparison.OrdinalIgnoreCase)
            ? new ZLibStream(buffer, CompressionLevel.Optimal, leaveOpen: true)
            : new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            encoder.Write(data);
        }

        return buffer.ToArray();
    }

    private static byte[] Decompress(byte[] data, string contentEncoding)
    {
        using Stream decoder = contentEncoding == "deflate"
            ? new ZLibStream(new MemoryStream(data), CompressionMode.Decompress)
            : new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        var plain = new MemoryStream();
        decoder.CopyTo(plain);
        return plain.ToArray();
    }

    private static byte[] GzippedZeros(int length)
    {
        byte[] zeros = new byte[1024 * 1024];
        var buffer = new MemoryStream();
        using (var encoder = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (int written = 0; written < length; written += zeros.Length)
            {
                encoder.Write(zeros);
            }
        }

        return buffer.ToArray();
    }

    private Task<FunctionAnswer> InferAsync(byte[] body, params (string Name, string Value)[] headers) =>
        FunctionCall.RunAsync(FunctionCall.Request(body, "application/json", headers), r => new ModelInfer(models.Harness.Service).Run(r, models.Dense));



}
