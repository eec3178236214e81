using System.Globalization;
using System.Text;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;
using ServerlessML.Logging;
using ServerlessML.Registry;
using ServerlessML.Reports;
using ServerlessML.Testing;

namespace ServerlessML.Tests.Reports;

/// <summary>
/// The canary judgement applied by the scheduled report, in Azurite: version 1 is production, version 2 a canary since
/// 10:30; the prediction log is written here, and the report runs at 12:30.
/// </summary>
public sealed class CanaryJudgementTests
{
    private const string Budget = """{"minRequests": 100, "maxErrorRate": 0.02, "maxLatencyRatio": 1.5, "maxPredictionDrift": 0.1}""";

    private static readonly DateTimeOffset Now = new(2026, 2, 3, 12, 30, 0, TimeSpan.Zero);

    private static readonly DateTimeOffset CanaryStarted = Now.AddHours(-2);

    [Fact]
    public async Task A_canary_within_budget_is_promoted_and_the_event_says_why()
    {
        var bench = await CanaryBench.CreateAsync("canary-good", Budget);
        await bench.LogAsync(Requests("1", "production", 600, failing: 0));
        await bench.LogAsync(Requests("2", "canary", 150, failing: 1));
        // Neither the canary version's explicitly addressed requests nor its canary requests before it started count.
        await bench.LogAsync(Requests("2", "explicit", 80, failing: 80));
        await bench.LogAsync(Requests("2", "canary", 80, failing: 80, start: CanaryStarted.AddHours(-3)));

        var report = (await bench.Generator().RunModelAsync(bench.Model, Now))!;

        var canary = report.Canary!;
        Assert.Equal((CanaryVerdict.Promote, true), (canary.Verdict, canary.Applied));
        Assert.Equal((150L, 1L, 600L), (canary.Canary.Requests, canary.Canary.Errors, canary.ProductionFigures.Requests));
        Assert.Equal(CanaryStarted, canary.Since);
        var record = (await bench.Store.ReadRecordAsync(bench.Model))!.Record;
        Assert.Equal(("2", (CanaryPolicy?)null), (record.Traffic.Production, record.Traffic.Canary));
        Assert.Equal("1", record.ProductionHistory[^1]);

        var promoted = Assert.Single(await bench.JudgeEventsAsync());
        Assert.Equal((RegistryEventKinds.Promoted, "2", canary.Reason), (promoted.Kind, promoted.Version, promoted.Reason));
        Assert.StartsWith("Canary 2 served 150 requests with error rate 0.67% (budget 2%)", promoted.Reason, StringComparison.Ordinal);
        Assert.Equal(150, (long)promoted.Details!["figures"]!["canary"]!["requests"]!);
        Assert.Equal("2", (string?)promoted.Details["after"]!["production"]);

        var latest = (await bench.ReportsJsonAsync(ReportPaths.LatestJson(bench.Model)))!;
        Assert.Equal(("promote", true), ((string?)latest["canary"]!["verdict"], (bool)latest["canary"]!["applied"]!));
        Assert.Contains("Promoted.", await bench.ReportsTextAsync(ReportPaths.LatestHtml(bench.Model)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_canary_with_a_high_error_rate_is_rolled_back_and_production_stays()
    {
        var bench = await CanaryBench.CreateAsync("canary-errors", Budget);
        await bench.LogAsync(Requests("1", "production", 600, failing: 0));
        await bench.LogAsync(Requests("2", "canary", 150, failing: 30));

        var report = (await bench.Generator().RunModelAsync(bench.Model, Now))!;

        Assert.Equal((CanaryVerdict.RollBack, true), (report.Canary!.Verdict, report.Canary.Applied));
        Assert.Equal(0.2, report.Canary.Canary.ErrorRate!.Value, 12);
        var record = (await bench.Store.ReadRecordAsync(bench.Model))!.Record;
        Assert.Equal(("1", (CanaryPolicy?)null), (record.Traffic.Production, record.Traffic.Canary));
        var rolledBack = Assert.Single(await bench.JudgeEventsAsync());
        Assert.Equal((RegistryEventKinds.CanaryRolledBack, "2"), (rolledBack.Kind, rolledBack.Version));
        Assert.Contains("error rate 20% (over the budget of 2%)", rolledBack.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_canary_under_min_requests_is_left_alone()
    {
        var bench = await CanaryBench.CreateAsync("canary-few", Budget);
        await bench.LogAsync(Requests("1", "production", 600, failing: 0));
        await bench.LogAsync(Requests("2", "canary", 60, failing: 0));

        var report = (await bench.Generator().RunModelAsync(bench.Model, Now))!;

        Assert.Equal((CanaryVerdict.Wait, false), (report.Canary!.Verdict, report.Canary.Applied));
        Assert.StartsWith("Canary 2 has served 60 of the 100 requests", report.Canary.Reason, StringComparison.Ordinal);
        var record = (await bench.Store.ReadRecordAsync(bench.Model))!.Record;
        Assert.Equal(("1", "2"), (record.Traffic.Production, record.Traffic.Canary?.Version));
        Assert.Empty(await bench.JudgeEventsAsync());
    }

    [Fact]
    public async Task A_canary_without_promote_after_is_left_for_a_person()
    {
        var bench = await CanaryBench.CreateAsync("canary-manual", budgetJson: null);
        await bench.LogAsync(Requests("1", "production", 600, failing: 0));
        await bench.LogAsync(Requests("2", "canary", 150, failing: 60));

        var report = (await bench.Generator().RunModelAsync(bench.Model, Now))!;

        Assert.Equal(CanaryVerdict.Manual, report.Canary!.Verdict);
        Assert.Contains(CanaryJudge.ManualWords, report.Canary.Reason, StringComparison.Ordinal);
        var record = (await bench.Store.ReadRecordAsync(bench.Model))!.Record;
        Assert.Equal(("1", "2"), (record.Traffic.Production, record.Traffic.Canary?.Version));
        Assert.Empty(await bench.JudgeEventsAsync());
        Assert.Contains(CanaryJudge.ManualWords, await bench.ReportsTextAsync(ReportPaths.LatestHtml(bench.Model)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_decision_about_a_canary_that_was_replaced_meanwhile_changes_nothing()
    {
        var bench = await CanaryBench.CreateAsync("canary-moved", Budget);
        var traffic = new TrafficSwitch(bench.Store, new RecordCache(bench.Store, TimeSpan.Zero));
        var attribution = new TrafficAttribution(CanaryJudge.Actor, "test");

        // The judged production is no longer production: nothing is written.
        Assert.Null(await traffic.PromoteCanaryAsync(bench.Model, "2", production: "0", attribution));
        Assert.Null(await traffic.RollBackCanaryAsync(bench.Model, "3", production: "1", attribution));

        var record = (await bench.Store.ReadRecordAsync(bench.Model))!.Record;
        Assert.Equal(("1", "2"), (record.Traffic.Production, record.Traffic.Canary?.Version));
        Assert.Empty(await bench.JudgeEventsAsync());
    }

    /// <summary><paramref name="count"/> single-row requests spread evenly over two hours from <paramref name="start"/>; the first <paramref name="failing"/> fail.</summary>
    private static IEnumerable<LoggedRequest> Requests(string version, string route, int count, int failing, DateTimeOffset? start = null)
    {
        var from = start ?? CanaryStarted;
        for (int i = 0; i < count; i++)
        {
            // Scores evenly spread over (0, 1) and latencies cycling 10-19 ms: both sides alike whatever their size.
            yield return new LoggedRequest(version, route, from + (TimeSpan.FromHours(2) * i / count), 10 + (i % 10), i < failing, (i + 0.5) / count);
        }
    }

    private sealed record LoggedRequest(string Version, string Route, DateTimeOffset Time, double LatencyMs, bool Failed, double Probability);

    private sealed class CanaryBench(BlobServiceClient blobs, string model)
    {
        private long _sequence;

        public string Model { get; } = model;

        public RegistryStore Store { get; } = new(blobs);

        /// <summary>Version 1 in production and version 2 a 10% canary since <see cref="CanaryStarted"/>, whose manifest has the budget given.</summary>
        public static async Task<CanaryBench> CreateAsync(string prefix, string? budgetJson)
        {
            var bench = new CanaryBench(await TestStorage.ServiceClientAsync(), TestStorage.UniqueName(prefix));
            var manifest = JObject.Parse("""{"task": "binary-classification", "positiveLabel": "yes"}""");
            await bench.Store.PublishAsync(bench.Model, "1", BinaryData.FromString("model one"), manifest.ToString());
            if (budgetJson is not null)
            {
                manifest["rollout"] = new JObject { ["strategy"] = "canary", ["percent"] = 10, ["promoteAfter"] = JObject.Parse(budgetJson) };
            }

            await bench.Store.PublishAsync(bench.Model, "2", BinaryData.FromString("model two"), manifest.ToString());
            await bench.Store.UpdateRecordAsync(bench.Model, record =>
            {
                record.Traffic.Production = "1";
                record.ProductionHistory.Clear();
                record.Traffic.Canary = new CanaryPolicy { Version = "2", Percent = 10, StartedUtc = CanaryStarted };
            });
            return bench;
        }

        public ReportGenerator Generator() => new(
            blobs, Store, new PredictionLogReader(blobs), new FeedbackReader(blobs),
            Options.Create(new ReportOptions { FairnessBootstrapResamples = 0, TrendReports = 0 }), [], NullLogger<ReportGenerator>.Instance);

        public async Task<List<RegistryEvent>> JudgeEventsAsync() =>
            (await new RegistryEvents(Store).ListAsync(Model)).Where(e => e.Actor == CanaryJudge.Actor).ToList();

        public async Task LogAsync(IEnumerable<LoggedRequest> requests)
        {
            var container = blobs.GetBlobContainerClient(LogPaths.PredictionsContainer);
            await container.CreateIfNotExistsAsync();
            foreach (var hour in requests.GroupBy(r => LogPaths.HourOf(r.Time)))
            {
                var text = new StringBuilder();
                foreach (var request in hour)
                {
                    text.Append(Record(request).ToString(Newtonsoft.Json.Formatting.None)).Append('\n');
                }

                await container.GetBlobClient(LogPaths.PredictionBlob(Model, hour.Key, "test", Interlocked.Increment(ref _sequence))).UploadAsync(BinaryData.FromString(text.ToString()));
            }
        }

        public async Task<JObject?> ReportsJsonAsync(string name) =>
            await ReportsTextAsync(name) is { } text ? JObject.Parse(text) : null;

        public async Task<string?> ReportsTextAsync(string name)
        {
            var blob = blobs.GetBlobContainerClient(ReportPaths.Container).GetBlobClient(name);
            return await blob.ExistsAsync() ? (await blob.DownloadContentAsync()).Value.Content.ToString() : null;
        }

        private JObject Record(LoggedRequest request)
        {
            var record = new JObject
            {
                ["schema_version"] = 1,
                ["request_id"] = $"{request.Version}-{request.Route}-{Interlocked.Increment(ref _sequence)}",
                ["row"] = request.Failed ? null : 0,
                ["rows"] = 1,
                ["time"] = request.Time.UtcDateTime.ToString(PredictionLogSchema.TimeFormat, CultureInfo.InvariantCulture),
                ["model"] = Model,
                ["version"] = request.Version,
                ["route"] = request.Route,
                ["protocol"] = "v1",
                ["latency_ms"] = request.LatencyMs,
                ["status"] = request.Failed ? "bad_request" : "ok",
                ["sample_rate"] = 1.0,
                ["features"] = new JObject { ["x"] = request.Probability },
            };
            if (request.Failed)
            {
                record["error"] = "bad input";
            }
            else
            {
                record["outputs"] = new JObject { ["label"] = request.Probability >= 0.5 ? "yes" : "no", ["probability"] = request.Probability };
            }

            return record;
        }
    }
}
