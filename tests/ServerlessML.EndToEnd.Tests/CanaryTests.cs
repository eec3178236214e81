using System.Net;
using System.Text;
using Newtonsoft.Json.Linq;
using ServerlessML.Logging;
using ServerlessML.Registry;
using ServerlessML.Testing;

namespace ServerlessML.EndToEnd.Tests;

/// <summary>
/// Canary rollout and the canary judge end to end: version 1 of the Adult model uploaded as production, version 2
/// uploaded with a canary rollout and a <c>promoteAfter</c> budget, V1 traffic sent over HTTP (each answer says which
/// version served it), and the report run through the management API, which judges the canary and changes record.json.
/// </summary>
[Collection(ServerlessMLAppCollection.Name)]
public sealed class CanaryTests(ServerlessMLApp app)
{
    private const double CanaryPercent = 50;
    private const int MinRequests = 20;
    private const double MaxErrorRate = 0.05;

    // Generous on purpose: both sides run in one process on a shared 2-core machine, so only a canary that is
    // clearly slower or predicts clearly differently should fail; these tests are about the decision and its effect.
    private const double MaxLatencyRatio = 50;
    private const double MaxPredictionDrift = 0.5;

    // By MinRequests each side has 160 predictions, well over the 30 the drift comparison needs, so the distance
    // between two samples of the same rows' scores stays far below MaxPredictionDrift (0.07 to 0.12 measured with 80).
    private const int RowsPerRequest = 8;

    // A bound on a run that never splits (the routing is 50/50, so reaching it means the split is broken).
    private const int MaxRequests = 150;

    // Five failures in five requests: 0.05^5 ≈ 3e-7, far below the judge's 0.001, and still under MinRequests.
    private const int FailuresBeforeJudging = 5;

    private const string ProductionVersion = "1";
    private const string CanaryVersion = "2";

    /// <summary>How one request was answered: the status, the version that served it (from a 200's body), and the body.</summary>
    private sealed record Answer(HttpStatusCode Status, string? Version, string Body);

    /// <summary>The requests each side answered, counted from the answers.</summary>
    private sealed class Split
    {
        public int Production { get; set; }

        public int Canary { get; set; }

        public int Total => Production + Canary;
    }

    private RegistryStore Store => new(app.Run.Storage);

    [Fact]
    public async Task A_canary_within_its_budget_is_promoted_by_the_report()
    {
        string model = TestStorage.UniqueName("canary-ok");
        var adult = AdultTraffic.SampleModel();
        await app.DeployAsync(model, ProductionVersion, AdultTraffic.Package(adult, SampleManifest().ToString()));
        // The same graph with a manifest that asks for a canary: a new version with its own bytes.
        var canary = await app.DeployAsync(model, CanaryVersion, AdultTraffic.Package(adult, WithCanaryRollout(SampleManifest()).ToString()));
        Assert.Null(canary.BreakingChanges);
        AssertCanaryStarted((await Store.ReadRecordAsync(model))!.Record);

        // Distinct callers (routing keys) until both sides have served the budget's minimum.
        var split = new Split();
        var rows = AdultTraffic.Rows(0, MaxRequests * RowsPerRequest).Select(r => r.Values).ToList();
        while (split.Canary < MinRequests || split.Production < MinRequests)
        {
            Assert.True(split.Total < MaxRequests, $"After {split.Total} requests production served {split.Production} and the canary {split.Canary}: a {CanaryPercent}% split should reach {MinRequests} each long before.");
            var answer = await PredictAsync(model, rows.Skip(split.Total * RowsPerRequest).Take(RowsPerRequest), $"caller-{split.Total}");
            Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
            Count(split, answer.Version);
        }

        var logged = await LoggedAsync(model, split.Total * RowsPerRequest);
        Assert.All(logged, r => Assert.Equal(PredictionLogSchema.StatusOk, r.Status));

        var judgement = await JudgeAsync(model);
        Assert.Equal("promote", (string?)judgement["verdict"]);
        Assert.True((bool)judgement["applied"]!, (string?)judgement["action"]);
        Assert.StartsWith($"promoted: version {CanaryVersion} is production", (string?)judgement["action"], StringComparison.Ordinal);
        AssertBudget(judgement);
        AssertSide(judgement["canary"]!, CanaryVersion, "canary", split.Canary, errors: 0);
        AssertSide(judgement["productionFigures"]!, ProductionVersion, "production", split.Production, errors: 0);
        // Every row of every request is a prediction score to compare.
        Assert.Equal(split.Canary * RowsPerRequest, (long)judgement["canary"]!["predictions"]!);
        Assert.Equal(split.Production * RowsPerRequest, (long)judgement["productionFigures"]!["predictions"]!);
        Assert.Equal("wasserstein", (string?)judgement["predictionDrift"]!["method"]);
        Assert.All(judgement["checks"]!, c => Assert.Equal("within budget", (string?)c["status"]));
        string reason = (string)judgement["reason"]!;
        Assert.StartsWith($"Canary {CanaryVersion} served {split.Canary} requests with error rate 0% (budget 5%)", reason, StringComparison.Ordinal);
        Assert.EndsWith(": promoted.", reason, StringComparison.Ordinal);

        // record.json: version 2 is production, the canary is over, version 1 is kept to roll back to.
        var record = (await Store.ReadRecordAsync(model))!.Record;
        Assert.Equal(CanaryVersion, record.Traffic.Production);
        Assert.Null(record.Traffic.Canary);
        Assert.Equal(ProductionVersion, record.ProductionHistory[^1]);

        var promoted = await JudgeEventAsync(model, RegistryEventKinds.Promoted);
        Assert.Equal(CanaryVersion, (string?)promoted["version"]);
        Assert.Equal(reason, (string?)promoted["reason"]);
        Assert.Equal(CanaryVersion, (string?)promoted["details"]!["before"]!["canary"]!["version"]);
        Assert.Equal(CanaryVersion, (string?)promoted["details"]!["after"]!["production"]);
        Assert.Equal(split.Canary, (long)promoted["details"]!["figures"]!["canary"]!["requests"]!);

        // Without a canary there is no split: new callers all get version 2.
        var after = await SendDistinctCallersAsync(model, rows, callers: 10);
        Assert.All(after, a => Assert.Equal((HttpStatusCode.OK, CanaryVersion), (a.Status, a.Version)));
    }

    [Fact]
    public async Task A_canary_that_refuses_production_requests_is_rolled_back_before_its_minimum_requests()
    {
        string model = TestStorage.UniqueName("canary-bad");
        var adult = AdultTraffic.SampleModel();
        await app.DeployAsync(model, ProductionVersion, AdultTraffic.Package(adult, SampleManifest().ToString()));

        // Version 2 was retrained from a CSV with UCI's column name hours-per-week: the input is renamed, so today's
        // callers, who send hours_per_week, are refused by it. The deployer records the break and deploys it anyway.
        var renamed = RenameGraphName(adult, "hours_per_week", "hours-per-week");
        var manifest = SampleManifest();
        manifest["features"]!.Single(f => (string?)f["name"] == "hours_per_week")["name"] = "hours-per-week";
        var canary = await app.DeployAsync(model, CanaryVersion, AdultTraffic.Package(renamed, WithCanaryRollout(manifest).ToString()));
        Assert.NotNull(canary.BreakingChanges);
        Assert.Contains(canary.BreakingChanges, c => c.StartsWith("input 'hours_per_week'", StringComparison.Ordinal) && c.Contains("was removed", StringComparison.Ordinal));
        Assert.Contains(canary.BreakingChanges, c => c.StartsWith("input 'hours-per-week'", StringComparison.Ordinal) && c.Contains("was added", StringComparison.Ordinal));
        AssertCanaryStarted((await Store.ReadRecordAsync(model))!.Record);

        // Production answers; the canary refuses every request. A refusal carries no version, so the log checks below
        // confirm that every refusal was the canary's.
        var split = new Split();
        var rows = AdultTraffic.Rows(0, MaxRequests * RowsPerRequest).Select(r => r.Values).ToList();
        while (split.Canary < FailuresBeforeJudging)
        {
            Assert.True(split.Total < MaxRequests, $"After {split.Total} requests the canary refused {split.Canary}: a {CanaryPercent}% split should reach {FailuresBeforeJudging} long before.");
            var answer = await PredictAsync(model, rows.Skip(split.Total * RowsPerRequest).Take(RowsPerRequest), $"caller-{split.Total}");
            if (answer.Status == HttpStatusCode.OK)
            {
                Assert.Equal(ProductionVersion, answer.Version);
                split.Production++;
            }
            else
            {
                Assert.True(answer.Status == HttpStatusCode.BadRequest, answer.Body);
                Assert.Contains("no feature 'hours-per-week'", answer.Body, StringComparison.Ordinal);
                split.Canary++;
            }
        }

        // A refused request is one record without a row; an answered one is a record per row.
        var logged = await LoggedAsync(model, (split.Production * RowsPerRequest) + split.Canary);
        var refused = logged.Where(r => r.Status != PredictionLogSchema.StatusOk).ToList();
        Assert.Equal(split.Canary, refused.Count);
        Assert.All(refused, r => Assert.Equal((CanaryVersion, "canary", "bad_request"), (r.Version, r.Route, r.Status)));
        Assert.All(logged.Except(refused), r => Assert.Equal((ProductionVersion, "production"), (r.Version, r.Route)));

        var judgement = await JudgeAsync(model);
        Assert.Equal("roll back", (string?)judgement["verdict"]);
        Assert.True((bool)judgement["applied"]!, (string?)judgement["action"]);
        Assert.Equal($"rolled back: the canary {CanaryVersion} takes no more traffic, production stays {ProductionVersion}", (string?)judgement["action"]);
        AssertBudget(judgement);
        AssertSide(judgement["canary"]!, CanaryVersion, "canary", split.Canary, errors: split.Canary);
        AssertSide(judgement["productionFigures"]!, ProductionVersion, "production", split.Production, errors: 0);
        Assert.Equal(1.0, (double)judgement["canary"]!["errorRate"]!);

        // Every request failed, so the exact binomial tail P(X >= n | n, 5%) is 0.05^n.
        double expectedPValue = Math.Pow(MaxErrorRate, split.Canary);
        Assert.Equal(expectedPValue, (double)judgement["earlyErrorPValue"]!, expectedPValue * 1e-9);
        var checks = judgement["checks"]!.ToDictionary(c => (string)c["figure"]!);
        Assert.Equal("not judged yet", (string?)checks["requests"]["status"]);
        Assert.Equal("over budget", (string?)checks["error rate"]["status"]);
        Assert.StartsWith($"already certain before {MinRequests} requests: {split.Canary} errors in {split.Canary} requests", (string?)checks["error rate"]["note"], StringComparison.Ordinal);
        Assert.Equal("not judged yet", (string?)checks["latency ratio"]["status"]);
        Assert.Equal("not judged yet", (string?)checks["prediction drift"]["status"]);
        string reason = (string)judgement["reason"]!;
        Assert.StartsWith($"Canary {CanaryVersion} has served {split.Canary} of the {MinRequests} requests its budget asks for, with error rate 100%", reason, StringComparison.Ordinal);
        Assert.Contains("rolled back (error rate 100% over 5%", reason, StringComparison.Ordinal);

        // record.json: production is still version 1, without a canary; version 2 stays ready for a person to look at.
        var record = (await Store.ReadRecordAsync(model))!.Record;
        Assert.Equal(ProductionVersion, record.Traffic.Production);
        Assert.Null(record.Traffic.Canary);
        Assert.Equal(ModelVersionStates.Ready, record.FindVersion(CanaryVersion)!.State);

        var rolledBack = await JudgeEventAsync(model, RegistryEventKinds.CanaryRolledBack);
        Assert.Equal(CanaryVersion, (string?)rolledBack["version"]);
        Assert.Equal(reason, (string?)rolledBack["reason"]);
        Assert.Equal(JTokenType.Null, rolledBack["details"]!["after"]!["canary"]!.Type);
        Assert.Equal(ProductionVersion, (string?)rolledBack["details"]!["after"]!["production"]);

        // Without a canary there is no split: new callers all get version 1.
        var after = await SendDistinctCallersAsync(model, rows, callers: 10);
        Assert.All(after, a => Assert.Equal((HttpStatusCode.OK, ProductionVersion), (a.Status, a.Version)));
    }

    /// <summary>The sample's manifest, as a data scientist would start from it.</summary>
    private static JObject SampleManifest() => JObject.Parse(AdultTraffic.SampleManifest());

    private static JObject WithCanaryRollout(JObject manifest)
    {
        manifest["rollout"] = new JObject
        {
            ["strategy"] = "canary",
            ["percent"] = CanaryPercent,
            ["promoteAfter"] = new JObject
            {
                ["minRequests"] = MinRequests,
                ["maxErrorRate"] = MaxErrorRate,
                ["maxLatencyRatio"] = MaxLatencyRatio,
                ["maxPredictionDrift"] = MaxPredictionDrift,
            },
        };
        return manifest;
    }

    /// <summary>
    /// Renames a graph input, and the node inputs that read it, by replacing every occurrence of its name in the
    /// serialized model. The names are the same length, so every protobuf length prefix stays valid.
    /// </summary>
    private static byte[] RenameGraphName(byte[] onnx, string from, string to)
    {
        byte[] old = Encoding.UTF8.GetBytes(from), replacement = Encoding.UTF8.GetBytes(to);
        Assert.Equal(old.Length, replacement.Length);
        var renamed = (byte[])onnx.Clone();
        int replaced = 0, at = 0, found;
        while ((found = renamed.AsSpan(at).IndexOf(old)) >= 0)
        {
            at += found;
            replacement.CopyTo(renamed, at);
            at += old.Length;
            replaced++;
        }

        Assert.True(replaced > 0, $"The model has no name '{from}' to rename.");
        return renamed;
    }

    private static void AssertCanaryStarted(ModelRecord record)
    {
        Assert.Equal(ProductionVersion, record.Traffic.Production);
        Assert.NotNull(record.Traffic.Canary);
        Assert.Equal(CanaryVersion, record.Traffic.Canary.Version);
        Assert.Equal(CanaryPercent, record.Traffic.Canary.Percent);
        Assert.NotNull(record.Traffic.Canary.StartedUtc);
    }

    private static void Count(Split split, string? version)
    {
        switch (version)
        {
            case ProductionVersion:
                split.Production++;
                break;
            case CanaryVersion:
                split.Canary++;
                break;
            default:
                Assert.Fail($"A request without a version was answered by version '{version}', neither production {ProductionVersion} nor canary {CanaryVersion}.");
                break;
        }
    }

    /// <summary>One V1 predict request of <paramref name="rows"/> from one caller (x-routing-key).</summary>
    private async Task<Answer> PredictAsync(string model, IEnumerable<string[]> rows, string caller)
    {
        var body = new JObject { ["instances"] = new JArray(rows.Select(values => AdultTraffic.Instance(values))) };
        using var response = await app.PostJsonAsync($"v1/models/{model}:predict", body.ToString(), routingKey: caller);
        string text = await response.Content.ReadAsStringAsync();
        string? version = response.StatusCode == HttpStatusCode.OK ? (string?)JObject.Parse(text)["model_version"] : null;
        return new Answer(response.StatusCode, version, text);
    }

    /// <summary>One single-row request from each of <paramref name="callers"/> callers not seen before.</summary>
    private async Task<List<Answer>> SendDistinctCallersAsync(string model, List<string[]> rows, int callers)
    {
        var answers = new List<Answer>();
        for (int i = 0; i < callers; i++)
        {
            answers.Add(await PredictAsync(model, rows.Skip(i).Take(1), $"later-caller-{i}"));
        }

        return answers;
    }

    /// <summary>Waits until the prediction log holds <paramref name="records"/> records of the model (it is flushed every half second).</summary>
    private async Task<List<PredictionRecord>> LoggedAsync(string model, int records)
    {
        var reader = new PredictionLogReader(app.Run.Storage);
        return await Eventually.GetAsync(async () =>
        {
            var logged = await reader.ReadAsync(model, DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.AddHours(1)).ToListAsync();
            return logged.Count >= records ? logged : null;
        }, $"{records} records of {model} in the prediction log", TimeSpan.FromSeconds(60));
    }

    /// <summary>Runs the model's report through the management API (it answers the report) and returns its canary section.</summary>
    private async Task<JObject> JudgeAsync(string model)
    {
        using var response = await app.Run.SendAsync(HttpMethod.Post, $"management/models/{model}/reports", KeyKind.Master);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var report = ReportJson.Parse(text);
        Assert.True(report["canary"] is JObject, $"The report has no canary section: {text}");
        var judgement = (JObject)report["canary"]!;
        Assert.Equal(CanaryVersion, (string?)judgement["version"]);
        Assert.Equal(ProductionVersion, (string?)judgement["production"]);
        Assert.Equal(CanaryPercent, (double)judgement["percent"]!);
        return judgement;
    }

    private static void AssertBudget(JObject judgement)
    {
        var budget = judgement["budget"]!;
        Assert.Equal(MinRequests, (long)budget["minRequests"]!);
        Assert.Equal(MaxErrorRate, (double)budget["maxErrorRate"]!);
        Assert.Equal(MaxLatencyRatio, (double)budget["maxLatencyRatio"]!);
        Assert.Equal(MaxPredictionDrift, (double)budget["maxPredictionDrift"]!);
        Assert.Empty(budget["defaulted"]!);
    }

    private static void AssertSide(JToken side, string version, string route, int requests, int errors)
    {
        Assert.Equal(version, (string?)side["version"]);
        Assert.Equal(route, (string?)side["route"]);
        Assert.Equal(requests, (long)side["requests"]!);
        Assert.Equal(errors, (long)side["errors"]!);
    }

    /// <summary>The model's one event of <paramref name="kind"/> by the canary judge, from the management API.</summary>
    private async Task<JObject> JudgeEventAsync(string model, string kind)
    {
        using var response = await app.Run.GetAsync($"management/models/{model}/events", KeyKind.Master);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var events = ReportJson.ParseArray(text);
        var byJudge = events.OfType<JObject>().Where(e => (string?)e["actor"] == "canary-judge").ToList();
        var judged = Assert.Single(byJudge);
        Assert.Equal(kind, (string?)judged["kind"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)judged["reason"]), "The canary judge's event gives no reason.");
        return judged;
    }
}
