using ServerlessML.Functions.Management;
using ServerlessML.Registry;
using ServerlessML.Testing;
using ServerlessML.Testing.Onnx;

namespace ServerlessML.Functions.Tests;

public class ManagementTests(ServedModels models) : IClassFixture<ServedModels>
{
    private TrafficSwitch Switch => new(models.Harness.Store, models.Harness.Records);

    private ModelCatalog Catalog => new(models.Harness.Store);

    private async Task<string> TwoVersionsAsync()
    {
        string model = await models.Harness.PublishAsync(TestModels.FixedShape.Bytes(), version: "1");
        await models.Harness.PublishAsync(TestModels.FixedShape.Bytes(), version: "2", model: model);
        return model;
    }

    [Fact]
    public async Task Traffic_change_sets_canary_and_shadow_and_answers_the_new_record()
    {
        string model = await TwoVersionsAsync();

        var answer = await FunctionCall.RunAsync(
            FunctionCall.Request("POST", """{"production":"1","canary":{"version":"2","percent":25}}"""),
            r => new SetTraffic(Switch).Run(r, model));

        Assert.Equal(200, answer.Status);
        Assert.Equal("1", (string?)answer.Json["traffic"]!["production"]);
        Assert.Equal("2", (string?)answer.Json["traffic"]!["canary"]!["version"]);
        Assert.Equal(25.0, (double)answer.Json["traffic"]!["canary"]!["percent"]!);
        Assert.Equal("1", (await models.Harness.Store.ReadRecordAsync(model))!.Record.Traffic.Production);
    }

    [Theory]
    [InlineData("""{"production":"9"}""", 400, "has no version '9'")]
    [InlineData("""{"canary":{"version":"2"}}""", 400, "canary.percent is missing")]
    [InlineData("""{"canary":{"version":"2","percent":-1}}""", 400, "expected a number from 0 to 100")]
    [InlineData("""{"production":null}""", 400, "production cannot be null")]
    [InlineData("""{"weights":{}}""", 400, "Unknown traffic field 'weights'")]
    [InlineData("""{"shadow":2}""", 400, "shadow is integer 2: expected a version string")]
    [InlineData("not json", 400, "not valid JSON")]
    [InlineData("", 400, "The traffic body is empty")]
    public async Task Bad_traffic_change_is_refused_and_changes_nothing(string body, int status, string fragment)
    {
        string model = await TwoVersionsAsync();

        var answer = await FunctionCall.RunAsync(FunctionCall.Request("POST", body), r => new SetTraffic(Switch).Run(r, model));

        Assert.Equal(status, answer.Status);
        Assert.Contains(fragment, answer.Error);
        Assert.Equal("2", (await models.Harness.Store.ReadRecordAsync(model))!.Record.Traffic.Production);
    }

    [Fact]
    public async Task Rollback_returns_to_the_previous_production_and_a_second_one_conflicts()
    {
        string model = await TwoVersionsAsync();

        var first = await FunctionCall.RunAsync(FunctionCall.Request("POST"), r => new RollBack(Switch).Run(r, model));
        var second = await FunctionCall.RunAsync(FunctionCall.Request("POST"), r => new RollBack(Switch).Run(r, model));

        Assert.Equal(200, first.Status);
        Assert.Equal("1", (string?)first.Json["traffic"]!["production"]);
        Assert.Equal(409, second.Status);
        Assert.Contains("no earlier production version", second.Error);
        var history = await FunctionCall.RunAsync(FunctionCall.Request("GET"), r => new ModelEvents(Catalog).Run(r, model));
        Assert.Equal(200, history.Status);
        var rolledBack = Assert.Single(Newtonsoft.Json.Linq.JArray.Parse(history.Body), e => (string?)e["kind"] == RegistryEventKinds.RolledBack);
        Assert.Equal("1", (string?)rolledBack["version"]);
    }

    [Fact]
    public async Task Promote_names_a_version_or_takes_the_canary()
    {
        string model = await TwoVersionsAsync();
        await Switch.SetTrafficAsync(model, new TrafficChange { Production = "1", Canary = new CanaryPolicy { Version = "2", Percent = 5 } });

        var promoted = await FunctionCall.RunAsync(FunctionCall.Request("POST"), r => new PromoteVersion(Switch).Run(r, model));
        var named = await FunctionCall.RunAsync(FunctionCall.Request("POST", """{"version":"1"}"""), r => new PromoteVersion(Switch).Run(r, model));

        Assert.Equal("2", (string?)promoted.Json["traffic"]!["production"]);
        Assert.Equal("1", (string?)named.Json["traffic"]!["production"]);
    }

    [Fact]
    public async Task Model_list_and_record_show_versions_and_traffic()
    {
        string model = await TwoVersionsAsync();

        var list = await FunctionCall.RunAsync(FunctionCall.Request("GET"), r => new ListModels(Catalog).Run(r));
        var one = await FunctionCall.RunAsync(FunctionCall.Request("GET"), r => new GetModel(Catalog).Run(r, model));
        var missing = await FunctionCall.RunAsync(FunctionCall.Request("GET"), r => new GetModel(Catalog).Run(r, "no-such-model"));

        Assert.Equal(200, list.Status);
        var entry = Newtonsoft.Json.Linq.JArray.Parse(list.Body).Single(m => (string?)m["name"] == model);
        Assert.Equal(2, (int)entry["versions"]!);
        Assert.Equal("2", (string?)entry["traffic"]!["production"]);
        Assert.Equal(["1", "2"], one.Json["versions"]!.Select(v => (string?)v["version"]));
        Assert.Equal(404, missing.Status);
    }
}
