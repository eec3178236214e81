using Microsoft.Extensions.Logging.Abstractions;
using ServerlessML.Inference;
using ServerlessML.Testing.Onnx;

namespace ServerlessML.Tests;

public class SessionCacheTests
{
    /// <summary>A real loader of real models that counts its loads and can hold them back.</summary>
    private sealed class CountingLoader
    {
        private readonly ServingOptions _options;
        private int _loads;

        public CountingLoader(ServingOptions options) => _options = options;

        public int Loads => _loads;

        public TaskCompletionSource? Gate { get; set; }

        public async Task<LoadedModel> LoadAsync(string model, string version, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _loads);
            if (Gate is { } gate)
            {
                await gate.Task;
            }

            byte[] bytes = model.StartsWith("broken", StringComparison.Ordinal) ? TestModels.Invalid.Truncated() : TestModels.DenseNetwork.Bytes();
            return new LoadedModel(OnnxModel.Load(model, version, bytes, _options), null);
        }
    }

    private static (SessionCache Cache, CountingLoader Loader) Create(ServingOptions options)
    {
        var loader = new CountingLoader(options);
        return (new SessionCache(options, loader.LoadAsync, NullLogger<SessionCache>.Instance), loader);
    }

    [Fact]
    public async Task Concurrent_requests_for_one_version_load_it_once_and_share_the_session()
    {
        var (cache, loader) = Create(new ServingOptions());
        loader.Gate = new TaskCompletionSource();
        var leases = Enumerable.Range(0, 16).Select(_ => cache.AcquireAsync("dense", "1")).ToList();
        loader.Gate.SetResult();

        var acquired = await Task.WhenAll(leases);

        Assert.Equal(1, loader.Loads);
        Assert.All(acquired, lease => Assert.Same(acquired[0].Model, lease.Model));
        foreach (var lease in acquired)
        {
            lease.Dispose();
        }

        cache.Dispose();
    }

    [Fact]
    public async Task Least_recently_used_version_is_unloaded_when_the_budget_is_exceeded()
    {
        long modelBytes = TestModels.DenseNetwork.Bytes().LongLength;
        // Room for two sessions at the default estimate of twice the file size.
        var (cache, loader) = Create(new ServingOptions { SessionMemoryBudgetBytes = (modelBytes * 4) + 1 });

        (await cache.AcquireAsync("a", "1")).Dispose();
        (await cache.AcquireAsync("b", "1")).Dispose();
        (await cache.AcquireAsync("a", "1")).Dispose(); // a is now the most recently used
        (await cache.AcquireAsync("c", "1")).Dispose();

        Assert.True(cache.IsLoaded("a", "1"));
        Assert.False(cache.IsLoaded("b", "1"));
        Assert.True(cache.IsLoaded("c", "1"));
        Assert.True(cache.LoadedBytes <= (modelBytes * 4) + 1);
        Assert.Equal(3, loader.Loads);
        cache.Dispose();
    }

    [Fact]
    public async Task A_request_holding_an_evicted_version_can_still_run_it()
    {
        long modelBytes = TestModels.DenseNetwork.Bytes().LongLength;
        var (cache, _) = Create(new ServingOptions { SessionMemoryBudgetBytes = (modelBytes * 2) + 1 });
        using var held = await cache.AcquireAsync("old", "1");

        (await cache.AcquireAsync("new", "1")).Dispose();

        Assert.False(cache.IsLoaded("old", "1"));
        var input = new InferenceTensor("input", TensorDataType.Fp32, [1, 4], new float[] { 1, 2, 3, 4 });
        using var outputs = held.Model.Onnx.Run([input], []);
        Assert.Equal([1L, 3L], outputs[0].Shape);
    }

    [Fact]
    public async Task A_version_that_fails_to_load_is_503_and_not_retried_until_the_delay_passes()
    {
        var (cache, loader) = Create(new ServingOptions { FailedLoadRetryDelay = TimeSpan.FromHours(1) });

        var first = await Assert.ThrowsAsync<ServingException>(() => cache.AcquireAsync("broken", "1"));
        var second = await Assert.ThrowsAsync<ServingException>(() => cache.AcquireAsync("broken", "1"));

        Assert.Equal(ServingErrorCode.Unavailable, first.Code);
        Assert.Contains("could not be loaded", first.Message);
        Assert.Equal(TimeSpan.FromHours(1), first.RetryAfter);
        Assert.Equal(ServingErrorCode.Unavailable, second.Code);
        Assert.Equal(1, loader.Loads);
        cache.Dispose();
    }

    [Fact]
    public async Task A_load_slower_than_the_wait_is_503_with_retry_after_and_goes_on_loading()
    {
        var (cache, loader) = Create(new ServingOptions { ModelLoadWait = TimeSpan.FromMilliseconds(50) });
        loader.Gate = new TaskCompletionSource();

        var e = await Assert.ThrowsAsync<ServingException>(() => cache.AcquireAsync("slow", "1"));
        loader.Gate.SetResult();
        using var lease = await cache.AcquireAsync("slow", "1");

        Assert.Equal(ServingErrorCode.Unavailable, e.Code);
        Assert.NotNull(e.RetryAfter);
        Assert.Equal(1, loader.Loads);
        cache.Dispose();
    }
}
