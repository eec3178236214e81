using System.Net;
using System.Net.Http.Json;
using System.Text;
using Newtonsoft.Json.Linq;
using ServerlessML.DevHost.Blobs;
using ServerlessML.Testing;

namespace ServerlessML.DevHost.Tests;

[Collection(GrpcHttpCollection.Name)]
public sealed class GrpcHttpHostTests(GrpcHttpHost fixture)
{
    private DevHostRun Run => fixture.Run;

    private static string Webhook(string function) => $"runtime/webhooks/blobs?functionName=Host.Functions.{function}";

    [Fact]
    public async Task Request_travels_over_grpc_with_route_values_query_headers_body_and_cookies()
    {
        Assert.Null(Run.Host.Worker!.HttpUri);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/echo/7?q=hello") { Content = new StringContent("grpc body", Encoding.UTF8, "text/plain") };
        request.Headers.Add("X-Test", "abc");
        request.Headers.Add("x-functions-key", DevHostRun.FunctionKey);

        using var response = await Run.Client.SendAsync(request);
        var body = JObject.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("data", Assert.Single(response.Headers.GetValues("X-Echo")));
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("echo=cookie", StringComparison.Ordinal));
        Assert.Equal(("HttpRequestData", "POST", "7", "hello", "abc", "grpc body"), (body.Value<string>("kind"), body.Value<string>("method"), body.Value<string>("id"), body.Value<string>("q"), body.Value<string>("header"), body.Value<string>("body")));
    }

    [Fact]
    public async Task Optional_route_parameter_may_be_left_out()
    {
        using var response = await Run.GetAsync("api/echo", KeyKind.Function);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(JTokenType.Null, JObject.Parse(await response.Content.ReadAsStringAsync())["id"]!.Type);
    }

    [Fact]
    public async Task Function_route_refuses_a_request_without_a_key()
    {
        using var response = await Run.GetAsync("api/echo/1");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Failing_function_gives_500()
    {
        using var response = await Run.GetAsync("api/throws-data");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    [Fact]
    public async Task Webhook_answers_the_event_grid_validation_handshake()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Webhook("OnHookedBlob"))
        {
            Content = new StringContent("""[{ "id": "1", "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent", "data": { "validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" } }]"""),
        };
        request.Headers.Add("aeg-event-type", "SubscriptionValidation");
        request.Headers.Add("x-functions-key", DevHostRun.MasterKey);

        using var response = await Run.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", JObject.Parse(await response.Content.ReadAsStringAsync()).Value<string>("validationResponse"));
    }

    [Fact]
    public async Task Blob_created_event_on_the_webhook_reaches_the_function()
    {
        var blob = await fixture.UploadAsync("hooked", "event.bin", "from event grid");
        var properties = (await blob.GetPropertiesAsync()).Value;
        var events = $"[{BlobEvents.CreateBlobCreated(blob.Uri, fixture.Container("hooked"), "event.bin", properties.ETag.ToString(), properties.ContentLength, properties.ContentType)}]";
        using var request = new HttpRequestMessage(HttpMethod.Post, Webhook("OnHookedBlob")) { Content = new StringContent(events, Encoding.UTF8, "application/json") };
        request.Headers.Add("aeg-event-type", "Notification");
        request.Headers.Add("x-functions-key", DevHostRun.MasterKey);

        using var response = await Run.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        string marker = (await Eventually.GetAsync(async () => (await fixture.ListMarkersAsync("hooked/event.bin/")).FirstOrDefault(), "the webhook-triggered run"))!;
        Assert.Equal(15, JObject.Parse((await fixture.ReadMarkerAsync(marker))!).Value<int>("length"));
    }

    [Theory]
    [InlineData(KeyKind.Function, "OnHookedBlob", HttpStatusCode.Unauthorized)]
    [InlineData(KeyKind.Master, "NoSuchFunction", HttpStatusCode.NotFound)]
    [InlineData(KeyKind.Master, "", HttpStatusCode.BadRequest)]
    public async Task Webhook_refuses_without_the_master_key_or_a_known_blob_function(KeyKind key, string function, HttpStatusCode expected)
    {
        string path = function.Length == 0 ? "runtime/webhooks/blobs" : Webhook(function);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("[]") };
        request.Headers.Add("aeg-event-type", "Notification");
        request.Headers.Add("x-functions-key", key == KeyKind.Master ? DevHostRun.MasterKey : DevHostRun.FunctionKey);

        using var response = await Run.Client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Blob_function_runs_now_through_the_admin_api_with_the_blob_path_as_input()
    {
        await fixture.UploadAsync("hooked", "manual.bin", "12");

        using var response = await Run.RunNowAsync("OnHookedBlob", $"{fixture.Container("hooked")}/manual.bin");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Eventually.GetAsync(async () => (await fixture.ListMarkersAsync("hooked/manual.bin/")).FirstOrDefault(), "the admin-run blob function");
    }

    [Fact]
    public async Task Blob_run_without_a_blob_path_is_refused()
    {
        using var response = await Run.RunNowAsync("OnHookedBlob");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("<container>/<blob name>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Crashed_worker_is_reported_and_restarted()
    {
        int before = Run.Host.Worker!.Generation;

        // The worker exits in the middle of the invocation: the caller gets 503, not a hang.
        using var crash = await Run.SendAsync(HttpMethod.Post, "api/crash", KeyKind.Master);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, crash.StatusCode);

        var worker = await Eventually.GetAsync(() => Task.FromResult(Run.Host.Worker is { } w && w.Generation > before ? w : null), "the restarted worker");
        using var after = await Run.GetAsync("api/echo/after", KeyKind.Function);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.True(Run.Logs.Contains("exited unexpectedly with code 3"));
        Assert.Equal(15, worker.Functions.Count);
    }
}
