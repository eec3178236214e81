using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessML.Inference;
using ServerlessML.Registry;
using ServerlessML.Testing;
using ServerlessML.Testing.Onnx;

namespace ServerlessML.Tests.Inference;

public class ModelWarmupTests(IsolatedStorageFixture fixture) : IClassFixture<IsolatedStorageFixture>, IAsyncLifetime
{
    private static readonly byte[] Dense = TestModels.DenseNetwork.Bytes();

    private RegistryStore Store => fixture.Storage.Store;

    public Task InitializeAsync() => fixture.Storage.EmptyRegistryAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Warm_up_loads_each_production_and_canary_version_so_the_first_request_loads_nothing()
    {
        await Store.PublishAsync("alpha", "1", BinaryData.FromBytes(Dense));
        await Store.PublishAsync("beta", "1", BinaryData.FromBytes(Dense));
        await Store.PublishAsync("gamma", "1", BinaryData.FromBytes(Dense));
        await Store.PublishAsync("gamma", "2", BinaryData.FromBytes(Dense));
        await Store.UpdateRecordAsync("gamma", r =>
        {
            r.Traffic.Production = "1";
            r.Traffic.Canary = new CanaryPolicy { Version = "2", Percent = 10 };
        });
        using var serving = new WarmedServing(Store, new ServingOptions());

        var summary = await serving.Warmup.WarmAsync();

        Assert.Equal(
            [("alpha", "1", RouteKind.Production), ("beta", "1", RouteKind.Production), ("gamma", "1", RouteKind.Production), ("gamma", "2", RouteKind.Canary)],
            summary.Versions.Select(v => (v.Model, v.Version, v.Route)));
        Assert.All(summary.Versions, v => Assert.Equal(WarmupResult.Loaded, v.Result));
        Assert.All(summary.Versions, v => Assert.True(serving.Sessions.IsLoaded(v.Model, v.Version), $"{v.Model} {v.Version} is not loaded"));
        Assert.Equal(4, serving.Loads);
        Assert.True(serving.Logs.Contains("Warm-up warmed 4 of 4 production and canary versions"), string.Join("\n", serving.Logs.Lines));

        var response = await serving.Service.InferAsync(new ServingRequest("alpha", Json.Body("""{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""")));

        Assert.Equal("1", response.ModelVersion);
        Assert.Equal(4, serving.Loads);
    }

    [Fact]
    public async Task The_memory_budget_stops_the_warm_up_without_unloading_a_loaded_session()
    {
        await Store.PublishAsync("a-first", "1", BinaryData.FromBytes(Dense));
        await Store.PublishAsync("b-second", "1", BinaryData.FromBytes(Dense));
        await Store.PublishAsync("c-in-use", "1", BinaryData.FromBytes(Dense));
        // Room for two sessions at the default estimate of twice the file size.
        using var serving = new WarmedServing(Store, new ServingOptions { SessionMemoryBudgetBytes = (Dense.LongLength * 4) + 1 });
        (await serving.Sessions.AcquireAsync("c-in-use", "1")).Dispose(); // a request got there first

        var summary = await serving.Warmup.WarmAsync();

        Assert.Equal(WarmupResult.Loaded, summary.Find("a-first", "1")?.Result);
        Assert.Equal(WarmupResult.OverMemoryBudget, summary.Find("b-second", "1")?.Result);
        Assert.Equal(WarmupResult.AlreadyLoaded, summary.Find("c-in-use", "1")?.Result);
        Assert.Equal([("a-first", "1"), ("c-in-use", "1")], serving.Sessions.LoadedVersions().Order());
        Assert.Equal(2, serving.Loads); // b-second was never loaded, so nothing was pushed out for it
        Assert.True(serving.Logs.Contains("skipped b-second 1: over the memory budget"), string.Join("\n", serving.Logs.Lines));
    }

    [Fact]
    public async Task A_version_that_fails_to_load_is_logged_and_left_to_requests_while_the_others_warm()
    {
        await Store.PublishAsync("a-broken", "1", BinaryData.FromBytes(TestModels.Invalid.Truncated()));
        await Store.PublishAsync("b-good", "1", BinaryData.FromBytes(Dense));
        await Store.PublishAsync("c-good", "1", BinaryData.FromBytes(Dense));
        using var serving = new WarmedServing(Store, new ServingOptions());

        var summary = await serving.Warmup.WarmAsync();

        Assert.Equal(WarmupResult.Failed, summary.Find("a-broken", "1")?.Result);
        Assert.True(serving.Sessions.IsLoaded("b-good", "1"));
        Assert.True(serving.Sessions.IsLoaded("c-good", "1"));
        Assert.True(serving.Logs.Contains("Warm-up could not load model a-broken version 1"), string.Join("\n", serving.Logs.Lines));
        Assert.True(serving.Logs.Contains("warmed 2 of 3"), string.Join("\n", serving.Logs.Lines));
        var request = await Assert.ThrowsAsync<ServingException>(() => serving.Sessions.AcquireAsync("a-broken", "1"));
        Assert.Equal(ServingErrorCode.Unavailable, request.Code);
        Assert.NotNull(request.RetryAfter);
    }

    [Fact]
    public async Task Canceling_stops_the_warm_up_before_it_starts_the_remaining_loads()
    {
        await Store.PublishAsync("a-held", "1", BinaryData.FromBytes(Dense));
        await Store.PublishAsync("b-held", "1", BinaryData.FromBytes(Dense));
        await Store.PublishAsync("c-never", "1", BinaryData.FromBytes(Dense));
        using var serving = new WarmedServing(Store, new ServingOptions());
        serving.Gate = new TaskCompletionSource();
        using var cancel = new CancellationTokenSource();

        var warming = serving.Warmup.WarmAsync(cancel.Token);
        await serving.WaitForLoadsAsync(ModelWarmup.Concurrency);
        await cancel.CancelAsync();
        var summary = await warming;
        serving.Gate.SetResult();

        Assert.True(summary.Canceled);
        Assert.All(summary.Versions, v => Assert.Equal(WarmupResult.Canceled, v.Result));
        Assert.Equal(["a-held", "b-held"], serving.Started.Order());
        Assert.True(serving.Logs.Contains("Warm-up was canceled after warming 0 of 3"), string.Join("\n", serving.Logs.Lines));
    }

    [Fact]
    public async Task Models_past_the_model_limit_are_named_and_not_loaded()
    {
        await Store.PublishAsync("a-within", "1", BinaryData.FromBytes(Dense));
        await Store.PublishAsync("b-past", "1", BinaryData.FromBytes(Dense));
        using var serving = new WarmedServing(Store, new ServingOptions { WarmUpMaxModels = 1 });

        var summary = await serving.Warmup.WarmAsync();

        Assert.Equal(["a-within"], summary.Versions.Select(v => v.Model));
        Assert.Equal(["b-past"], summary.ModelsOverLimit);
        Assert.Equal([("a-within", "1")], serving.Sessions.LoadedVersions());
        Assert.True(serving.Logs.Contains("b-past: over Serving:WarmUpMaxModels (1)"), string.Join("\n", serving.Logs.Lines));
    }

    [Fact]
    public async Task Without_a_registry_container_the_warm_up_loads_nothing_and_warns_of_nothing()
    {
        await Store.Container.DeleteAsync(); // a new storage account, before the first deployment
        using var serving = new WarmedServing(Store, new ServingOptions());

        var summary = await serving.Warmup.WarmAsync();

        Assert.Empty(summary.Versions);
        Assert.DoesNotContain(serving.Logs.Lines, l => l.Contains("Warning", StringComparison.Ordinal));
        Assert.True(serving.Logs.Contains("Warm-up warmed 0 of 0"), string.Join("\n", serving.Logs.Lines));
    }

    [Fact]
    public void A_negative_model_limit_is_refused_naming_the_setting()
    {
        using var serving = new WarmedServing(Store, new ServingOptions());

        var e = Assert.Throws<InvalidOperationException>(() =>
            new ModelWarmup(Store, serving.Sessions, new ServingOptions { WarmUpMaxModels = -1 }, NullLogger<ModelWarmup>.Instance));

        Assert.Contains("Serving:WarmUpMaxModels is -1", e.Message);
    }

    /// <summary>The serving path over the isolated registry, with a loader that counts its loads and can hold them back.</summary>
    private sealed class WarmedServing : IDisposable
    {
        private readonly ModelLoader _loader;
        private readonly ConcurrentQueue<string> _started = new();
        private readonly ILoggerFactory _loggers;
        private readonly SemaphoreSlim _loadStarted = new(0);

        public WarmedServing(RegistryStore store, ServingOptions options)
        {
            _loggers = LoggerFactory.Create(b => b.AddProvider(Logs));
            _loader = new ModelLoader(store, options);
            Sessions = new SessionCache(options, LoadAsync, _loggers.CreateLogger<SessionCache>());
            Warmup = new ModelWarmup(store, Sessions, options, _loggers.CreateLogger<ModelWarmup>());
            Service = new InferenceService(new ModelRouter(new RecordCache(store, options.RecordRefreshInterval)), Sessions, store,
                Options.Create(options), [], NullLogger<InferenceService>.Instance);
        }

        public CapturedLogs Logs { get; } = new();

        public SessionCache Sessions { get; }

        public ModelWarmup Warmup { get; }

        public InferenceService Service { get; }

        public TaskCompletionSource? Gate { get; set; }

        public int Loads => _started.Count;

        public IEnumerable<string> Started => _started;

        public async Task WaitForLoadsAsync(int count)
        {
            for (int i = 0; i < count; i++)
            {
                Assert.True(await _loadStarted.WaitAsync(Eventually.DefaultTimeout), $"Gave up waiting for load {i + 1} of {count} to start.");
            }
        }

        public void Dispose()
        {
            Sessions.Dispose();
            _loggers.Dispose();
            _loadStarted.Dispose();
        }

        private async Task<LoadedModel> LoadAsync(string model, string version, CancellationToken cancellationToken)
        {
            _started.Enqueue(model);
            _loadStarted.Release();
            if (Gate is { } gate)
            {
                await gate.Task;
            }

            return await _loader.LoadAsync(model, version, cancellationToken);
        }
    }
}
