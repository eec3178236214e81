using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using ServerlessML.Logging;
using ServerlessML.Testing;

namespace ServerlessML.EndToEnd.Tests;

/// <summary>
/// The fairness report end to end (issue 6): the Adult model deployed with <c>sex</c> and <c>race</c> (model inputs)
/// and <c>age_band</c> (a passthrough field of each V1 instance that the model never sees) as sensitive features, real
/// rows sent over HTTP, most labels fed back, the timer fired, and fairness.json checked against Fairlearn's
/// definitions computed here with plain LINQ over the rows sent, the answers and the labels.
/// </summary>
[Collection(ServerlessMLAppCollection.Name)]
public sealed class FairnessTests(ServerlessMLApp app)
{
    private const int RowsSent = 600;
    private const int RowsPerRequest = 100;
    private const int MinGroupSize = 25;
    private const double MaxParityDifference = 0.1;
    private const double MaxOddsDifference = 0.2;
    private const double MaxOpportunityDifference = 0.2;
    private const double MinDisparateImpact = 0.8;
    private const string Reference = "Male";

    // Rates are ratios of counts: the report and this test may differ only in the last bits of a double.
    private const double Precision = 1e-12;

    private static readonly string[] Sensitive = ["sex", "race", "age_band"];

    // Not a model input: sent beside the features, the app passes it through to the prediction log as context.
    private static readonly AdultTraffic.ContextField AgeBandField = new("age_band", values => AgeBand(values[0]));

    private static readonly string[] Rates = ["selection_rate", "true_positive_rate", "false_positive_rate", "accuracy"];

    private static readonly string[] Methods = ["between_groups", "to_overall"];

    /// <summary>One row as sent: its sensitive values, the model's answer and the label fed back (null: none sent).</summary>
    private sealed record SentRow(IReadOnlyDictionary<string, string> Groups, bool Predicted, bool? Label);

    /// <summary>Fairlearn's confusion counts of a set of rows; rows without a label count only towards selection.</summary>
    private sealed record Tally(long N, long Labeled, long Selected, long TruePositives, long FalsePositives, long TrueNegatives, long FalseNegatives, long SelectedUnlabeled, long NotSelectedUnlabeled)
    {
        public long Positives => TruePositives + FalseNegatives;

        public long Negatives => FalsePositives + TrueNegatives;

        public static Tally Of(IReadOnlyCollection<SentRow> rows) => new(
            rows.Count,
            rows.Count(r => r.Label is not null),
            rows.Count(r => r.Predicted),
            rows.Count(r => r.Label == true && r.Predicted),
            rows.Count(r => r.Label == false && r.Predicted),
            rows.Count(r => r.Label == false && !r.Predicted),
            rows.Count(r => r.Label == true && !r.Predicted),
            rows.Count(r => r.Label is null && r.Predicted),
            rows.Count(r => r.Label is null && !r.Predicted));
    }

    /// <summary>A rate, or why it is not given (the report's snake_case reason).</summary>
    private readonly record struct ExpectedRate(double? Value, string? Reason);

    private static string AgeBand(string age) =>
        double.Parse(age, CultureInfo.InvariantCulture) switch
        {
            < 30 => "<30",
            < 50 => "30-49",
            _ => "50+",
        };

    /// <summary>
    /// The sample manifest with age_band added as a sensitive feature that is not a model input, a minimum group
    /// size that leaves the small race groups out, limits apart from the defaults, and Male as the reference of sex.
    /// </summary>
    private static string Manifest()
    {
        var manifest = JObject.Parse(AdultTraffic.SampleManifest());
        manifest["sensitiveFeatures"] = new JArray(Sensitive);
        manifest["monitoring"] = new JObject
        {
            ["fairnessMinGroupSize"] = MinGroupSize,
            ["maxDemographicParityDifference"] = MaxParityDifference,
            ["maxEqualizedOddsDifference"] = MaxOddsDifference,
            ["maxEqualOpportunityDifference"] = MaxOpportunityDifference,
            ["minDisparateImpact"] = MinDisparateImpact,
            ["disparateImpactReference"] = new JObject { ["sex"] = Reference },
        };
        return manifest.ToString();
    }

    [Fact]
    public async Task Fairness_report_matches_fairlearn_definitions_for_input_and_passthrough_sensitive_features()
    {
        string model = $"fairness-{Guid.NewGuid():N}"[..24];
        // The reference.csv holds rows not sent, with age_band as a context column.
        var reference = AdultTraffic.ReferenceCsv(AdultTraffic.Rows(1000, 1000), [AgeBandField]);
        await app.DeployAsync(model, "1", AdultTraffic.Package(AdultTraffic.SampleModel(), Manifest(), reference));

        // Traffic: 6 requests of 100 rows; every tenth row gets no label, so selection covers more rows than the label rates.
        var rows = AdultTraffic.Rows(0, RowsSent);
        var sent = new List<SentRow>();
        for (int request = 0; request < RowsSent / RowsPerRequest; request++)
        {
            var batch = rows.Skip(request * RowsPerRequest).Take(RowsPerRequest).ToList();
            var body = new JObject { ["instances"] = new JArray(batch.Select(r => AdultTraffic.Instance(r.Values, context: [AgeBandField]))) };
            using var response = await app.PostJsonAsync($"v1/models/{model}:predict", body.ToString(), $"{model}-req-{request}");
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, text);
            var predictions = JObject.Parse(text)["predictions"]!.Select(p => (bool)p["label"]!).ToList();
            Assert.Equal(batch.Count, predictions.Count);
            for (int i = 0; i < batch.Count; i++)
            {
                int index = (request * RowsPerRequest) + i;
                var groups = new Dictionary<string, string>
                {
                    ["sex"] = batch[i].Values[9],
                    ["race"] = batch[i].Values[8],
                    ["age_band"] = AgeBand(batch[i].Values[0]),
                };
                sent.Add(new SentRow(groups, predictions[i], index % 10 == 9 ? null : batch[i].Label));
            }
        }

        var labels = new JArray(Enumerable.Range(0, RowsSent).Where(i => sent[i].Label is not null)
            .Select(i => new JObject { ["id"] = $"{model}-req-{i / RowsPerRequest}", ["row"] = i % RowsPerRequest, ["label"] = sent[i].Label }));
        using (var feedback = await app.PostJsonAsync($"v1/models/{model}/feedback", new JObject { ["labels"] = labels }.ToString()))
        {
            Assert.True(feedback.IsSuccessStatusCode, await feedback.Content.ReadAsStringAsync());
        }

        // Wait for the whole log; age_band must be there as context, never as a model input.
        var reader = new PredictionLogReader(app.Run.Storage);
        var logged = await Eventually.GetAsync(async () =>
        {
            var records = await reader.ReadAsync(model, DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.AddHours(1)).ToListAsync();
            return records.Count >= RowsSent ? records : null;
        }, "the prediction log to be flushed", TimeSpan.FromSeconds(120));
        Assert.All(logged, r => Assert.False(r.Features.ContainsKey("age_band")));
        Assert.All(logged, r => Assert.Equal(AgeBand(((double)r.Features["age"]!).ToString(CultureInfo.InvariantCulture)), (string?)r.Context["age_band"]));

        var triggered = DateTimeOffset.UtcNow;
        using (var run = await app.Run.RunNowAsync("MonitoringReport"))
        {
            Assert.True(run.IsSuccessStatusCode, await run.Content.ReadAsStringAsync());
        }

        // The admin API answers 202 and runs the timer in the background: wait for this run's latest.json.
        var reports = app.Run.Storage.GetBlobContainerClient("reports");
        var latest = await Eventually.GetAsync(
            async () => await ReportJson.ReadAsync(reports, $"{model}/latest.json") is { } report && ReportJson.GeneratedUtc(report) >= triggered.AddSeconds(-1) ? report : null,
            $"reports/{model}/latest.json of the run fired at {triggered:O}", TimeSpan.FromSeconds(120));
        string folder = ReportJson.RunFolder(model, latest);
        var file = await ReportJson.ReadAsync(reports, folder + "fairness.json");
        Assert.NotNull(file);
        var fairness = file["versions"]!.Single(v => (string?)v["version"] == "1")["fairness"]!;

        // What the report says it used.
        Assert.Equal(Sensitive, fairness["sensitiveFeatures"]!.Values<string>());
        var settings = fairness["settings"]!;
        Assert.Equal(MinGroupSize, (int)settings["minGroupSize"]!);
        Assert.Equal(Reference, (string?)settings["disparateImpactReference"]!["sex"]);
        int resamples = (int)settings["bootstrapResamples"]!;
        Assert.True(resamples > 0, "The report ran without bootstrap resamples, so it gives no confidence intervals.");
        var limits = settings["limits"]!.ToDictionary(l => (string)l["metric"]!, l => (double)l["limit"]!);
        Assert.Equal(MaxParityDifference, limits["demographic_parity_difference"]);
        Assert.Equal(MaxOddsDifference, limits["equalized_odds_difference"]);
        Assert.Equal(MaxOpportunityDifference, limits["equal_opportunity_difference"]);
        Assert.Equal(MinDisparateImpact, limits["disparate_impact"]);

        var outcome = fairness["outcomes"]!.Single();
        Assert.Equal("true", (string?)outcome["outcome"]);
        var overall = Tally.Of(sent);
        AssertGroup(outcome["overall"]!, overall, minimum: 1);

        // Every non-empty subset of the sensitive features, single ones and every intersection.
        var groupings = Enumerable.Range(1, (1 << Sensitive.Length) - 1)
            .Select(mask => Sensitive.Where((_, i) => (mask & (1 << i)) != 0).ToArray())
            .ToList();
        Assert.Equal(groupings.Count, outcome["groupings"]!.Count());
        var expectedBreaches = new List<string>();
        foreach (var features in groupings)
        {
            var grouping = outcome["groupings"]!.Single(g => g["features"]!.Values<string>().SequenceEqual(features));
            expectedBreaches.AddRange(CheckGrouping(grouping, features, sent, overall, resamples));
        }

        // The small groups are flagged with the reason, not given a rate of 0 (race=Other: 5 rows; Amer-Indian-Eskimo: 7).
        var race = outcome["groupings"]!.Single(g => g["features"]!.Values<string>().SequenceEqual(["race"]));
        foreach (string small in new[] { "Other", "Amer-Indian-Eskimo" })
        {
            var group = race["groups"]!.Single(g => (string?)g["group"]!["values"]![0] == small);
            long n = sent.Count(r => r.Groups["race"] == small);
            Assert.InRange(n, 1, MinGroupSize - 1);
            Assert.Equal(n, (long)group["n"]!);
            Assert.Equal(JTokenType.Null, group["selectionRate"]!["value"]!.Type);
            Assert.Equal("below_minimum_size", (string?)group["selectionRate"]!["excludedBecause"]);
            Assert.Contains($"{n} rows, below the minimum of {MinGroupSize}", (string?)group["selectionRate"]!["detail"], StringComparison.Ordinal);
            var parity = race["figures"]!.Single(f => (string?)f["metric"] == "demographic_parity_difference" && (string?)f["method"] == "between_groups");
            Assert.Contains(parity["excludedGroups"]!, e => (string?)e["group"]!["values"]![0] == small && (string?)e["reason"] == "below_minimum_size");
        }

        // The breaches are exactly the between-groups figures past their limits.
        var breaches = fairness["breaches"]!.Select(b => $"{string.Join("×", b["features"]!.Values<string>())} {b["metric"]}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expectedBreaches.Order(StringComparer.Ordinal), breaches);
        Assert.All(fairness["breaches"]!, b => Assert.Equal("between_groups", (string?)b["method"]));
        Assert.Equal(breaches.Count, latest["breaches"]!.Count(b => (string?)b["area"] == "fairness"));

        // Adult's selection rates differ by sex by far more than 0.1: report.html says so first, in words.
        var bySex = sent.GroupBy(r => r.Groups["sex"]).ToDictionary(g => g.Key, g => Tally.Of(g.ToList()));
        var lowest = bySex.MinBy(s => (double)s.Value.Selected / s.Value.N);
        var highest = bySex.MaxBy(s => (double)s.Value.Selected / s.Value.N);
        double low = (double)lowest.Value.Selected / lowest.Value.N, high = (double)highest.Value.Selected / highest.Value.N;
        Assert.True(high - low > MaxParityDifference, $"The sex parity difference of the rows sent is {high - low}, not above {MaxParityDifference}: the HTML check below needs a breach.");
        Assert.Contains("sex demographic_parity_difference", breaches);

        var html = await reports.GetBlobClient(folder + "report.html").DownloadContentAsync();
        var alerts = Regex.Matches(html.Value.Content.ToString(), "<div class=\"alert\"><strong>(?<area>[^<]*):</strong> (?<text>[^<]*)")
            .Select(m => (Area: WebUtility.HtmlDecode(m.Groups["area"].Value), Text: WebUtility.HtmlDecode(m.Groups["text"].Value)))
            .ToList();
        Assert.NotEmpty(alerts);
        int fairnessAlerts = alerts.Count(a => a.Area == "Fairness");
        Assert.Equal(breaches.Count, fairnessAlerts);
        Assert.All(alerts.Take(fairnessAlerts), a => Assert.Equal("Fairness", a.Area));
        Assert.Contains(alerts, a =>
            a.Text.Contains($"groups by sex, comparing the groups with each other: the gap in selection rates (demographic parity difference) is {Number(high - low)}.", StringComparison.Ordinal) &&
            a.Text.Contains($"The selection rate is {Percent(low)} for sex={lowest.Key} against {Percent(high)} for sex={highest.Key}.", StringComparison.Ordinal) &&
            a.Text.Contains($"That is {Number(high - low - MaxParityDifference)} above the maximum of {Number(MaxParityDifference)}.", StringComparison.Ordinal));
    }

    /// <summary>
    /// Checks one grouping's groups and figures against Fairlearn's definitions over the rows sent; returns the
    /// breaches it should raise ("features metric").
    /// </summary>
    private static List<string> CheckGrouping(JToken grouping, string[] features, List<SentRow> sent, Tally overall, int resamples)
    {
        string name = string.Join("×", features);

        // Fairlearn's MetricFrame lists every combination of the values seen, empty intersections included.
        var keys = features.Aggregate(
            new List<string[]> { Array.Empty<string>() },
            (partial, feature) => partial.SelectMany(k => sent.Select(r => r.Groups[feature]).Distinct().Order(StringComparer.Ordinal).Select(v => (string[])[.. k, v])).ToList());
        var tallies = keys.ToDictionary(
            k => string.Join("|", k),
            k => Tally.Of(sent.Where(r => features.Select(f => r.Groups[f]).SequenceEqual(k)).ToList()));
        Assert.Equal(keys.Count, grouping["groups"]!.Count());
        if (features.Length == Sensitive.Length)
        {
            Assert.Contains(tallies.Values, t => t.N == 0);
        }

        foreach (var group in grouping["groups"]!)
        {
            string key = string.Join("|", group["group"]!["values"]!.Values<string>());
            Assert.True(tallies.ContainsKey(key), $"Grouping {name} lists a group {key} that is not a combination of the values sent.");
            AssertGroup(group, tallies[key], MinGroupSize);
        }

        // The rates of the groups that take part in each figure.
        Dictionary<string, double> Qualifying(string rate) => tallies
            .Select(t => (t.Key, Rate(t.Value, rate, MinGroupSize).Value))
            .Where(t => t.Value is not null)
            .ToDictionary(t => t.Key, t => t.Value!.Value);
        var selection = Qualifying("selection_rate");
        var truePositive = Qualifying("true_positive_rate");
        var falsePositive = Qualifying("false_positive_rate");
        double overallSelection = (double)overall.Selected / overall.N;
        double overallTruePositive = (double)overall.TruePositives / overall.Positives;
        double overallFalsePositive = (double)overall.FalsePositives / overall.Negatives;

        // Disparate impact: against the configured reference when every feature of the grouping has one, else
        // against the highest selection rate (then it is the demographic parity ratio).
        string? reference = features.SequenceEqual(["sex"]) ? Reference : null;
        double? referenceRate = reference is not null ? (selection.TryGetValue(reference, out var r) ? r : null) : selection.Count > 0 ? selection.Values.Max() : null;
        foreach (var group in grouping["groups"]!)
        {
            string key = string.Join("|", group["group"]!["values"]!.Values<string>());
            var ratio = group["selectionRateRatioToReference"]!;
            if (selection.TryGetValue(key, out double rate) && referenceRate is > 0)
            {
                Assert.Equal(rate / referenceRate.Value, (double)ratio["value"]!, Precision);
            }
            else
            {
                Assert.Equal(JTokenType.Null, ratio["value"]!.Type);
            }
        }

        var breaches = new List<string>();
        foreach (string method in Methods)
        {
            bool toOverall = method == "to_overall";
            double? selectionDifference = Difference(selection.Values, overallSelection, toOverall);
            double? selectionRatio = Ratio(selection.Values, overallSelection, toOverall);
            double? tprDifference = Difference(truePositive.Values, overallTruePositive, toOverall);
            double? tprRatio = Ratio(truePositive.Values, overallTruePositive, toOverall);
            double? fprDifference = Difference(falsePositive.Values, overallFalsePositive, toOverall);
            double? fprRatio = Ratio(falsePositive.Values, overallFalsePositive, toOverall);
            double? disparateImpact = !toOverall && reference is not null
                ? selection.Count >= 2 && referenceRate is > 0 ? selection.Where(s => s.Key != reference).Min(s => s.Value) / referenceRate.Value : null
                : selectionRatio;
            var expected = new Dictionary<string, double?>
            {
                ["demographic_parity_difference"] = selectionDifference,
                ["demographic_parity_ratio"] = selectionRatio,
                ["equalized_odds_difference"] = Both(tprDifference, fprDifference, Math.Max),
                ["equalized_odds_difference_mean"] = Both(tprDifference, fprDifference, (a, b) => (a + b) / 2),
                ["equalized_odds_ratio"] = Both(tprRatio, fprRatio, Math.Min),
                ["equalized_odds_ratio_mean"] = Both(tprRatio, fprRatio, (a, b) => (a + b) / 2),
                ["equal_opportunity_difference"] = tprDifference,
                ["equal_opportunity_ratio"] = tprRatio,
                ["disparate_impact"] = disparateImpact,
            };

            foreach (var (metric, value) in expected)
            {
                var figure = grouping["figures"]!.Single(f => (string?)f["metric"] == metric && (string?)f["method"] == method);
                string what = $"{name} {metric} {method}";
                if (value is null)
                {
                    Assert.True(figure["value"] is null or { Type: JTokenType.Null }, $"{what} is {figure["value"]}, expected none.");
                    Assert.False(string.IsNullOrEmpty((string?)figure["notComputedBecause"]), $"{what} is not computed and says no reason.");
                    continue;
                }

                Assert.True(figure["value"] is { Type: JTokenType.Float or JTokenType.Integer }, $"{what} is missing: {figure["notComputedBecause"]}");
                double reported = (double)figure["value"]!;
                Assert.True(Math.Abs(value.Value - reported) <= Precision, $"{what} is {reported}, expected {value.Value}.");

                // The bootstrap interval: ordered, around the point estimate, at the report's level and resamples.
                var interval = figure["interval"];
                Assert.True(interval is JObject, $"{what} has no confidence interval.");
                double lower = (double)interval!["lower"]!, upper = (double)interval["upper"]!;
                Assert.True(lower <= upper, $"{what}: interval {lower} to {upper} is reversed.");
                Assert.True(lower <= reported && reported <= upper, $"{what}: {reported} is outside its interval {lower} to {upper}.");
                Assert.Equal(resamples, (int)interval["resamples"]!);

                if (!toOverall && Breaches(metric, value.Value))
                {
                    breaches.Add($"{name} {metric}");
                }
            }

            // The groups left out of the selection-rate and true-positive-rate figures, each with its reason.
            foreach (var (metric, rate) in new[] { ("demographic_parity_difference", "selection_rate"), ("equal_opportunity_difference", "true_positive_rate") })
            {
                var figure = grouping["figures"]!.Single(f => (string?)f["metric"] == metric && (string?)f["method"] == method);
                var excluded = figure["excludedGroups"]!
                    .Select(e => $"{string.Join("|", e["group"]!["values"]!.Values<string>())} {e["reason"]}")
                    .Order(StringComparer.Ordinal);
                var expectedExcluded = tallies
                    .Select(t => (t.Key, Rate(t.Value, rate, MinGroupSize).Reason))
                    .Where(t => t.Reason is not null)
                    .Select(t => $"{t.Key} {t.Reason}")
                    .Order(StringComparer.Ordinal);
                Assert.Equal(expectedExcluded, excluded);
            }
        }

        return breaches;
    }

    private static bool Breaches(string metric, double value) => metric switch
    {
        "demographic_parity_difference" => value > MaxParityDifference,
        "equalized_odds_difference" => value > MaxOddsDifference,
        "equal_opportunity_difference" => value > MaxOpportunityDifference,
        "disparate_impact" => value < MinDisparateImpact,
        _ => false,
    };

    /// <summary>The group's counts and rates, each rate a number or null with the reason (never 0 in its place).</summary>
    private static void AssertGroup(JToken group, Tally expected, int minimum)
    {
        string label = (string?)group["group"]!["label"] ?? "?";
        Assert.Equal(expected.N, (long)group["n"]!);
        Assert.Equal(expected.Labeled, (long)group["labeled"]!);
        var counts = group["counts"]!;
        Assert.Equal(
            new[] { expected.TruePositives, expected.FalsePositives, expected.TrueNegatives, expected.FalseNegatives, expected.SelectedUnlabeled, expected.NotSelectedUnlabeled },
            new[] { "truePositives", "falsePositives", "trueNegatives", "falseNegatives", "selectedUnlabeled", "notSelectedUnlabeled" }.Select(c => (long)counts[c]!));
        foreach (string rate in Rates)
        {
            var reported = group[Camel(rate)]!;
            var (value, reason) = Rate(expected, rate, minimum);
            if (value is { } v)
            {
                Assert.True(Math.Abs(v - (double)reported["value"]!) <= Precision, $"{label} {rate} is {reported["value"]}, expected {v}.");
                Assert.True(reported["excludedBecause"] is null or { Type: JTokenType.Null }, $"{label} {rate} has a value and an exclusion.");
            }
            else
            {
                Assert.True(reported["value"] is { Type: JTokenType.Null }, $"{label} {rate} is {reported["value"]}, expected none ({reason}).");
                Assert.Equal(reason, (string?)reported["excludedBecause"]);
                Assert.False(string.IsNullOrEmpty((string?)reported["detail"]), $"{label} {rate} is left out without saying why.");
            }
        }
    }

    /// <summary>Fairlearn's rates, except that a group under the minimum size (or without the rate's denominator) has none.</summary>
    private static ExpectedRate Rate(Tally t, string rate, int minimum)
    {
        if (t.N == 0)
        {
            return new(null, "empty");
        }

        if (rate == "selection_rate")
        {
            return t.N < minimum ? new(null, "below_minimum_size") : new((double)t.Selected / t.N, null);
        }

        if (t.Labeled == 0)
        {
            return new(null, "no_labels");
        }

        if (t.Labeled < minimum)
        {
            return new(null, "below_minimum_size");
        }

        return rate switch
        {
            // A rate's own denominator must reach the minimum too: a TPR from 2 positives is not judged.
            "true_positive_rate" => t.Positives == 0 ? new(null, "no_positives") : t.Positives < minimum ? new(null, "below_minimum_size") : new((double)t.TruePositives / t.Positives, null),
            "false_positive_rate" => t.Negatives == 0 ? new(null, "no_negatives") : t.Negatives < minimum ? new(null, "below_minimum_size") : new((double)t.FalsePositives / t.Negatives, null),
            _ => new((double)(t.TruePositives + t.TrueNegatives) / t.Labeled, null),
        };
    }

    /// <summary>MetricFrame.difference: max − min between groups; the largest |group − overall| to overall.</summary>
    private static double? Difference(ICollection<double> rates, double overall, bool toOverall) =>
        rates.Count < 2 ? null : toOverall ? rates.Max(r => Math.Abs(r - overall)) : rates.Max() - rates.Min();

    /// <summary>MetricFrame.ratio: min / max between groups; the smallest of group/overall and overall/group to overall.</summary>
    private static double? Ratio(ICollection<double> rates, double overall, bool toOverall) =>
        rates.Count < 2 ? null
        : toOverall ? overall == 0 ? null : rates.Min(r => Math.Min(r / overall, overall / r))
        : rates.Max() == 0 ? null : rates.Min() / rates.Max();

    private static double? Both(double? a, double? b, Func<double, double, double> combine) =>
        a is { } x && b is { } y ? combine(x, y) : null;

    private static string Camel(string snake) =>
        string.Concat(snake.Split('_').Select((part, i) => i == 0 ? part : char.ToUpperInvariant(part[0]) + part[1..]));

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Percent(double rate) => (rate * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";
}
