using ServerlessML.Registry;
using ServerlessML.Testing;

namespace ServerlessML.Tests.Deployment;

public class RegistryEventsTests
{
    [Fact]
    public async Task Events_in_the_same_millisecond_are_all_kept_in_order()
    {
        var store = new RegistryStore(await TestStorage.ServiceClientAsync());
        await store.EnsureContainerAsync();
        var events = new RegistryEvents(store);
        string model = TestStorage.UniqueName("ev");
        var time = DateTimeOffset.UtcNow;

        var paths = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            paths.Add(await events.AppendAsync(new RegistryEvent { Time = time, Model = model, Version = "1", Kind = RegistryEventKinds.Failed, Reason = $"attempt {i}" }));
        }

        Assert.Equal(3, paths.Distinct().Count());
        var listed = await events.ListAsync(model);
        Assert.Equal(["attempt 0", "attempt 1", "attempt 2"], listed.Select(e => e.Reason));
        Assert.All(listed, e => Assert.Equal(model, e.Model));
    }
}
