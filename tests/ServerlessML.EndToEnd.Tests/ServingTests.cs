using System.Net;
using Newtonsoft.Json.Linq;
using ServerlessML.DevHost.Http;
using ServerlessML.Testing;

namespace ServerlessML.EndToEnd.Tests;

/// <summary>The app's HTTP surface through DevHost, as a client sees it.</summary>
[Collection(ServerlessMLAppCollection.Name)]
public sealed class ServingTests(ServerlessMLApp app)
{
    private DevHostRun Run => app.Run;

    [Fact]
    public async Task Liveness_is_anonymous()
    {
        using var response = await Run.GetAsync("v2/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(JObject.Parse(await response.Content.ReadAsStringAsync()).Value<bool>("live"));
    }

    [Fact]
    public async Task Every_keyed_route_refuses_a_request_without_a_key()
    {
        var keyed = Run.Host.Routes.Routes.Where(r => r.AuthLevel != AuthorizationLevel.Anonymous).ToList();
        Assert.NotEmpty(keyed);
        foreach (var route in keyed)
        {
            // Any value satisfies an unconstrained parameter; auth is checked before the function runs.
            string path = System.Text.RegularExpressions.Regex.Replace(route.Template, @"\{\*?([^}:=?]+)[^}]*\}", "x");
            string method = route.Methods?.First() ?? "GET";
            using var response = await Run.SendAsync(new HttpMethod(method), path);

            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} ({route.Function.Name}) answered {(int)response.StatusCode} without a key.");
        }
    }

    [Fact]
    public async Task Admin_api_refuses_the_function_key()
    {
        using var response = await Run.GetAsync("admin/host/status", KeyKind.Function);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Model_metadata_describes_the_sample_model()
    {
        using var response = await Run.GetAsync($"v2/models/{ServerlessMLApp.SampleModel}", KeyKind.Function);
        var metadata = JObject.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ServerlessMLApp.SampleModel, metadata.Value<string>("name"));
        Assert.NotEmpty(metadata["inputs"]!);
    }

    [Fact]
    public async Task Sample_v2_request_gets_the_expected_predictions()
    {
        using var response = await app.PostJsonFileAsync($"v2/models/{ServerlessMLApp.SampleModel}/infer", ServerlessMLApp.SampleFile("requests", "v2-infer.json"));
        var body = JObject.Parse(await response.Content.ReadAsStringAsync());
        var expected = JObject.Parse(await File.ReadAllTextAsync(ServerlessMLApp.SampleFile("requests", "expected.json")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var labels = body["outputs"]!.Single(o => o.Value<string>("name") == "PredictedLabel.output")["data"]!.Values<bool>();
        Assert.Equal(expected["outputs"]!.Single(o => o.Value<string>("name") == "PredictedLabel.output")["data"]!.Values<bool>(), labels);
    }

    [Fact]
    public async Task Unknown_model_is_404_with_an_error()
    {
        using var response = await app.PostJsonFileAsync("v2/models/no-such-model/infer", ServerlessMLApp.SampleFile("requests", "v2-infer.json"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no-such-model", JObject.Parse(await response.Content.ReadAsStringAsync()).Value<string>("error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_request_body_is_400_with_an_error()
    {
        using var response = await app.PostJsonAsync($"v2/models/{ServerlessMLApp.SampleModel}/infer", "{ not json");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(string.IsNullOrEmpty(JObject.Parse(await response.Content.ReadAsStringAsync()).Value<string>("error")));
    }
}
