using System.Globalization;
using System.Net;
using Newtonsoft.Json.Linq;
using ServerlessML.Logging;
using ServerlessML.Registry;
using ServerlessML.Testing;

namespace ServerlessML.EndToEnd.Tests;

/// <summary>
/// The monitoring report end to end: the Adult model deployed with a reference.csv, traffic and labels sent over
/// HTTP, the timer fired, and report.json read back from storage and checked figure by figure against values
/// this test computes itself from the rows, answers and labels (plain formulas below, no product statistics code).
/// </summary>
[Collection(ServerlessMLAppCollection.Name)]
public sealed class MonitoringTests(ServerlessMLApp app)
{
    // The oldest of the 40 rows sent are 54, 56 and 59: shifted by 36 they land on the manifest's max of 90 (in range)
    // and past it (out of range), so the drift also shows in data quality.
    private const int AgeShift = 36;

    private const int ReferenceRows = 1000;

    // Evidently's rule (and the design's): a numeric feature whose reference has at most this many unique values is
    // compared value by value, otherwise on the reference decile bins.
    private const int ValueByValueMaxUnique = 20;

    private const double Tolerance = 1e-9;

    [Fact]
    public async Task The_timer_reports_the_traffic_labels_drift_and_groups_that_were_sent()
    {
        string model = $"monitoring-{Guid.NewGuid():N}"[..24];
        var referenceRows = AdultTraffic.Rows(0, ReferenceRows);
        var package = AdultTraffic.Package(AdultTraffic.SampleModel(), AdultTraffic.SampleManifest(), AdultTraffic.ReferenceCsv(referenceRows));
        var deployed = await app.DeployAsync(model, "1", package);
        var store = new RegistryStore(app.Run.Storage);

        // 4 requests of 10 rows, every age 36 years older than the reference's (drift), one bad request (an error).
        var rows = AdultTraffic.Rows(0, 40);
        var sent = rows.Select(r => AdultTraffic.Instance(r.Values, AgeShift)).ToList();
        var predicted = new List<bool>();
        var probabilities = new List<double>();
        for (int request = 0; request < 4; request++)
        {
            var body = new JObject { ["instances"] = new JArray(sent.Skip(request * 10).Take(10)) };
            using var response = await app.PostJsonAsync($"v1/models/{model}:predict", body.ToString(), $"{model}-req-{request}");
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, text);
            var answers = JObject.Parse(text)["predictions"]!;
            predicted.AddRange(answers.Select(p => (bool)p["label"]!));
            probabilities.AddRange(answers.Select(p => (double)p["probability"]!));
        }

        using (var bad = await app.PostJsonAsync($"v1/models/{model}:predict", """{"instances": "not a list"}""", $"{model}-bad"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        // Labels for the first 20 rows (requests 0 and 1).
        var labels = new JArray(Enumerable.Range(0, 20).Select(i => new JObject { ["id"] = $"{model}-req-{i / 10}", ["row"] = i % 10, ["label"] = rows[i].Label }));
        using (var feedback = await app.PostJsonAsync($"v1/models/{model}/feedback", new JObject { ["labels"] = labels }.ToString()))
        {
            Assert.True(feedback.IsSuccessStatusCode, await feedback.Content.ReadAsStringAsync());
        }

        // The log is written by a background writer every flush interval: wait until all 41 records are in storage.
        var reader = new PredictionLogReader(app.Run.Storage);
        await Eventually.TrueAsync(
            async () => await reader.ReadAsync(model, DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.AddHours(1)).CountAsync() >= 41,
            "the prediction log to be flushed", TimeSpan.FromSeconds(120));

        using (var run = await app.Run.RunNowAsync("MonitoringReport"))
        {
            Assert.True(run.IsSuccessStatusCode, await run.Content.ReadAsStringAsync());
        }

        // The admin API answers 202 and runs the timer in the background: wait for latest.json.
        var reports = app.Run.Storage.GetBlobContainerClient("reports");
        var latest = await Eventually.GetAsync(() => ReportJson.ReadAsync(reports, $"{model}/latest.json"), $"reports/{model}/latest.json", TimeSpan.FromSeconds(120));
        var version = (JObject)latest["versions"]!.Single(v => (string?)v["version"] == "1");
        var routes = (JObject)version["operations"]!;

        Assert.Equal(1, (int)latest["schemaVersion"]!);
        // The sample settings' MonitoringWindow 24:00:00 is 24 hours, not TimeSpan.Parse's 24 days.
        Assert.Equal(TimeSpan.FromHours(24), ReportJson.GeneratedUtc(latest) - DateTimeOffset.Parse((string)latest["window"]!["from"]!, CultureInfo.InvariantCulture));
        Assert.Equal(deployed.ModelSha256 ?? deployed.Sha256, (string?)version["modelSha256"]);
        Assert.Equal(5, routes.Properties().Sum(r => (long)r.Value["requests"]!));
        Assert.Equal(1, routes.Properties().Sum(r => (long)r.Value["errors"]!));
        Assert.Equal(4, (long)routes["production"]!["requests"]! - (long)routes["production"]!["errors"]!);
        Assert.Equal((long)routes["production"]!["requests"]!, (long)routes["production"]!["latencyMs"]!["count"]!);
        Assert.Equal(40, (long)version["rows"]!);

        // Performance over the 20 labelled rows, computed here from the answers and the labels sent.
        var performance = version["performance"]!;
        double accuracy = Enumerable.Range(0, 20).Count(i => predicted[i] == rows[i].Label) / 20.0;
        Assert.Equal(20, (long)performance["labeledRows"]!);
        Assert.Equal(20, (long)performance["classification"]!["count"]!);
        Assert.Equal(accuracy, (double)performance["classification"]!["accuracy"]!, 12);
        AssertPerformance(
            (JObject)performance["classification"]!,
            Enumerable.Range(0, 20).Select(i => rows[i].Label).ToArray(),
            predicted.Take(20).ToArray(),
            probabilities.Take(20).ToArray());

        // Operations: 5 requests on the production route, the bad one the only error.
        Assert.Equal(["production"], routes.Properties().Select(r => r.Name));
        var production = routes["production"]!;
        Assert.Equal(5, (long)production["requests"]!);
        Assert.Equal(5.0, (double)production["estimatedRequests"]!);
        Assert.Equal(1, (long)production["errors"]!);
        AssertRate(production["errorRate"]!, 1, 5);

        // Data quality against the manifest's types, ranges and categories, counted here over the 40 rows sent.
        var manifest = JObject.Parse(await File.ReadAllTextAsync(ServerlessMLApp.SampleFile("serverlessml.json")));
        AssertDataQuality((JObject)version["dataQuality"]!, (JArray)manifest["features"]!, sent);

        // Drift: counts, PSI, Jensen-Shannon and chi-square recomputed here from reference.csv's rows and the rows
        // sent; numeric features on the bin edges of the version's reference profile.
        var profileJson = await store.DownloadVersionFileAsync(model, "1", ServerlessML.Deployment.ReferenceProfile.FileName);
        Assert.NotNull(profileJson);
        AssertDrift(version, ReportJson.Parse(profileJson.ToString()), referenceRows.Select(r => r.Values).ToList(), sent);

        // Drift against reference.csv: age moved 36 years and is flagged; the report says so in words.
        Assert.Equal("reference profile", (string?)version["driftBaseline"]);
        var age = version["drift"]!["features"]!.Single(f => (string?)f["feature"] == "age");
        Assert.True((bool)age["drifted"]!);
        Assert.Equal(40, (long)age["currentCount"]!);
        Assert.Contains(latest["breaches"]!, b => (string?)b["subject"] == "age" && ((string?)b["sentence"])!.Contains("feature 'age'", StringComparison.Ordinal));

        // Fairness by sex and race: the group sizes are those of the rows sent.
        var fairness = (await ReportJson.ReadAsync(reports, ReportJson.RunFolder(model, latest) + "fairness.json"))!;
        var bySex = fairness["versions"]![0]!["fairness"]!["outcomes"]![0]!["groupings"]!.Single(g => g["features"]!.Values<string>().SequenceEqual(["sex"]));
        long males = rows.Count(r => r.Values[9] == "Male");
        Assert.Equal(males, (long)bySex["groups"]!.Single(g => (string?)g["group"]!["values"]![0] == "Male")["n"]!);
        Assert.NotNull(await ReportJson.ReadAsync(reports, ReportJson.RunFolder(model, latest) + "report.json"));

        // The management API answers the same report, and runs a new one on demand.
        using var answer = await app.Run.GetAsync($"management/models/{model}/reports/latest", KeyKind.Master);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal((string?)latest["generatedUtc"], (string?)ReportJson.Parse(await answer.Content.ReadAsStringAsync())["generatedUtc"]);
        using var rerun = await app.Run.SendAsync(HttpMethod.Post, $"management/models/{model}/reports", KeyKind.Master);
        var fresh = ReportJson.Parse(await rerun.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, rerun.StatusCode);
        Assert.Equal(40, (long)fresh["versions"]!.Single(v => (string?)v["version"] == "1")["rows"]!);
        using var unknown = await app.Run.SendAsync(HttpMethod.Post, "management/models/no-such-model/reports", KeyKind.Master);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private static void AssertPerformance(JObject metrics, bool[] actual, bool[] predicted, double[] probability)
    {
        long truePositives = Enumerable.Range(0, actual.Length).Count(i => actual[i] && predicted[i]);
        long falsePositives = Enumerable.Range(0, actual.Length).Count(i => !actual[i] && predicted[i]);
        long falseNegatives = Enumerable.Range(0, actual.Length).Count(i => actual[i] && !predicted[i]);
        var (precision, recall, f1) = PrecisionRecallF1(truePositives, falsePositives, falseNegatives);
        Assert.Equal(actual.Count(a => a), (long)metrics["actualPositives"]!);
        Assert.Equal(actual.Count(a => !a), (long)metrics["actualNegatives"]!);
        Assert.Equal(actual.Length, (long)metrics["scoredCount"]!);
        Assert.Equal(precision, (double)metrics["precision"]!, Tolerance);
        Assert.Equal(recall, (double)metrics["recall"]!, Tolerance);
        Assert.Equal(f1, (double)metrics["f1"]!, Tolerance);
        Assert.Equal(LogLoss(actual, probability), (double)metrics["logLoss"]!, Tolerance);
        Assert.Equal(ExpectedCalibrationError(actual, probability), (double)metrics["expectedCalibrationError"]!, Tolerance);

        // The report's AUC comes from a score histogram and states how far from the exact value it can be.
        double auc = RocAuc(actual, probability);
        Assert.InRange((double)metrics["rocAuc"]!, auc - (double)metrics["rocAucErrorBound"]! - Tolerance, auc + (double)metrics["rocAucErrorBound"]! + Tolerance);
    }

    private static void AssertDataQuality(JObject quality, JArray manifestFeatures, List<JObject> sent)
    {
        Assert.Equal(AdultTraffic.Features.Order(StringComparer.Ordinal), quality.Properties().Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var spec in manifestFeatures)
        {
            string name = (string)spec["name"]!;
            var report = quality[name]!;
            AssertRate(report["nullRate"]!, 0, sent.Count);
            AssertRate(report["typeErrorRate"]!, 0, sent.Count);
            if (AdultTraffic.NumericFeatures.Contains(name))
            {
                double min = (double)spec["min"]!, max = (double)spec["max"]!;
                AssertRate(report["outOfRangeRate"]!, sent.Count(row => (double)row[name]! < min || (double)row[name]! > max), sent.Count);
                AssertRate(report["unseenCategoryRate"]!, 0, 0);
            }
            else
            {
                var known = spec["categories"]!.Values<string>().ToHashSet(StringComparer.Ordinal);
                AssertRate(report["outOfRangeRate"]!, 0, 0);
                AssertRate(report["unseenCategoryRate"]!, sent.Count(row => !known.Contains((string)row[name]!)), sent.Count);
            }
        }

        // Known drift must show: some shifted ages are past the manifest's max.
        Assert.True((long)quality["age"]!["outOfRangeRate"]!["count"]! > 0);
    }

    private static void AssertRate(JToken rate, long count, long of)
    {
        Assert.Equal(count, (long)rate["count"]!);
        Assert.Equal(of, (long)rate["of"]!);
        if (of == 0)
        {
            Assert.Equal(JTokenType.Null, rate["value"]!.Type);
        }
        else
        {
            Assert.Equal((double)count / of, (double)rate["value"]!, Tolerance);
        }
    }

    private static void AssertDrift(JObject version, JObject profile, List<string[]> reference, List<JObject> sent)
    {
        var results = version["drift"]!["features"]!.ToDictionary(f => (string)f["feature"]!, f => f);
        var distributions = version["distributions"]!.ToDictionary(d => (string)d["feature"]!, d => d);
        Assert.Equal(AdultTraffic.Features.Order(StringComparer.Ordinal), results.Keys.Order(StringComparer.Ordinal));
        int maxDistinct = (int)profile["options"]!["maxDistinctValues"]!;
        for (int f = 0; f < AdultTraffic.Features.Count; f++)
        {
            string name = AdultTraffic.Features[f];
            var result = results[name];
            var distribution = distributions[name];
            Assert.Equal("computed", (string?)result["status"]);
            Assert.Equal(ReferenceRows, (long)result["referenceCount"]!);
            Assert.Equal(sent.Count, (long)result["currentCount"]!);
            Assert.Equal(0, (long)result["currentMissingCount"]!);

            long[] referenceCounts, currentCounts;
            if (AdultTraffic.NumericFeatures.Contains(name))
            {
                var referenceValues = reference.Select(r => double.Parse(r[f], CultureInfo.InvariantCulture)).Order().ToArray();
                var currentValues = sent.Select(row => (double)row[name]!).Order().ToArray();

                // The profile's bins are the reference deciles, ties merged.
                var stored = profile["numeric"]![name]!;
                var deciles = Enumerable.Range(1, 9).Select(i => LinearQuantile(referenceValues, i / 10.0)).ToArray();
                AssertClose(deciles, stored["deciles"]!.Values<double>().ToArray(), $"{name} deciles");
                var edges = stored["data"]!["histogram"]!["edges"]!.Values<double>().ToArray();
                AssertClose(deciles.Distinct().ToArray(), edges, $"{name} bin edges");

                var referenceBins = BinCounts(referenceValues, edges);
                var currentBins = BinCounts(currentValues, edges);
                Assert.Equal(referenceBins, distribution["reference"]!.Values<long>());
                Assert.Equal(currentBins, distribution["current"]!.Values<long>());

                var referenceDistinct = referenceValues.Distinct().ToArray();
                var union = referenceDistinct.Union(currentValues).Order().ToArray();
                if (referenceDistinct.Length <= ValueByValueMaxUnique)
                {
                    referenceCounts = union.Select(v => (long)referenceValues.Count(x => x == v)).ToArray();
                    currentCounts = union.Select(v => (long)currentValues.Count(x => x == v)).ToArray();
                }
                else
                {
                    (referenceCounts, currentCounts) = (referenceBins, currentBins);
                }

                int? unique = referenceDistinct.Length <= maxDistinct && currentValues.Distinct().Count() <= maxDistinct ? union.Length : null;
                Assert.Equal(unique, (int?)result["uniqueValues"]);

                // KS and Wasserstein come from quantile sketches, each with an interval said to hold the raw-data value.
                var ks = Statistic(result, "ks");
                AssertWithin(KolmogorovSmirnovD(referenceValues, currentValues), ks["statisticBounds"]!, $"{name} KS D");
                var wasserstein = Statistic(result, "wasserstein");
                AssertWithin(Wasserstein(referenceValues, currentValues) / Math.Max(PopulationStandardDeviation(referenceValues), 0.001), wasserstein["bounds"]!, $"{name} normed Wasserstein");
            }
            else
            {
                var referenceValues = reference.Select(r => r[f]).ToArray();
                var currentValues = sent.Select(row => (string)row[name]!).ToArray();
                var categories = referenceValues.Union(currentValues).Order(StringComparer.Ordinal).ToArray();
                referenceCounts = categories.Select(c => (long)referenceValues.Count(v => v == c)).ToArray();
                currentCounts = categories.Select(c => (long)currentValues.Count(v => v == c)).ToArray();
                Assert.Equal(categories.Length, (int)result["uniqueValues"]!);

                var bins = distribution["bins"]!.Values<string>().ToArray();
                Assert.Equal(categories.Order(StringComparer.Ordinal), bins.Order(StringComparer.Ordinal));
                Assert.Equal(bins.Select(c => (long)referenceValues.Count(v => v == c)), distribution["reference"]!.Values<long>());
                Assert.Equal(bins.Select(c => (long)currentValues.Count(v => v == c)), distribution["current"]!.Values<long>());

                long unseen = Enumerable.Range(0, categories.Length).Where(i => referenceCounts[i] == 0).Sum(i => currentCounts[i]);
                Assert.Equal((double)unseen / sent.Count, (double)Statistic(result, "unseen_share")["value"]!, Tolerance);
                if (categories.Length <= 2)
                {
                    Assert.Equal(AbsoluteZ(referenceCounts, currentCounts), Math.Abs((double)Statistic(result, "z")["statistic"]!), Tolerance);
                }
            }

            Assert.Equal(Psi(referenceCounts, currentCounts), (double)Statistic(result, "psi")["value"]!, Tolerance);
            Assert.Equal(JensenShannon(referenceCounts, currentCounts), (double)Statistic(result, "jensenshannon")["value"]!, Tolerance);
            var chiSquare = Statistic(result, "chisquare");
            Assert.Equal(ChiSquare(referenceCounts, currentCounts), (double)chiSquare["statistic"]!, Tolerance);
            Assert.Equal(referenceCounts.Length - 1, (int)chiSquare["degreesOfFreedom"]!);
        }
    }

    private static JToken Statistic(JToken result, string method) =>
        result["statistics"]!.SingleOrDefault(s => (string?)s["method"] == method)
        ?? throw new Xunit.Sdk.XunitException($"The drift result of '{result["feature"]}' has no '{method}' statistic: {result}");

    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: expected {expected.Length} values, the report has {actual.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}]: expected {expected[i]}, the report has {actual[i]}");
        }
    }

    private static void AssertWithin(double exact, JToken bounds, string what)
    {
        double lower = (double)bounds["lower"]!, upper = (double)bounds["upper"]!;
        Assert.True(exact >= lower - Tolerance && exact <= upper + Tolerance, $"{what}: the raw-data value {exact} is outside the report's bounds [{lower}, {upper}]");
    }

    // Evidently's psi_stat_test: Σ (r − c)·ln(r / c) over the shares of each side, zero shares filled first.
    private static double Psi(long[] reference, long[] current)
    {
        double[] r = FilledShares(reference), c = FilledShares(current);
        return Enumerable.Range(0, r.Length).Sum(i => (r[i] - c[i]) * Math.Log(r[i] / c[i]));
    }

    // Evidently's get_binned_data(feel_zeroes=True): a zero share becomes 0.0001, or the smallest non-zero share / 10⁶ when that is ≤ 0.0001.
    private static double[] FilledShares(long[] counts)
    {
        double total = counts.Sum();
        var shares = counts.Select(c => c / total).ToArray();
        double smallest = shares.Where(s => s > 0).Min();
        double fill = smallest <= 0.0001 ? smallest / 1e6 : 0.0001;
        return shares.Select(s => s == 0 ? fill : s).ToArray();
    }

    // scipy.spatial.distance.jensenshannon(p, q) (natural log): √((KL(p‖m) + KL(q‖m)) / 2), m = (p + q) / 2, 0·ln 0 = 0.
    private static double JensenShannon(long[] reference, long[] current)
    {
        double referenceTotal = reference.Sum(), currentTotal = current.Sum(), sum = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double p = reference[i] / referenceTotal, q = current[i] / currentTotal, m = (p + q) / 2;
            sum += (p > 0 ? p * Math.Log(p / m) : 0) + (q > 0 ? q * Math.Log(q / m) : 0);
        }

        return Math.Sqrt(sum / 2);
    }

    // scipy.stats.chisquare(current, reference · n_current / n_reference): Σ (o − e)² / e, as Evidently's chisquare_stat_test; e = o = 0 adds nothing.
    private static double ChiSquare(long[] reference, long[] current)
    {
        double scale = (double)current.Sum() / reference.Sum(), sum = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double expected = reference[i] * scale;
            if (expected == 0)
            {
                sum += current[i] > 0 ? double.PositiveInfinity : 0;
                continue;
            }

            sum += (current[i] - expected) * (current[i] - expected) / expected;
        }

        return sum;
    }

    // |z| of the two-proportion z-test with pooled variance (Evidently's proportions_diff_z_stat_ind), on the second category's share.
    private static double AbsoluteZ(long[] reference, long[] current)
    {
        double n1 = reference.Sum(), n2 = current.Sum();
        double p1 = reference[^1] / n1, p2 = current[^1] / n2, pooled = (reference[^1] + current[^1]) / (n1 + n2);
        return Math.Abs(p1 - p2) / Math.Sqrt(pooled * (1 - pooled) * ((1 / n1) + (1 / n2)));
    }

    // numpy.quantile's default (linear): x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋]), h = p·(n − 1), over sorted x.
    private static double LinearQuantile(double[] sorted, double p)
    {
        double h = p * (sorted.Length - 1);
        int below = (int)Math.Floor(h);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((h - below) * (sorted[above] - sorted[below]));
    }

    // numpy.histogram's left-closed bins [eᵢ₋₁, eᵢ), with open bins below the first edge and from the last: a value's bin is the number of edges ≤ it.
    private static long[] BinCounts(double[] values, double[] edges)
    {
        var counts = new long[edges.Length + 1];
        foreach (double value in values)
        {
            counts[edges.Count(e => e <= value)]++;
        }

        return counts;
    }

    // Two-sample Kolmogorov-Smirnov D = sup |F₁ − F₂| over right-continuous empirical CDFs (scipy.stats.ks_2samp).
    private static double KolmogorovSmirnovD(double[] a, double[] b) =>
        a.Union(b).Max(x => Math.Abs(Cdf(a, x) - Cdf(b, x)));

    // scipy.stats.wasserstein_distance: ∫ |F₁ − F₂| dx, exact between consecutive sample points.
    private static double Wasserstein(double[] a, double[] b)
    {
        var points = a.Union(b).Order().ToArray();
        return Enumerable.Range(0, points.Length - 1).Sum(i => Math.Abs(Cdf(a, points[i]) - Cdf(b, points[i])) * (points[i + 1] - points[i]));
    }

    private static double Cdf(double[] sample, double x) => (double)sample.Count(v => v <= x) / sample.Length;

    // numpy.std (population, divisor n).
    private static double PopulationStandardDeviation(double[] values)
    {
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
    }

    // scikit-learn precision_score, recall_score and f1_score for the positive class, zero_division = 0.
    private static (double Precision, double Recall, double F1) PrecisionRecallF1(long truePositives, long falsePositives, long falseNegatives)
    {
        double precision = truePositives + falsePositives > 0 ? (double)truePositives / (truePositives + falsePositives) : 0;
        double recall = truePositives + falseNegatives > 0 ? (double)truePositives / (truePositives + falseNegatives) : 0;
        return (precision, recall, precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0);
    }

    // scikit-learn log_loss: −mean ln p(actual class), p clipped to [ε, 1 − ε], ε = float64 machine epsilon.
    private static double LogLoss(bool[] actual, double[] positiveProbability)
    {
        double epsilon = Math.BitIncrement(1.0) - 1;
        return -Enumerable.Range(0, actual.Length)
            .Average(i => Math.Log(Math.Clamp(actual[i] ? positiveProbability[i] : 1 - positiveProbability[i], epsilon, 1 - epsilon)));
    }

    // Σ (n_b / n)·|mean probability_b − positive share_b| over scikit-learn calibration_curve(n_bins=10)'s bins (0, 0.1], (0.1, 0.2], …
    private static double ExpectedCalibrationError(bool[] actual, double[] positiveProbability)
    {
        var bins = Enumerable.Range(0, actual.Length).GroupBy(i => Enumerable.Range(1, 9).Count(k => k * 0.1 < positiveProbability[i]));
        return bins.Sum(bin => bin.Count() * Math.Abs(bin.Average(i => positiveProbability[i]) - bin.Average(i => actual[i] ? 1.0 : 0.0))) / actual.Length;
    }

    // ROC AUC as scikit-learn's roc_auc_score: the share of (positive, negative) pairs the positive scores higher, ties ½.
    private static double RocAuc(bool[] actual, double[] positiveProbability)
    {
        var positives = Enumerable.Range(0, actual.Length).Where(i => actual[i]).Select(i => positiveProbability[i]).ToArray();
        var negatives = Enumerable.Range(0, actual.Length).Where(i => !actual[i]).Select(i => positiveProbability[i]).ToArray();
        double wins = positives.Sum(p => negatives.Sum(n => p > n ? 1 : p == n ? 0.5 : 0));
        return wins / ((double)positives.Length * negatives.Length);
    }
}
