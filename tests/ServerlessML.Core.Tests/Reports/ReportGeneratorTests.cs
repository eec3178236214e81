using Newtonsoft.Json.Linq;
using ServerlessML.Logging;
using ServerlessML.Monitoring;
using ServerlessML.Reports;

namespace ServerlessML.Tests.Reports;

/// <summary>
/// The report's wiring, checked against figures computed here another way from the rows the test logged
/// (the statistics themselves are tested with the Monitoring and Fairness libraries).
/// </summary>
public sealed class ReportGeneratorTests
{
    [Fact]
    public async Task Operations_performance_and_groups_equal_counts_over_the_log()
    {
        var bench = await ReportBench.CreateAsync("report-ops");
        await bench.LogAsync(300, shift: 0, seed: 1);
        var served = bench.Rows.Where(r => !r.Failed).ToList();
        var labelled = served.Where((_, i) => i % 2 == 0).ToList();
        await bench.FeedbackAsync(labelled, ReportBench.Now.AddMinutes(-5));

        var report = (await bench.Generator().RunModelAsync(bench.Model, ReportBench.Now))!;

        var version = Assert.Single(report.Versions);
        foreach (var route in new[] { "production", "canary" })
        {
            var rows = bench.Rows.Where(r => r.Route == route).ToList();
            var operations = version.Operations[route];
            Assert.Equal((rows.Count, rows.Count(r => r.Failed)), ((int)operations.Requests, (int)operations.Errors));
            Assert.Equal(rows.Count, operations.ErrorRate.Of);
            // The sketch's p50 is within its relative accuracy (1%) of the middle order statistics.
            var sorted = rows.Select(r => r.LatencyMs).Order().ToList();
            Assert.InRange(operations.Latency.P50!.Value, sorted[(sorted.Count - 1) / 2] * 0.99, sorted[sorted.Count / 2] * 1.01);
            Assert.Equal(rows.Count, operations.Latency.Count);
        }

        Assert.Equal(served.Count, version.Rows);
        Assert.Equal(labelled.Count, version.Performance.LabeledRows);
        var metrics = version.Performance.Classification!;
        double accuracy = labelled.Count(r => r.Predicted == r.Actual) / (double)labelled.Count;
        long truePositives = labelled.Count(r => r.Predicted == "yes" && r.Actual == "yes");
        Assert.Equal(accuracy, metrics.Accuracy!.Value, 12);
        Assert.Equal(truePositives / (double)labelled.Count(r => r.Predicted == "yes"), metrics.Precision!.Value, 12);
        Assert.Equal(truePositives / (double)labelled.Count(r => r.Actual == "yes"), metrics.Recall!.Value, 12);

        // Fairness by the passthrough field "group": n and selection rate per group, counted here.
        var groups = version.Fairness!.Outcomes.Single().Grouping("group");
        foreach (var name in new[] { "g1", "g2" })
        {
            var rows = served.Where(r => r.Group == name).ToList();
            var metricsOfGroup = groups.Group(name);
            Assert.Equal(rows.Count, metricsOfGroup.N);
            Assert.Equal(rows.Count(r => r.Predicted == "yes") / (double)rows.Count, metricsOfGroup.SelectionRate.Value!.Value, 12);
        }

        // The files: dated report.json and fairness.json, and latest.json with the same content.
        string folder = ReportPaths.RunFolder(bench.Model, ReportBench.Now);
        Assert.EndsWith("/2026/01/10/1230/", folder, StringComparison.Ordinal);
        var stored = (await bench.ReportsJsonAsync(folder + "report.json"))!;
        Assert.Equal(stored.ToString(), (await bench.ReportsJsonAsync(ReportPaths.LatestJson(bench.Model)))!.ToString());
        Assert.Equal(served.Count(r => r.Group == "g1"), (long)(await bench.ReportsJsonAsync(folder + "fairness.json"))!["versions"]![0]!["fairness"]!["outcomes"]![0]!["groupings"]![0]!["groups"]!
            .Single(g => (string?)g["group"]!["values"]![0] == "g1")["n"]!);
        // A 24-hour window ending at 12:30: 23 whole hours aggregated and stored, two live segments at its edges.
        Assert.Equal((23, 2), ((int)stored["window"]!["aggregatedHours"]!, (int)stored["window"]!["liveSegments"]!));
    }

    [Fact]
    public async Task A_shifted_feature_is_flagged_with_the_psi_computed_here_from_the_same_rows()
    {
        var bench = await ReportBench.CreateAsync("report-drift");
        await bench.LogAsync(400, shift: 40, seed: 2);

        var report = (await bench.Generator().RunModelAsync(bench.Model, ReportBench.Now))!;

        var x = report.Versions[0].Drift!.Features.Single(f => f.Feature == "x");
        Assert.True(x.Drifted);
        var current = bench.Rows.Where(r => !r.Failed).Select(r => r.X).ToList();
        Assert.Equal(IndependentPsi(bench.ReferenceX, current), x.Find(DriftMethods.Psi)!.Value, 9);
        Assert.Equal(current.Count, x.CurrentCount);
        var breach = Assert.Single(report.Breaches, b => b.Subject == "x" && b.Area == "drift");
        Assert.Contains("feature 'x' has shifted from the reference profile", breach.Sentence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_feature_drawn_from_the_reference_distribution_is_not_flagged()
    {
        var bench = await ReportBench.CreateAsync("report-nodrift");
        await bench.LogAsync(400, shift: 0, seed: 3);

        var report = (await bench.Generator().RunModelAsync(bench.Model, ReportBench.Now))!;

        var drift = report.Versions[0].Drift!;
        Assert.Equal([false, false], drift.Features.Select(f => f.Drifted ?? true));
        var current = bench.Rows.Where(r => !r.Failed).Select(r => r.X).ToList();
        Assert.Equal(IndependentPsi(bench.ReferenceX, current), drift.Features.Single(f => f.Feature == "x").Find(DriftMethods.Psi)!.Value, 9);
        Assert.DoesNotContain(report.Breaches, b => b.Area == "drift");
    }

    [Fact]
    public async Task Without_a_reference_profile_drift_is_measured_against_the_previous_window()
    {
        var bench = await ReportBench.CreateAsync("report-previous", withProfile: false);
        // The previous window (yesterday 10:00-12:00) is uniform on 0..100; this window is shifted by 40.
        await bench.LogAsync(300, shift: 0, seed: 8, start: ReportBench.Now.AddHours(-26.5), span: TimeSpan.FromHours(2));
        int before = bench.Rows.Count;
        await bench.LogAsync(300, shift: 40, seed: 9);

        var report = (await bench.Generator().RunModelAsync(bench.Model, ReportBench.Now))!;

        var version = report.Versions.Single();
        Assert.Equal(ReportBuilder.BaselinePreviousWindow, version.DriftBaseline);
        var x = version.Drift!.Features.Single(f => f.Feature == "x");
        Assert.True(x.Drifted);
        Assert.Equal((bench.Rows.Take(before).Count(r => !r.Failed), bench.Rows.Skip(before).Count(r => !r.Failed)), ((int)x.ReferenceCount, (int)x.CurrentCount));
        // The prediction (yes when x > 50) moved with x: its label share drifted too.
        Assert.True(version.PredictionDrift.Single(p => p.Feature == "predicted label").Drifted);
    }

    [Fact]
    public async Task Too_few_rows_give_insufficient_data_instead_of_a_figure()
    {
        var bench = await ReportBench.CreateAsync("report-few");
        await bench.LogAsync(12, shift: 40, seed: 4);

        var report = (await bench.Generator().RunModelAsync(bench.Model, ReportBench.Now))!;

        var x = report.Versions[0].Drift!.Features.Single(f => f.Feature == "x");
        Assert.Equal((DriftStatus.InsufficientData, (double?)null), (x.Status, x.Score));
        Assert.DoesNotContain(report.Breaches, b => b.Area == "drift");
    }

    [Fact]
    public async Task Completed_hours_are_stored_and_merged_until_new_labels_make_them_recomputed()
    {
        var bench = await ReportBench.CreateAsync("report-hours");
        await bench.LogAsync(100, shift: 0, seed: 5);
        var generator = bench.Generator();
        var first = (await generator.RunModelAsync(bench.Model, ReportBench.Now))!;
        Assert.NotNull(await bench.ReportsJsonAsync(ReportPaths.HourAggregate(bench.Model, ReportBench.Now.AddHours(-2).AddMinutes(-30))));
        Assert.Null(await bench.ReportsJsonAsync(ReportPaths.HourAggregate(bench.Model, LogPaths.HourOf(ReportBench.Now))));

        // A blob written late into hour 10: the stored aggregate of hour 10 is used, the log is not read again...
        var late = ReportBench.Now.AddHours(-2.5).AddMinutes(1);
        await bench.LogAsync(20, shift: 0, seed: 6, start: late, span: TimeSpan.FromMinutes(10));
        var second = (await generator.RunModelAsync(bench.Model, ReportBench.Now.AddMinutes(1)))!;
        Assert.Equal(Requests(first), Requests(second));
        Assert.Equal((23, 0), (second.Window.StoredHours, second.Window.AggregatedHours));

        // ...until feedback arrives within the label horizon: then the hours are aggregated again, with the labels.
        await bench.FeedbackAsync(bench.Rows.Where(r => !r.Failed).Take(10), ReportBench.Now.AddMinutes(1));
        var third = (await generator.RunModelAsync(bench.Model, ReportBench.Now.AddMinutes(2)))!;
        Assert.Equal(bench.Rows.Count, Requests(third));
        Assert.Equal(10, third.Versions[0].Performance.LabeledRows);
        // Only the hours that have predictions (10:00 and 11:00) are aggregated again.
        Assert.Equal(2, third.Window.AggregatedHours);
    }

    private static long Requests(ModelReport report) => report.Versions[0].Operations.Values.Sum(o => o.Requests);

    /// <summary>PSI as Evidently computes it, written out here: reference deciles (numpy linear), left-closed bins, empty bins 0.0001.</summary>
    private static double IndependentPsi(IReadOnlyList<double> reference, IReadOnlyList<double> current)
    {
        var sorted = reference.Order().ToArray();
        var edges = Enumerable.Range(1, 9).Select(i =>
        {
            double h = (sorted.Length - 1) * i / 10.0;
            int lo = (int)Math.Floor(h);
            return sorted[lo] + ((h - lo) * (sorted[Math.Min(lo + 1, sorted.Length - 1)] - sorted[lo]));
        }).ToArray();
        double[] Shares(IReadOnlyList<double> values)
        {
            var counts = new double[10];
            foreach (double v in values)
            {
                counts[edges.Count(e => e <= v)]++;
            }

            return counts.Select(c => c == 0 ? 0.0001 : c / values.Count).ToArray();
        }

        var r = Shares(reference);
        var c = Shares(current);
        return Enumerable.Range(0, 10).Sum(i => (r[i] - c[i]) * Math.Log(r[i] / c[i]));
    }
}
