using ServerlessML.Registry;
using ServerlessML.Testing;

namespace ServerlessML.Tests;

public class RegistryStoreTests
{
    private static async Task<RegistryStore> StoreAsync()
    {
        var store = new RegistryStore(await TestStorage.ServiceClientAsync());
        await store.EnsureContainerAsync();
        return store;
    }

    [Fact]
    public async Task Concurrent_record_updates_all_land()
    {
        var store = await StoreAsync();
        string model = TestStorage.UniqueName("cas");

        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => store.UpdateRecordAsync(model, r =>
            r.Versions.Add(new ModelVersionRecord { Version = $"v{i}", RegisteredUtc = DateTimeOffset.UtcNow }))));

        var record = await store.ReadRecordAsync(model);
        Assert.NotNull(record);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"v{i}").Order(), record.Record.Versions.Select(v => v.Version).Order());
    }

    [Fact]
    public async Task Conditional_read_reports_no_change_until_the_record_is_written()
    {
        var store = await StoreAsync();
        string model = TestStorage.UniqueName("etag");
        var written = await store.UpdateRecordAsync(model, r => r.Traffic.Production = "1");

        var unchanged = await store.ReadRecordIfChangedAsync(model, written.ETag);
        await store.UpdateRecordAsync(model, r => r.Traffic.Production = "2");
        var changed = await store.ReadRecordIfChangedAsync(model, written.ETag);

        Assert.False(unchanged.Changed);
        Assert.True(changed.Changed);
        Assert.Equal("2", changed.Record!.Record.Traffic.Production);
    }

    [Fact]
    public async Task Publishing_a_new_version_keeps_the_previous_production_for_rollback()
    {
        var store = await StoreAsync();
        string model = TestStorage.UniqueName("pub");

        await store.PublishAsync(model, "1", BinaryData.FromBytes([1, 2, 3]));
        await store.PublishAsync(model, "2", BinaryData.FromBytes([4, 5, 6]));

        var record = (await store.ReadRecordAsync(model))!.Record;
        Assert.Equal("2", record.Traffic.Production);
        Assert.Equal(["1"], record.ProductionHistory);
        Assert.Equal("787c798e39a5bc1910355bae6d0cd87a36b2e10fd0202a83e3bb6b005da83472", record.FindVersion("2")!.Sha256);
        Assert.Equal(new byte[] { 4, 5, 6 }, (await store.DownloadVersionFileAsync(model, "2", RegistryPaths.ModelFileName))!.ToArray());
    }

    [Theory]
    [InlineData("../etc", false)]
    [InlineData("a/b", false)]
    [InlineData("Upper", false)]
    [InlineData("-lead", false)]
    [InlineData("adult-income", true)]
    [InlineData("m0", true)]
    public void Model_names_that_could_leave_the_container_are_refused(string name, bool valid)
    {
        Assert.Equal(valid, ModelNames.IsValidModel(name));
        if (!valid)
        {
            Assert.Throws<ArgumentException>(() => RegistryPaths.Record(name));
        }
    }

    [Theory]
    [InlineData("..", false)]
    [InlineData(".hidden", false)]
    [InlineData("1/2", false)]
    [InlineData("1.0.3-rc_1", true)]
    public void Versions_may_hold_dots_but_never_start_with_one_or_hold_a_slash(string version, bool valid)
    {
        Assert.Equal(valid, ModelNames.IsValidVersion(version));
    }
}
