using System.Net;
using Newtonsoft.Json.Linq;
using ServerlessML.Registry;
using ServerlessML.Testing;
using ServerlessML.Testing.Onnx;

namespace ServerlessML.EndToEnd.Tests;

/// <summary>Deploying by blob upload, through the app's blob trigger, and managing traffic over HTTP.</summary>
[Collection(ServerlessMLAppCollection.Name)]
public sealed class DeploymentTests(ServerlessMLApp app)
{
    private const string FixedRequest = """{"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6]}]}""";

    private RegistryStore Store => new(app.Run.Storage);

    private Task<ModelVersionRecord> DeployedAsync(string model, string version) =>
        Eventually.GetAsync(async () =>
        {
            var entry = (await Store.ReadRecordAsync(model))?.Record.FindVersion(version);
            return entry?.State is ModelVersionStates.Ready or ModelVersionStates.Failed ? entry : null;
        }, $"models/{model}/{version} to be deployed or refused");

    private async Task<string?> VersionServedAsync(string model)
    {
        using var response = await app.PostJsonAsync($"v2/models/{model}/infer", FixedRequest);
        return response.StatusCode == HttpStatusCode.OK ? response.Headers.GetValues("x-model-version").Single() : null;
    }

    [Fact]
    public async Task Uploaded_versions_are_served_and_a_rollback_over_http_returns_to_the_first()
    {
        string model = TestStorage.UniqueName("e2e");
        await app.UploadAsync("models", $"{model}/1.onnx", BinaryData.FromBytes(TestModels.FixedShape.Bytes()));
        Assert.Equal(ModelVersionStates.Ready, (await DeployedAsync(model, "1")).State);
        await app.UploadAsync("models", $"{model}/2.onnx", BinaryData.FromBytes(TestModels.FixedShape.Bytes()));
        Assert.Equal(ModelVersionStates.Ready, (await DeployedAsync(model, "2")).State);

        string servedAfterUpload = await Eventually.GetAsync(async () => await VersionServedAsync(model) is "2" ? "2" : null, "version 2 to be served");
        using var rollback = await app.Run.SendAsync(HttpMethod.Post, $"management/models/{model}/rollback", KeyKind.Master);
        string servedAfterRollback = await Eventually.GetAsync(async () => await VersionServedAsync(model) is "1" ? "1" : null, "version 1 to be served again");

        Assert.Equal("2", servedAfterUpload);
        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        Assert.Equal("1", servedAfterRollback);
        var events = await new RegistryEvents(Store).ListAsync(model);
        Assert.Contains(events, e => e.Kind == RegistryEventKinds.Promoted && e.Version == "2");
        Assert.Contains(events, e => e.Kind == RegistryEventKinds.RolledBack && e.Version == "1");
    }

    [Fact]
    public async Task A_broken_upload_is_recorded_as_failed_and_production_keeps_serving()
    {
        string model = TestStorage.UniqueName("e2e");
        await app.UploadAsync("models", $"{model}/1.onnx", BinaryData.FromBytes(TestModels.FixedShape.Bytes()));
        await DeployedAsync(model, "1");

        await app.UploadAsync("models", $"{model}/2.onnx", BinaryData.FromBytes(TestModels.Invalid.NotAModel()));
        var failed = await DeployedAsync(model, "2");

        Assert.Equal(ModelVersionStates.Failed, failed.State);
        Assert.False(string.IsNullOrEmpty(failed.Reason));
        Assert.Equal("1", (await Store.ReadRecordAsync(model))!.Record.Traffic.Production);
        Assert.Equal("1", await VersionServedAsync(model));
    }

    [Fact]
    public async Task Http_requests_all_succeed_while_production_is_switched_and_rolled_back_ten_times()
    {
        string model = TestStorage.UniqueName("swap");
        await app.UploadAsync("models", $"{model}/a.onnx", BinaryData.FromBytes(TestModels.FixedShape.Bytes()));
        await DeployedAsync(model, "a");
        await app.UploadAsync("models", $"{model}/b.onnx", BinaryData.FromBytes(TestModels.FixedShape.Bytes()));
        await DeployedAsync(model, "b");
        await Eventually.GetAsync(async () => await VersionServedAsync(model) is "b" ? "b" : null, "version b to be served");
        var versions = new System.Collections.Concurrent.ConcurrentBag<string>();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        string? lastSeen = null;

        // Four callers over loopback HTTP, each bounded in requests, until the switching is done.
        var callers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < 20_000 && !stop.IsCancellationRequested; i++)
            {
                using var response = await app.PostJsonAsync($"v2/models/{model}/infer", FixedRequest);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Add($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                    continue;
                }

                string version = response.Headers.GetValues("x-model-version").Single();
                versions.Add(version);
                Volatile.Write(ref lastSeen, version);
            }
        })).ToList();

        for (int round = 0; round < 10; round++)
        {
            using var rollback = await app.Run.SendAsync(HttpMethod.Post, $"management/models/{model}/rollback", KeyKind.Master);
            Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
            await Eventually.GetAsync(() => Task.FromResult(Volatile.Read(ref lastSeen) == "a" ? "a" : null), $"round {round}: callers to see version a");
            using var promote = await app.Run.SendAsync(HttpMethod.Post, $"management/models/{model}/promote", KeyKind.Master,
                new StringContent("""{"version":"b"}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, promote.StatusCode);
            await Eventually.GetAsync(() => Task.FromResult(Volatile.Read(ref lastSeen) == "b" ? "b" : null), $"round {round}: callers to see version b");
        }

        stop.Cancel();
        await Task.WhenAll(callers);

        Assert.Empty(failures);
        Assert.All(versions, v => Assert.Contains(v, new[] { "a", "b" }));
        Assert.Contains("a", versions);
        Assert.Contains("b", versions);
    }

    [Fact]
    public async Task Management_api_needs_the_master_key()
    {
        using var withFunctionKey = await app.Run.GetAsync("management/models", KeyKind.Function);
        using var withMasterKey = await app.Run.GetAsync("management/models", KeyKind.Master);

        Assert.Equal(HttpStatusCode.Unauthorized, withFunctionKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withMasterKey.StatusCode);
        Assert.Contains(JArray.Parse(await withMasterKey.Content.ReadAsStringAsync()), m => (string?)m["name"] == ServerlessMLApp.SampleModel);
    }
}
