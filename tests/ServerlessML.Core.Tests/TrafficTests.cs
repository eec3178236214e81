using System.Collections.Concurrent;
using ServerlessML.Inference;
using ServerlessML.Registry;
using ServerlessML.Testing;
using ServerlessML.Testing.Onnx;

namespace ServerlessML.Tests;

public class TrafficTests
{
    private const string FixedRequest = """{"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6]}]}""";

    private sealed class Observed : IPredictionObserver
    {
        public ConcurrentQueue<PredictionEvent> Events { get; } = new();

        public void OnPrediction(PredictionEvent prediction) => Events.Enqueue(prediction);
    }

    private static async Task<(ServingHarness Harness, TrafficSwitch Switch, string Model)> TwoVersionsAsync(Observed? observer = null, TimeSpan? refresh = null)
    {
        var harness = await ServingHarness.CreateAsync(new ServingOptions { RecordRefreshInterval = refresh ?? TimeSpan.FromSeconds(3) }, observer is null ? [] : [observer]);
        string model = await harness.PublishAsync(TestModels.FixedShape.Bytes(), version: "a");
        await harness.PublishAsync(TestModels.FixedShape.Bytes(), version: "b", model: model);
        var traffic = new TrafficSwitch(harness.Store, harness.Records);
        await traffic.SetTrafficAsync(model, new TrafficChange { Production = "a" });
        return (harness, traffic, model);
    }

    private static async Task<string> VersionServedAsync(ServingHarness harness, string model, string? routingKey = null) =>
        (await harness.Service.InferAsync(new ServingRequest(model, Json.Body(FixedRequest)) { RoutingKey = routingKey })).ModelVersion!;

    [Fact]
    public async Task Canary_at_zero_and_at_a_hundred_percent_takes_none_and_all_of_the_traffic()
    {
        var (harness, traffic, model) = await TwoVersionsAsync();
        using var _ = harness;

        await traffic.SetTrafficAsync(model, new TrafficChange { Canary = new CanaryPolicy { Version = "b", Percent = 0 } });
        var none = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => VersionServedAsync(harness, model)));
        await traffic.SetTrafficAsync(model, new TrafficChange { Canary = new CanaryPolicy { Version = "b", Percent = 100 } });
        var all = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => VersionServedAsync(harness, model)));

        Assert.All(none, v => Assert.Equal("a", v));
        Assert.All(all, v => Assert.Equal("b", v));
    }

    [Fact]
    public void Routing_key_hash_keeps_a_caller_on_one_side_and_splits_callers_by_the_share()
    {
        var keys = Enumerable.Range(0, 10_000).Select(i => $"user-{i}").ToList();

        int canary = keys.Count(k => ModelRouter.TakesCanary("m", k, 10));
        bool stable = keys.Take(100).All(k => ModelRouter.TakesCanary("m", k, 10) == ModelRouter.TakesCanary("m", k, 10));
        bool nested = keys.Where(k => ModelRouter.TakesCanary("m", k, 10)).All(k => ModelRouter.TakesCanary("m", k, 20));

        // 10,000 keys at 10%: binomial sd is 30, so 1,000 +- 150 holds unless the hash is biased.
        Assert.InRange(canary, 850, 1150);
        Assert.True(stable);
        // Raising the share only adds callers to the canary; nobody already on it moves back.
        Assert.True(nested);
    }

    [Fact]
    public async Task Shadow_version_gets_a_copy_that_is_observed_but_never_answers()
    {
        var observer = new Observed();
        var (harness, traffic, model) = await TwoVersionsAsync(observer);
        using var _ = harness;
        await traffic.SetTrafficAsync(model, new TrafficChange { Shadow = "b" });

        var response = await harness.Service.InferAsync(new ServingRequest(model, Json.Body(FixedRequest)) { RequestId = "shadowed" });

        Assert.Equal("a", response.ModelVersion);
        var shadow = await Eventually.GetAsync(
            () => Task.FromResult(observer.Events.FirstOrDefault(e => e.Route == RouteKind.Shadow)), "the shadow run to be observed");
        Assert.Equal("b", shadow.Version);
        Assert.Equal("shadowed", shadow.RequestId);
        Assert.Null(shadow.Error);
    }

    [Fact]
    public async Task Promote_makes_the_canary_production_and_rollback_returns_to_the_previous_one()
    {
        var (harness, traffic, model) = await TwoVersionsAsync();
        using var _ = harness;
        await traffic.SetTrafficAsync(model, new TrafficChange { Canary = new CanaryPolicy { Version = "b", Percent = 10 } });

        var promoted = await traffic.PromoteAsync(model);
        var rolledBack = await traffic.RollBackAsync(model);

        Assert.Equal("b", promoted.Traffic.Production);
        Assert.Null(promoted.Traffic.Canary);
        Assert.Equal("a", rolledBack.Traffic.Production);
        Assert.Equal("a", await VersionServedAsync(harness, model));
        var events = await new RegistryEvents(harness.Store).ListAsync(model);
        var promotedEvent = Assert.Single(events, e => e.Kind == RegistryEventKinds.Promoted);
        Assert.Equal("b", promotedEvent.Version);
        Assert.Equal(TrafficSwitch.Actor, promotedEvent.Actor);
        Assert.Equal("a", (string?)promotedEvent.Details!["before"]!["production"]);
        Assert.Equal("a", Assert.Single(events, e => e.Kind == RegistryEventKinds.RolledBack).Version);
    }

    [Fact]
    public async Task Only_ready_versions_take_traffic_and_a_rollback_needs_an_earlier_version()
    {
        var harness = await ServingHarness.CreateAsync();
        using var _ = harness;
        string model = await harness.PublishAsync(TestModels.FixedShape.Bytes(), version: "1");
        await harness.Store.UpdateRecordAsync(model, r => r.Versions.Add(new ModelVersionRecord { Version = "2", State = ModelVersionStates.Failed, Reason = "smoke test" }));
        var traffic = new TrafficSwitch(harness.Store, harness.Records);

        var failed = await Assert.ThrowsAsync<ServingException>(() => traffic.SetTrafficAsync(model, new TrafficChange { Production = "2" }));
        var unknown = await Assert.ThrowsAsync<ServingException>(() => traffic.SetTrafficAsync(model, new TrafficChange { Shadow = "9" }));
        var percent = await Assert.ThrowsAsync<ServingException>(() => traffic.SetTrafficAsync(model, new TrafficChange { Canary = new CanaryPolicy { Version = "1", Percent = 150 } }));
        var rollback = await Assert.ThrowsAsync<ServingException>(() => traffic.RollBackAsync(model));

        Assert.Contains("version '2' is failed, not ready", failed.Message);
        Assert.Contains("has no version '9'", unknown.Message);
        Assert.Contains("expected a number from 0 to 100", percent.Message);
        Assert.Equal(ServingErrorCode.Conflict, rollback.Code);
        Assert.Equal("1", (await harness.Store.ReadRecordAsync(model))!.Record.Traffic.Production);
    }

    [Fact]
    public async Task Requests_keep_succeeding_while_production_is_switched_and_rolled_back_ten_times()
    {
        var (harness, traffic, model) = await TwoVersionsAsync(refresh: TimeSpan.FromMilliseconds(20));
        using var _ = harness;
        var versions = new ConcurrentBag<string>();
        var failures = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        string? lastSeen = null;

        // Four concurrent callers, each bounded in requests, until the switching is done. A cached
        // model answers without awaiting anything, so each call yields to keep the thread pool fair.
        var callers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < 200_000 && !stop.IsCancellationRequested; i++)
            {
                await Task.Yield();
                try
                {
                    string version = await VersionServedAsync(harness, model);
                    versions.Add(version);
                    Volatile.Write(ref lastSeen, version);
                }
                catch (Exception e)
                {
                    failures.Add(e.Message);
                }
            }
        })).ToList();

        for (int round = 0; round < 10; round++)
        {
            await traffic.PromoteAsync(model, "b");
            await Eventually.GetAsync(() => Task.FromResult(Volatile.Read(ref lastSeen) == "b" ? "b" : null), $"round {round}: callers to see version b");
            await traffic.RollBackAsync(model);
            await Eventually.GetAsync(() => Task.FromResult(Volatile.Read(ref lastSeen) == "a" ? "a" : null), $"round {round}: callers to see version a");
        }

        stop.Cancel();
        await Task.WhenAll(callers);

        Assert.Empty(failures);
        Assert.All(versions, v => Assert.Contains(v, new[] { "a", "b" }));
        Assert.Contains("a", versions);
        Assert.Contains("b", versions);
    }
}
