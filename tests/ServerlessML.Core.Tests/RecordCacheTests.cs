using ServerlessML.Registry;
using ServerlessML.Testing;

namespace ServerlessML.Tests;

public class RecordCacheTests
{
    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task A_traffic_change_is_seen_after_the_refresh_interval_and_not_before()
    {
        var store = new RegistryStore(await TestStorage.ServiceClientAsync());
        await store.EnsureContainerAsync();
        string model = TestStorage.UniqueName("rc");
        await store.UpdateRecordAsync(model, r => r.Traffic.Production = "1");
        var time = new ManualTime();
        var cache = new RecordCache(store, TimeSpan.FromSeconds(3), time);

        var first = await cache.GetAsync(model);
        await store.UpdateRecordAsync(model, r => r.Traffic.Production = "2");
        var withinInterval = await cache.GetAsync(model);
        time.Now += TimeSpan.FromSeconds(3);
        var afterInterval = await cache.GetAsync(model);

        Assert.Equal("1", first!.Traffic.Production);
        Assert.Equal("1", withinInterval!.Traffic.Production);
        Assert.Equal("2", afterInterval!.Traffic.Production);
    }
}
