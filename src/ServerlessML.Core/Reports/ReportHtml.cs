using System.Globalization;
using System.Net;
using System.Text;
using Newtonsoft.Json.Linq;
using ServerlessML.Fairness;
using ServerlessML.Monitoring;

namespace ServerlessML.Reports;

/// <summary>
/// report.html: one self-contained page (inline SVG, no scripts, no external resources, well-formed XHTML syntax)
/// that a non-engineer reads top down: what crossed a threshold, in words; then operations, drift, performance,
/// fairness and the trend over past reports.
/// </summary>
public static class ReportHtml
{
    private const string ReferenceColor = "#8da0cb";
    private const string CurrentColor = "#e78a4e";

    public static string Render(ModelReport report, IReadOnlyList<JObject> trend)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(trend);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>")
            .Append("<title>").Append(Text($"Monitoring report: {report.Model}")).Append("</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;line-height:1.45}")
            .Append("h1{margin-bottom:0.2em}h2{border-bottom:2px solid #ddd;padding-bottom:0.2em;margin-top:2em}")
            .Append("table{border-collapse:collapse;margin:0.5em 0 1em}td,th{border:1px solid #ccc;padding:0.25em 0.6em;text-align:right}")
            .Append("th:first-child,td:first-child{text-align:left}.muted{color:#666}.alert{background:#fdecea;border-left:6px solid #c0392b;padding:0.6em 1em;margin:0.4em 0}")
            .Append(".ok{background:#eaf6ec;border-left:6px solid #2e7d32;padding:0.6em 1em}.charts{display:flex;flex-wrap:wrap;gap:1em}")
            .Append(".key span{display:inline-block;width:0.9em;height:0.9em;margin:0 0.3em 0 1em;vertical-align:middle}")
            .Append("</style></head><body>");
        html.Append("<h1>").Append(Text($"Model “{report.Model}”: monitoring report")).Append("</h1>")
            .Append("<p class=\"muted\">").Append(Text($"Window {Time(report.Window.From)} to {Time(report.Window.To)} (UTC). Versions with traffic: {string.Join(", ", report.Versions.Select(v => v.Version))}.")).Append("</p>");

        AppendCanary(html, report.Canary);
        AppendAttention(html, report);
        foreach (var version in report.Versions)
        {
            html.Append("<h2>").Append(Text($"Version {version.Version}")).Append("</h2>");
            html.Append("<p class=\"muted\">").Append(Text($"Model file SHA-256 {version.ModelSha256 ?? "unknown"}; task {version.Task ?? "not declared"}; drift measured against the {version.DriftBaseline}.")).Append("</p>");
            foreach (string note in version.Notes)
            {
                html.Append("<p>").Append(Text(note)).Append("</p>");
            }

            AppendOperations(html, version);
            AppendDrift(html, version);
            AppendQuality(html, version);
            AppendPerformance(html, version);
            AppendFairness(html, version);
        }

        AppendTrend(html, trend);
        html.Append("<p class=\"muted\">").Append(Text(report.Configuration.LateLabels)).Append("</p>");
        html.Append("</body></html>\n");
        return html.ToString();
    }

    /// <summary>The canary decision in words first (it may have changed what is served), then its figures against the budget.</summary>
    private static void AppendCanary(StringBuilder html, CanaryJudgement? canary)
    {
        if (canary is null)
        {
            return;
        }

        string style = canary.Verdict switch
        {
            CanaryVerdict.Promote => " class=\"ok\"",
            CanaryVerdict.RollBack => " class=\"alert\"",
            _ => "",
        };
        html.Append("<h2>").Append(Text($"Canary: version {canary.Version} beside production {canary.Production} ({canary.Percent:0.##}% of requests)")).Append("</h2>")
            .Append("<p").Append(style).Append("><strong>").Append(Text(CanaryVerdictWords(canary))).Append("</strong> ").Append(Text(canary.Reason)).Append("</p>")
            .Append("<p>").Append(Text($"What was done: {canary.Action}.")).Append("</p>")
            .Append("<p class=\"muted\">").Append(Text($"Compared from {Time(canary.Since)} to {Time(canary.Until)} (UTC): the canary version's requests on the canary route against the production version's on the production route.")).Append("</p>");
        html.Append("<table><tr><th>Figure</th><th>Canary</th><th>Production</th><th>Budget</th><th>Result</th></tr>");
        var checks = canary.Checks.ToDictionary(c => c.Figure, StringComparer.Ordinal);
        var budget = canary.Budget;
        AppendCanaryRow(html, "Requests", canary.Canary.Requests.ToString("N0", CultureInfo.InvariantCulture), canary.ProductionFigures.Requests.ToString("N0", CultureInfo.InvariantCulture),
            budget is null ? "" : $"at least {budget.MinRequests:N0}", checks.GetValueOrDefault("requests"));
        AppendCanaryRow(html, "Error rate", Percent(canary.Canary.ErrorRate), Percent(canary.ProductionFigures.ErrorRate),
            budget is null ? "" : $"at most {Percent(budget.MaxErrorRate)}", checks.GetValueOrDefault("error rate"));
        AppendCanaryRow(html, "Latency p95 (ms)", Number(canary.Canary.LatencyP95Ms), Number(canary.ProductionFigures.LatencyP95Ms), "", null);
        AppendCanaryRow(html, "Latency ratio (canary / production, p95)", Number(canary.LatencyRatio), "",
            budget is null ? "" : $"at most {Number(budget.MaxLatencyRatio)}", checks.GetValueOrDefault("latency ratio"));
        string method = canary.PredictionDrift.Method is { } m ? $" ({ReportBuilder.MethodWords(m)} of the {canary.PredictionDrift.Subject})" : "";
        AppendCanaryRow(html, $"Prediction drift{method}", canary.PredictionDrift.Value is { } drift ? Number(drift) : "insufficient data", "reference",
            budget is null ? "" : $"at most {Number(budget.MaxPredictionDrift)}", checks.GetValueOrDefault("prediction drift"));
        html.Append("</table>");
        if (budget is { Defaulted.Count: > 0 })
        {
            html.Append("<p class=\"muted\">").Append(Text($"The manifest's rollout.promoteAfter does not set {string.Join(", ", budget.Defaulted)}; the defaults apply.")).Append("</p>");
        }
    }

    private static void AppendCanaryRow(StringBuilder html, string figure, string canary, string production, string budget, CanaryCheck? check)
    {
        string result = check is null ? "" : check.Status switch
        {
            CanaryCheckStatus.OverBudget => "over budget",
            CanaryCheckStatus.WithinBudget => "within budget",
            _ => "not judged yet",
        };
        html.Append("<tr><td>").Append(Text(figure)).Append("</td><td>").Append(Text(canary)).Append("</td><td>").Append(Text(production))
            .Append("</td><td>").Append(Text(budget)).Append("</td><td>")
            .Append(check?.Status == CanaryCheckStatus.OverBudget ? "<strong>" + Text(result) + "</strong>" : Text(result))
            .Append(check?.Note is { } note ? "<br/><span class=\"muted\">" + Text(note) + "</span>" : "").Append("</td></tr>");
    }

    private static string CanaryVerdictWords(CanaryJudgement canary) => canary.Verdict switch
    {
        CanaryVerdict.Promote => canary.Applied ? "Promoted." : "Judged ready to promote, but not applied.",
        CanaryVerdict.RollBack => canary.Applied ? "Rolled back." : "Judged over budget, but not rolled back.",
        CanaryVerdict.Wait => "Still a canary.",
        _ => "Waiting for a person.",
    };

    private static void AppendAttention(StringBuilder html, ModelReport report)
    {
        html.Append("<h2>What needs attention</h2>");
        if (report.Breaches.Count == 0)
        {
            html.Append("<p class=\"ok\">Nothing crossed a threshold in this window.</p>");
            return;
        }

        html.Append("<p>").Append(Text($"{report.Breaches.Count} figure(s) crossed their threshold:")).Append("</p>");
        foreach (var breach in report.Breaches.OrderBy(b => b.Area == "fairness" ? 0 : b.Area == "dataset drift" ? 1 : 2))
        {
            html.Append("<div class=\"alert\"><strong>").Append(Text(Capitalized(breach.Area))).Append(":</strong> ")
                .Append(Text(breach.Sentence)).Append(" <span class=\"muted\">").Append(Text($"Certainty: {breach.Certainty}.")).Append("</span></div>");
        }
    }

    private static void AppendOperations(StringBuilder html, VersionReport version)
    {
        html.Append("<h3>Operations</h3><table><tr><th>Route</th><th>Requests</th><th>Errors</th><th>Error rate</th><th>Latency p50 (ms)</th><th>p95 (ms)</th><th>p99 (ms)</th></tr>");
        foreach (var (route, operations) in version.Operations)
        {
            html.Append("<tr><td>").Append(Text(route)).Append("</td><td>").Append(operations.Requests.ToString("N0", CultureInfo.InvariantCulture))
                .Append("</td><td>").Append(operations.Errors.ToString("N0", CultureInfo.InvariantCulture))
                .Append("</td><td>").Append(Text(Percent(operations.ErrorRate.Value))).Append("</td><td>").Append(Number(operations.Latency.P50))
                .Append("</td><td>").Append(Number(operations.Latency.P95)).Append("</td><td>").Append(Number(operations.Latency.P99)).Append("</td></tr>");
        }

        html.Append("</table>");
        var groups = version.Operations.Select(o => (o.Key, new[] { o.Value.Latency.P50 ?? 0, o.Value.Latency.P95 ?? 0, o.Value.Latency.P99 ?? 0 })).ToList();
        html.Append("<p class=\"key\">Latency per route (milliseconds):<span style=\"background:#66c2a5\"></span>p50<span style=\"background:#fc8d62\"></span>p95<span style=\"background:#8da0cb\"></span>p99</p>");
        AppendGroupedBars(html, groups, ["#66c2a5", "#fc8d62", "#8da0cb"], "ms", 640);
    }

    private static void AppendDrift(StringBuilder html, VersionReport version)
    {
        html.Append("<h3>Has the input data changed?</h3>");
        if (version.Drift is not { } drift)
        {
            html.Append("<p>").Append(Text("Drift could not be measured: there is no reference profile and no previous window to compare with.")).Append("</p>");
        }
        else
        {
            string verdict = drift.Share is { } share
                ? $"{drift.DriftedFeatures} of {drift.TestedFeatures} features changed ({Percent(share)}); the whole dataset counts as drifted at {Percent(drift.Threshold)}, so it {(drift.Drifted == true ? "has" : "has not")} drifted."
                : "No feature had enough data to be tested.";
            html.Append("<p>").Append(Text(verdict)).Append("</p>");
            AppendDriftTable(html, drift.Features.Concat(version.PredictionDrift));
        }

        if (version.Distributions.Count > 0)
        {
            html.Append($"<p class=\"key\">Share of values per range or category:<span style=\"background:{ReferenceColor}\"></span>{Text(version.DriftBaseline)}<span style=\"background:{CurrentColor}\"></span>this window</p><div class=\"charts\">");
            foreach (var distribution in version.Distributions)
            {
                AppendHistogram(html, distribution);
            }

            html.Append("</div>");
        }
    }

    private static void AppendDriftTable(StringBuilder html, IEnumerable<FeatureDriftResult> features)
    {
        html.Append("<table><tr><th>Feature</th><th>Changed?</th><th>Test</th><th>Value</th><th>Threshold</th><th>Values this window</th><th>Reference values</th></tr>");
        foreach (var feature in features)
        {
            string changed = feature.Status == DriftStatus.InsufficientData ? "insufficient data" : feature.Drifted == true ? "yes" : "no";
            html.Append("<tr><td>").Append(Text(feature.Feature)).Append("</td><td>").Append(feature.Drifted == true ? "<strong>yes</strong>" : Text(changed))
                .Append("</td><td>").Append(Text(feature.Method is { } m ? ReportBuilder.MethodWords(m) : "")).Append("</td><td>").Append(Number(feature.Score))
                .Append("</td><td>").Append(Number(feature.Threshold)).Append("</td><td>").Append(feature.CurrentCount.ToString("N0", CultureInfo.InvariantCulture))
                .Append("</td><td>").Append(feature.ReferenceCount.ToString("N0", CultureInfo.InvariantCulture)).Append("</td></tr>");
        }

        html.Append("</table>");
    }

    private static void AppendQuality(StringBuilder html, VersionReport version)
    {
        if (version.DataQuality.Count == 0)
        {
            return;
        }

        html.Append("<h3>Data quality</h3><table><tr><th>Feature</th><th>Missing</th><th>Wrong type</th><th>Out of range</th><th>Unknown category</th></tr>");
        foreach (var (feature, quality) in version.DataQuality)
        {
            html.Append("<tr><td>").Append(Text(feature)).Append("</td><td>").Append(Text(RateText(quality.NullRate))).Append("</td><td>").Append(Text(RateText(quality.TypeErrorRate)))
                .Append("</td><td>").Append(Text(RateText(quality.OutOfRangeRate))).Append("</td><td>").Append(Text(RateText(quality.UnseenCategoryRate))).Append("</td></tr>");
        }

        html.Append("</table>");
    }

    private static void AppendPerformance(StringBuilder html, VersionReport version)
    {
        html.Append("<h3>How often is the model right?</h3>");
        var performance = version.Performance;
        if (performance.LabeledRows == 0)
        {
            html.Append("<p>").Append(Text("No true outcomes (feedback labels) arrived for this window's predictions yet.")).Append("</p>");
            return;
        }

        var rows = new List<(string, string)>();
        if (performance.Classification is { } c)
        {
            rows.AddRange([("Accuracy", Percent(c.Accuracy)), ("Precision", Percent(c.Precision)), ("Recall", Percent(c.Recall)), ("F1", Number(c.F1)),
                ("ROC AUC", Number(c.RocAuc)), ("Log loss", Number(c.LogLoss)), ("Calibration error", Number(c.ExpectedCalibrationError))]);
        }

        if (performance.Multiclass is { } m)
        {
            rows.AddRange([("Accuracy", Percent(m.Accuracy)), ("Macro precision", Percent(m.MacroPrecision)), ("Macro recall", Percent(m.MacroRecall)), ("Macro F1", Number(m.MacroF1)), ("Log loss", Number(m.LogLoss))]);
        }

        if (performance.Regression is { } r)
        {
            rows.AddRange([("Mean absolute error", Number(r.MeanAbsoluteError)), ("Root mean squared error", Number(r.RootMeanSquaredError)),
                ("Mean absolute percentage error", Percent(r.MeanAbsolutePercentageError)), ("R²", Number(r.R2))]);
        }

        html.Append("<p>").Append(Text($"Measured on {performance.LabeledRows:N0} predictions whose true outcome is known.")).Append("</p><table><tr><th>Figure</th><th>Value</th></tr>");
        foreach (var (name, value) in rows)
        {
            html.Append("<tr><td>").Append(Text(name)).Append("</td><td>").Append(Text(value)).Append("</td></tr>");
        }

        html.Append("</table>");
    }

    private static void AppendFairness(StringBuilder html, VersionReport version)
    {
        if (version.Fairness is not { } fairness)
        {
            return;
        }

        html.Append("<h3>Is the model fair across groups?</h3>");
        foreach (var outcome in fairness.Outcomes)
        {
            foreach (var grouping in outcome.Groupings)
            {
                html.Append("<p><strong>").Append(Text($"Outcome “{outcome.Outcome}”, groups by {string.Join(" and ", grouping.Features)}")).Append("</strong></p>");
                html.Append("<table><tr><th>Group</th><th>Predictions</th><th>Selected</th><th>True positive rate</th><th>False positive rate</th><th>Accuracy</th></tr>");
                foreach (var group in grouping.Groups)
                {
                    html.Append("<tr><td>").Append(Text(string.Join(", ", group.Group.Values))).Append("</td><td>").Append(group.N.ToString("N0", CultureInfo.InvariantCulture))
                        .Append("</td><td>").Append(Text(RateValueText(group.SelectionRate))).Append("</td><td>").Append(Text(RateValueText(group.TruePositiveRate)))
                        .Append("</td><td>").Append(Text(RateValueText(group.FalsePositiveRate))).Append("</td><td>").Append(Text(RateValueText(group.Accuracy))).Append("</td></tr>");
                }

                html.Append("</table><table><tr><th>Figure</th><th>Compared</th><th>Value</th><th>95% interval</th><th>Limit</th><th>Within the limit?</th></tr>");
                foreach (var figure in grouping.Figures)
                {
                    // The limit column shows only the judged comparisons (between groups by default), as the breaches do.
                    var limit = fairness.Settings.JudgedMethods.Contains(figure.Method)
                        ? fairness.Settings.Limits.FirstOrDefault(l => l.Metric == figure.Metric)
                        : null;
                    bool breached = fairness.Breaches.Any(b => b.Outcome == outcome.Outcome && b.Metric == figure.Metric && b.Method == figure.Method
                        && b.Features.SequenceEqual(grouping.Features));
                    string within = limit is null || figure.Value is null ? "" : breached ? "no" : "yes";
                    html.Append("<tr><td>").Append(Text(Words(figure.Metric.ToString()))).Append("</td><td>").Append(Text(Words(figure.Method.ToString())))
                        .Append("</td><td>").Append(Text(figure.Value is { } v ? Number(v) : figure.NotComputedBecause ?? "not computed"))
                        .Append("</td><td>").Append(Text(figure.Interval is { } i ? $"{Number(i.Lower)} to {Number(i.Upper)}" : ""))
                        .Append("</td><td>").Append(Text(limit is null ? "" : $"{(limit.Kind == LimitKind.Maximum ? "at most" : "at least")} {Number(limit.Limit)}"))
                        .Append("</td><td>").Append(breached ? "<strong>no</strong>" : Text(within)).Append("</td></tr>");
                }

                html.Append("</table>");
            }
        }
    }

    private static void AppendTrend(StringBuilder html, IReadOnlyList<JObject> trend)
    {
        html.Append("<h2>Trend over past reports</h2>");
        var points = trend.Select(r => (
            Time: (string?)r["generatedUtc"] ?? "",
            Requests: r["versions"]?.Sum(v => v["operations"]?.Values().Sum(o => (double?)o["requests"] ?? 0) ?? 0) ?? 0,
            Errors: r["versions"]?.Sum(v => v["operations"]?.Values().Sum(o => (double?)o["errors"] ?? 0) ?? 0) ?? 0,
            DriftShare: r["versions"]?.Select(v => (double?)v["drift"]?["share"]).Where(s => s.HasValue).DefaultIfEmpty(null).Max())).ToList();
        if (points.Count < 2)
        {
            html.Append("<p>").Append(Text("The trend appears once there are two or more reports.")).Append("</p>");
            return;
        }

        html.Append("<p class=\"key\">Per report, oldest on the left:<span style=\"background:#c0392b\"></span>error rate<span style=\"background:#2c7fb8\"></span>share of drifted features</p>");
        AppendLines(html, [points.Select(p => p.Requests > 0 ? p.Errors / p.Requests : 0).ToList(), points.Select(p => p.DriftShare ?? 0).ToList()], ["#c0392b", "#2c7fb8"],
            Text($"{ShortTime(points[0].Time)} … {ShortTime(points[^1].Time)}"));
        html.Append("<p class=\"key\">Requests per report:<span style=\"background:#555\"></span>requests</p>");
        AppendLines(html, [points.Select(p => p.Requests).ToList()], ["#555"], Text($"{ShortTime(points[0].Time)} … {ShortTime(points[^1].Time)}"));
    }

    private static void AppendHistogram(StringBuilder html, Distribution distribution)
    {
        const int width = 360, height = 230, left = 44, top = 22, bottom = 70;
        double referenceTotal = Math.Max(1, distribution.Reference.Sum());
        double currentTotal = Math.Max(1, distribution.Current.Sum());
        int bins = Math.Min(distribution.Bins.Count, 12);
        double max = Enumerable.Range(0, bins).Select(i => Math.Max(distribution.Reference[i] / referenceTotal, distribution.Current[i] / currentTotal)).DefaultIfEmpty(0).Max();
        max = max <= 0 ? 1 : max;
        double slot = (width - left - 8) / (double)Math.Max(1, bins);
        html.Append($"<svg width=\"{width}\" height=\"{height}\" role=\"img\"><title>{Text(distribution.Feature)}</title>");
        html.Append($"<text x=\"4\" y=\"14\" font-size=\"13\" font-weight=\"bold\">{Text(distribution.Feature)}</text>");
        for (int i = 0; i < bins; i++)
        {
            double x = left + (i * slot);
            double barWidth = Math.Max(1, (slot / 2) - 1);
            double reference = distribution.Reference[i] / referenceTotal / max * (height - top - bottom);
            double current = distribution.Current[i] / currentTotal / max * (height - top - bottom);
            html.Append($"<rect x=\"{F(x)}\" y=\"{F(height - bottom - reference)}\" width=\"{F(barWidth)}\" height=\"{F(reference)}\" fill=\"{ReferenceColor}\"/>");
            html.Append($"<rect x=\"{F(x + barWidth)}\" y=\"{F(height - bottom - current)}\" width=\"{F(barWidth)}\" height=\"{F(current)}\" fill=\"{CurrentColor}\"/>");
            html.Append($"<text x=\"{F(x + (slot / 2))}\" y=\"{height - bottom + 12}\" font-size=\"10\" text-anchor=\"end\" transform=\"rotate(-40 {F(x + (slot / 2))} {height - bottom + 12})\">{Text(Shorten(distribution.Bins[i]))}</text>");
        }

        html.Append($"<line x1=\"{left}\" y1=\"{height - bottom}\" x2=\"{width - 8}\" y2=\"{height - bottom}\" stroke=\"#999\"/></svg>");
    }

    private static void AppendGroupedBars(StringBuilder html, List<(string Label, double[] Values)> groups, string[] colors, string unit, int width)
    {
        const int height = 200, top = 16, bottom = 28, left = 50;
        double max = groups.SelectMany(g => g.Values).DefaultIfEmpty(0).Max();
        max = max <= 0 ? 1 : max;
        double slot = (width - left - 10) / (double)Math.Max(1, groups.Count);
        html.Append($"<svg width=\"{width}\" height=\"{height}\" role=\"img\"><title>Latency percentiles per route</title>");
        html.Append($"<text x=\"4\" y=\"{top + 4}\" font-size=\"10\">{Text(Number(max))} {unit}</text><text x=\"4\" y=\"{height - bottom}\" font-size=\"10\">0</text>");
        for (int g = 0; g < groups.Count; g++)
        {
            double x = left + (g * slot);
            double bar = (slot * 0.8) / colors.Length;
            for (int v = 0; v < groups[g].Values.Length; v++)
            {
                double h = groups[g].Values[v] / max * (height - top - bottom);
                html.Append($"<rect x=\"{F(x + (v * bar))}\" y=\"{F(height - bottom - h)}\" width=\"{F(bar - 2)}\" height=\"{F(h)}\" fill=\"{colors[v]}\"><title>{Text($"{groups[g].Label}: {Number(groups[g].Values[v])} {unit}")}</title></rect>");
                html.Append($"<text x=\"{F(x + (v * bar) + (bar / 2))}\" y=\"{F(height - bottom - h - 3)}\" font-size=\"9\" text-anchor=\"middle\">{Text(Number(groups[g].Values[v]))}</text>");
            }

            html.Append($"<text x=\"{F(x + (slot * 0.4))}\" y=\"{height - 10}\" font-size=\"12\" text-anchor=\"middle\">{Text(groups[g].Label)}</text>");
        }

        html.Append($"<line x1=\"{left}\" y1=\"{height - bottom}\" x2=\"{width - 10}\" y2=\"{height - bottom}\" stroke=\"#999\"/></svg>");
    }

    private static void AppendLines(StringBuilder html, List<List<double>> series, string[] colors, string caption)
    {
        const int width = 640, height = 180, left = 50, top = 12, bottom = 30;
        double max = series.SelectMany(s => s).DefaultIfEmpty(0).Max();
        max = max <= 0 ? 1 : max;
        int count = series[0].Count;
        html.Append($"<svg width=\"{width}\" height=\"{height}\" role=\"img\"><title>Trend</title>");
        html.Append($"<text x=\"4\" y=\"{top + 6}\" font-size=\"10\">{Text(Number(max))}</text><text x=\"4\" y=\"{height - bottom}\" font-size=\"10\">0</text>");
        for (int s = 0; s < series.Count; s++)
        {
            var points = series[s].Select((value, i) => $"{F(left + (i * (width - left - 10) / (double)Math.Max(1, count - 1)))},{F(height - bottom - (value / max * (height - top - bottom)))}");
            html.Append($"<polyline fill=\"none\" stroke=\"{colors[s]}\" stroke-width=\"2\" points=\"{string.Join(" ", points)}\"/>");
        }

        html.Append($"<line x1=\"{left}\" y1=\"{height - bottom}\" x2=\"{width - 10}\" y2=\"{height - bottom}\" stroke=\"#999\"/>");
        html.Append($"<text x=\"{left}\" y=\"{height - 8}\" font-size=\"11\">{caption}</text></svg>");
    }

    private static string Text(string text) => WebUtility.HtmlEncode(text);

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Number(double? value) => value is { } v ? v.ToString(Math.Abs(v) >= 100 ? "N0" : "0.###", CultureInfo.InvariantCulture) : "–";

    private static string Percent(double? value) => value is { } v ? v.ToString("0.#%", CultureInfo.InvariantCulture) : "–";

    private static string RateText(Rate rate) => rate.Of == 0 ? "not checked" : $"{Percent(rate.Value)} ({rate.Count:N0} of {rate.Of:N0})";

    private static string RateValueText(RateValue rate) =>
        rate.Value is { } v ? $"{Percent(v)} (n {rate.SampleSize:N0})" : $"not reported: {Words(rate.ExcludedBecause?.ToString() ?? "undefined")}";

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string ShortTime(string time) => DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? Time(t) : time;

    private static string Shorten(string text) => text.Length <= 20 ? text : text[..19] + "…";

    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    /// <summary>DemographicParityDifference → demographic parity difference.</summary>
    private static string Words(string name)
    {
        var words = new StringBuilder();
        foreach (char c in name)
        {
            if (char.IsUpper(c) && words.Length > 0)
            {
                words.Append(' ');
            }

            words.Append(char.ToLowerInvariant(c));
        }

        return words.ToString();
    }
}
