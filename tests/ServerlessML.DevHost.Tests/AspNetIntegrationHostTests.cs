using System.Net;
using System.Net.Http.Json;
using System.Text;
using Newtonsoft.Json.Linq;
using ServerlessML.DevHost.Blobs;
using ServerlessML.Testing;

namespace ServerlessML.DevHost.Tests;

[Collection(AspNetIntegrationCollection.Name)]
public sealed class AspNetIntegrationHostTests(AspNetIntegrationHost fixture)
{
    private DevHostRun Run => fixture.Run;

    [Fact]
    public void Worker_reports_asp_net_core_integration_and_loads_every_function()
    {
        var worker = Run.Host.Worker!;

        Assert.NotNull(worker.HttpUri);
        Assert.Equal(15, worker.Functions.Count);
    }

    [Fact]
    public async Task Anonymous_route_answers_without_a_key()
    {
        using var response = await Run.GetAsync("api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(JObject.Parse(await response.Content.ReadAsStringAsync()).Value<bool>("live"));
    }

    [Theory]
    [InlineData(KeyKind.None, HttpStatusCode.Unauthorized)]
    [InlineData(KeyKind.Function, HttpStatusCode.OK)]
    [InlineData(KeyKind.Master, HttpStatusCode.OK)]
    public async Task Function_route_needs_the_function_or_master_key(KeyKind key, HttpStatusCode expected)
    {
        using var response = await Run.GetAsync("api/asp/echo", key);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Key_is_also_accepted_in_the_code_query_parameter_and_a_wrong_key_is_refused()
    {
        using var withCode = await Run.GetAsync($"api/asp/echo?code={DevHostRun.FunctionKey}");
        using var wrong = await Run.GetAsync("api/asp/echo?code=not-a-key");

        Assert.Equal(HttpStatusCode.OK, withCode.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [Theory]
    [InlineData(KeyKind.Function, HttpStatusCode.Unauthorized)]
    [InlineData(KeyKind.Master, HttpStatusCode.OK)]
    public async Task Admin_route_needs_the_master_key(KeyKind key, HttpStatusCode expected)
    {
        using var response = await Run.GetAsync("api/manage/ping", key);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Request_reaches_the_worker_with_route_values_query_headers_and_body()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/asp/echo/42?q=hello") { Content = new StringContent("ping body", Encoding.UTF8, "text/plain") };
        request.Headers.Add("X-Test", "abc");
        request.Headers.Add("x-functions-key", DevHostRun.FunctionKey);

        using var response = await Run.Client.SendAsync(request);
        var body = JObject.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("asp", Assert.Single(response.Headers.GetValues("X-Echo")));
        Assert.Equal(("HttpRequest", "POST", "42", "hello", "abc", "ping body"), (body.Value<string>("kind"), body.Value<string>("method"), body.Value<string>("id"), body.Value<string>("q"), body.Value<string>("header"), body.Value<string>("body")));
    }

    [Fact]
    public async Task Http_request_data_function_also_works_under_asp_net_core_integration()
    {
        using var response = await Run.GetAsync("api/echo/7?q=x", KeyKind.Function);
        var body = JObject.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(("HttpRequestData", "7", "x"), (body.Value<string>("kind"), body.Value<string>("id"), body.Value<string>("q")));
    }

    [Fact]
    public async Task Complex_segment_route_reaches_its_function_with_the_parameter()
    {
        using var response = await Run.SendAsync(HttpMethod.Post, "api/v1/models/adult-income:predict", content: new StringContent("{}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("adult-income", JObject.Parse(await response.Content.ReadAsStringAsync()).Value<string>("model"));
    }

    [Theory]
    [InlineData("GET", "api/no/such/route")]
    [InlineData("GET", "api/v1/models/adult-income:predict")]
    [InlineData("GET", "health")]
    public async Task Unknown_route_wrong_method_or_missing_prefix_is_404(string method, string path)
    {
        using var response = await Run.SendAsync(new HttpMethod(method), path, KeyKind.Master);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Failing_function_gives_500_and_is_logged()
    {
        using var response = await Run.GetAsync("api/throws");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        await Eventually.TrueAsync(() => Task.FromResult(Run.Logs.Contains("This function always fails.")), "the failure in the log");
    }

    [Fact]
    public async Task Uploaded_blob_reaches_the_blob_client_function_once()
    {
        await fixture.UploadAsync("incoming", "once.txt", "first content");

        string marker = await Eventually.GetAsync(() => fixture.ReadMarkerAsync("incoming/once.txt"), "the blob trigger's marker");
        Assert.Equal("first content", JObject.Parse(marker).Value<string>("content"));

        // Its receipt is complete, so the same version is never delivered again.
        var again = await Run.Host.BlobDispatcher.EnqueueAsync(new BlobTriggerWork("OnIncomingBlob", fixture.Container("incoming"), "once.txt", null, BlobEventSource.Webhook));
        Assert.Equal(BlobDeliveryResult.AlreadyDelivered, again);
    }

    [Fact]
    public async Task Changed_blob_is_delivered_again()
    {
        await fixture.UploadAsync("incoming", "changing.txt", "version one");
        await Eventually.TrueAsync(async () => (await fixture.ReadMarkerAsync("incoming/changing.txt"))?.Contains("version one", StringComparison.Ordinal) == true, "the first version's delivery");

        await fixture.UploadAsync("incoming", "changing.txt", "version two");

        await Eventually.TrueAsync(async () => (await fixture.ReadMarkerAsync("incoming/changing.txt"))?.Contains("version two", StringComparison.Ordinal) == true, "the second version's delivery");
    }

    [Fact]
    public async Task Byte_array_function_gets_the_blob_content()
    {
        await fixture.UploadAsync("bytes", "data.bin", "12345");

        string marker = await Eventually.GetAsync(() => fixture.ReadMarkerAsync("bytes/data.bin"), "the byte[] trigger's marker");
        Assert.Equal(5, JObject.Parse(marker).Value<int>("length"));
    }

    [Fact]
    public async Task Stream_function_gets_the_content_and_every_path_token()
    {
        await fixture.UploadAsync("streams", "adult-income/2.onnx", "model bytes");

        string marker = await Eventually.GetAsync(() => fixture.ReadMarkerAsync("streams/adult-income/2.onnx"), "the Stream trigger's marker");
        var json = JObject.Parse(marker);
        Assert.Equal(("adult-income", "2.onnx", "model bytes"), (json.Value<string>("folder"), json.Value<string>("name"), json.Value<string>("content")));
    }

    [Fact]
    public async Task Blob_that_always_fails_goes_to_the_poison_list_after_the_threshold()
    {
        var blob = await fixture.UploadAsync("poison", "bad.txt", "cannot be processed");
        var poison = await Eventually.GetAsync(
            async () => (await Run.Host.PoisonQueue.PeekAsync(CancellationToken.None)).FirstOrDefault(m => m.ContainerName == fixture.Container("poison") && m.BlobName == "bad.txt"),
            "the poison queue entry");

        // host.json of the test worker sets poisonBlobThreshold 3: three attempts, then the poison list.
        Assert.Equal(3, (await fixture.ListMarkersAsync("poison/bad.txt/")).Count);
        Assert.Equal("Host.Functions.OnPoisonBlob", poison.FunctionId);
        var receipt = await Run.Host.Receipts.ReadAsync(new BlobDeliveryKey("OnPoisonBlob", fixture.Container("poison"), "bad.txt", (await blob.GetPropertiesAsync()).Value.ETag.ToString()), CancellationToken.None);
        Assert.Equal((true, true, 3), (receipt!.IsCompleted, receipt.Poisoned, receipt.FailedAttempts));
        Assert.Contains("bad.txt cannot be processed", receipt.LastError, StringComparison.Ordinal);
        Assert.True(Run.Logs.Contains("went to the poison list"));
    }

    [Fact]
    public async Task Timer_fires_on_its_schedule()
    {
        string name = (await Eventually.GetAsync(async () => (await fixture.ListMarkersAsync("timer/scheduled/")).FirstOrDefault(), "a scheduled timer run"))!;

        Assert.False(JObject.Parse((await fixture.ReadMarkerAsync(name))!).Value<bool>("IsPastDue"));
    }

    [Fact]
    public async Task Timer_runs_now_through_the_admin_api()
    {
        using var response = await Run.RunNowAsync("OnDemand");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Eventually.GetAsync(async () => (await fixture.ListMarkersAsync("timer/ondemand/")).FirstOrDefault(), "the on-demand timer run");
    }

    [Fact]
    public async Task Http_function_runs_now_through_the_admin_api()
    {
        using var response = await Run.RunNowAsync("Health");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Eventually.TrueAsync(() => Task.FromResult(Run.Logs.Contains("Health answered the admin run with 200")), "the admin run's answer in the log");
    }

    [Fact]
    public async Task Admin_api_refuses_the_function_key_and_unknown_functions()
    {
        using var withFunctionKey = await Run.SendAsync(HttpMethod.Post, "admin/functions/OnDemand", KeyKind.Function, JsonContent.Create(new { input = "" }));
        using var unknown = await Run.RunNowAsync("NoSuchFunction");

        Assert.Equal(HttpStatusCode.Unauthorized, withFunctionKey.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Host_status_says_running_with_the_worker()
    {
        using var response = await Run.GetAsync("admin/host/status", KeyKind.Master);
        var status = JObject.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal("Running", status.Value<string>("state"));
        Assert.Equal(15, status["worker"]!.Value<int>("functions"));
    }
}
