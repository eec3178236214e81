using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Newtonsoft.Json.Linq;
using ServerlessML.DevHost.Http;
using ServerlessML.Testing;

namespace ServerlessML.EndToEnd.Tests;

/// <summary>HTTP compression through DevHost, as Triton's HTTP client uses it (request_ and response_compression_algorithm="gzip").</summary>
[Collection(ServerlessMLAppCollection.Name)]
public sealed class CompressionTests(ServerlessMLApp app)
{
    private static string InferPath => $"v2/models/{ServerlessMLApp.SampleModel}/infer";

    [Fact]
    public async Task Gzip_request_asking_for_gzip_is_answered_in_gzip_with_the_plain_answer()
    {
        // The sample's two rows, 25 times over: an answer well over the size below which answers stay plain.
        string json = Repeated(JObject.Parse(await File.ReadAllTextAsync(ServerlessMLApp.SampleFile("requests", "v2-infer.json"))), 25);
        using var request = new HttpRequestMessage(HttpMethod.Post, InferPath) { Content = new ByteArrayContent(Gzip(System.Text.Encoding.UTF8.GetBytes(json))) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Content.Headers.ContentEncoding.Add("gzip");
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        request.Headers.Add(HostKeys.KeyHeader, DevHostRun.FunctionKey);

        // Run.Client does not decompress (no AutomaticDecompression), so the answer arrives as the server sent it.
        using var compressed = await app.Run.Client.SendAsync(request);
        using var plain = await app.PostJsonAsync(InferPath, json);

        byte[] body = await compressed.Content.ReadAsByteArrayAsync();
        Assert.True(compressed.StatusCode == HttpStatusCode.OK, System.Text.Encoding.UTF8.GetString(body));
        Assert.Equal("gzip", Assert.Single(compressed.Content.Headers.ContentEncoding));
        Assert.Contains("Accept-Encoding", compressed.Headers.Vary);
        Assert.Equal(body.Length, compressed.Content.Headers.ContentLength);
        var answer = JObject.Parse(System.Text.Encoding.UTF8.GetString(Gunzip(body)));
        var expected = JObject.Parse(await plain.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Empty(plain.Content.Headers.ContentEncoding);
        Assert.Equal(50, (int)answer["outputs"]![0]!["shape"]![0]!);
        Assert.True(JToken.DeepEquals(expected["outputs"], answer["outputs"]), $"expected {expected["outputs"]}, got {answer["outputs"]}");
    }

    [Fact]
    public async Task Brotli_request_is_415()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, InferPath) { Content = new ByteArrayContent([1, 2, 3]) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Content.Headers.ContentEncoding.Add("br");
        request.Headers.Add(HostKeys.KeyHeader, DevHostRun.FunctionKey);

        using var response = await app.Run.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("expected one of gzip, deflate", (string?)JObject.Parse(await response.Content.ReadAsStringAsync())["error"]);
    }

    /// <summary>The sample request with every input's rows repeated <paramref name="times"/> times.</summary>
    private static string Repeated(JObject sample, int times)
    {
        foreach (var input in sample["inputs"]!)
        {
            var data = (JArray)input["data"]!;
            var rows = data.ToArray();
            data.Clear();
            for (int i = 0; i < times; i++)
            {
                foreach (var row in rows)
                {
                    data.Add(row.DeepClone());
                }
            }

            input["shape"]![0] = (int)input["shape"]![0]! * times;
        }

        return sample.ToString(Newtonsoft.Json.Formatting.None);
    }

    private static byte[] Gzip(byte[] data)
    {
        var buffer = new MemoryStream();
        using (var encoder = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            encoder.Write(data);
        }

        return buffer.ToArray();
    }

    private static byte[] Gunzip(byte[] data)
    {
        using var decoder = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        var plain = new MemoryStream();
        decoder.CopyTo(plain);
        return plain.ToArray();
    }
}
