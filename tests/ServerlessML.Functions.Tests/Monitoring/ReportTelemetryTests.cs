using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.ApplicationInsights;
using Microsoft.ApplicationInsights.Channel;
using Microsoft.ApplicationInsights.DataContracts;
using Microsoft.ApplicationInsights.Extensibility;
using ServerlessML.Fairness;
using ServerlessML.Functions.Monitoring;
using ServerlessML.Monitoring;
using ServerlessML.Reports;

namespace ServerlessML.Functions.Tests.Monitoring;

/// <summary>
/// ReportTelemetry through a real TelemetryClient: what leaves the client's pipeline is captured at the channel,
/// the transport, so metric aggregation and event properties are Application Insights' own.
/// </summary>
public sealed class ReportTelemetryTests : IDisposable
{
    private const string Model = "credit-risk";

    private readonly TelemetryCapture _telemetry = new();

    public void Dispose() => _telemetry.Dispose();

    [Fact]
    public void Each_breach_becomes_one_ThresholdBreached_event_with_its_model_version_figure_value_and_threshold()
    {
        var report = Report();
        report.Breaches =
        [
            new ThresholdBreach
            {
                Version = "3", Area = "drift", Subject = "age", Figure = "wasserstein distance (normed)", Value = 0.31, Threshold = 0.1, N = 120,
                Certainty = "n/a", Sentence = "Feature age drifted: normed Wasserstein distance 0.31, threshold 0.1, on 120 rows.",
            },
            new ThresholdBreach
            {
                Version = "4", Area = "fairness", Subject = "sex", Figure = "demographic_parity_difference", Value = 1.0 / 3, Threshold = 0.1, N = 80,
                Certainty = "the interval clears the threshold", Sentence = "Selection rates of sex groups differ by 0.33.",
            },
        ];

        new ReportTelemetry(_telemetry.Client).ReportWritten(report);
        _telemetry.Flush();

        var events = _telemetry.Events(ReportTelemetry.BreachEvent);
        Assert.Equal(2, events.Count);
        Assert.Equal(2, _telemetry.Items.OfType<EventTelemetry>().Count());
        for (int i = 0; i < 2; i++)
        {
            var breach = report.Breaches[i];
            var properties = events[i].Properties;
            Assert.Equal((Model, breach.Version, breach.Area), (properties["Model"], properties["Version"], properties["Area"]));
            Assert.Equal((breach.Subject, breach.Figure), (properties["Subject"], properties["Figure"]));
            // Round-trip formatting: the alert shows the figure exactly as the report holds it.
            Assert.Equal(breach.Value, double.Parse(properties["Value"], CultureInfo.InvariantCulture));
            Assert.Equal(breach.Threshold, double.Parse(properties["Threshold"], CultureInfo.InvariantCulture));
            Assert.Equal(breach.N.ToString(CultureInfo.InvariantCulture), properties["N"]);
            Assert.Equal((breach.Certainty, breach.Sentence), (properties["Certainty"], properties["Description"]));
        }
    }

    [Theory]
    [InlineData(CanaryVerdict.Promote, true, "promote")]
    [InlineData(CanaryVerdict.RollBack, true, "roll back")]
    [InlineData(CanaryVerdict.RollBack, false, null)]
    [InlineData(CanaryVerdict.Wait, false, null)]
    public void An_applied_canary_decision_becomes_one_CanaryJudged_event(CanaryVerdict verdict, bool applied, string? expected)
    {
        var report = Report();
        report.Canary = new CanaryJudgement { Version = "5", Production = "4", Verdict = verdict, Applied = applied, Reason = "canary 5 served 412 requests ..." };

        new ReportTelemetry(_telemetry.Client).ReportWritten(report);
        _telemetry.Flush();

        // The Bicep alert on rollbacks queries these exact names (infra-bicep/modules/alerts.bicep).
        Assert.Equal("CanaryJudged", ReportTelemetry.CanaryEvent);
        var events = _telemetry.Events(ReportTelemetry.CanaryEvent);
        if (expected is null)
        {
            Assert.Empty(events);
            return;
        }

        var properties = Assert.Single(events).Properties;
        Assert.Equal((Model, "5", "4", expected, "canary 5 served 412 requests ..."),
            (properties["Model"], properties["Version"], properties["Production"], properties["Verdict"], properties["Description"]));
    }

    [Fact]
    public void A_report_without_breaches_sends_no_event()
    {
        new ReportTelemetry(_telemetry.Client).ReportWritten(Report());
        _telemetry.Flush();

        Assert.Empty(_telemetry.Items.OfType<EventTelemetry>());
        Assert.NotEmpty(_telemetry.Metrics());
    }

    [Fact]
    public void Operations_and_drift_figures_are_metrics_per_model_version_and_part_with_their_values()
    {
        new ReportTelemetry(_telemetry.Client).ReportWritten(Report());
        _telemetry.Flush();

        // Every series with its single value; figures without a value (no latency, insufficient data) send nothing.
        var expected = new Dictionary<(string, string, string, string), double>
        {
            [("MonitoringRequests", Model, "3", "production")] = 120,
            [("MonitoringErrors", Model, "3", "production")] = 6,
            [("MonitoringLatencyP95Ms", Model, "3", "production")] = 42.5,
            [("MonitoringRequests", Model, "3", "canary")] = 0,
            [("MonitoringErrors", Model, "3", "canary")] = 0,
            [("MonitoringDriftShare", Model, "3", "all")] = 0.5,
            [("MonitoringDriftScore", Model, "3", "age")] = 0.31,
            [("MonitoringDriftScore", Model, "3", "hours")] = 0.02,
            [("MonitoringRequests", Model, "4", "production")] = 15,
            [("MonitoringErrors", Model, "4", "production")] = 1,
            [("MonitoringLatencyP95Ms", Model, "4", "production")] = 8.25,
        };
        var sent = _telemetry.Metrics();
        Assert.Equal(expected.Keys.Order(), sent.Select(m => m.Series).Order());
        Assert.All(sent, m =>
        {
            Assert.Equal(1, m.Count);
            Assert.Equal(expected[m.Series], m.Sum);
        });
    }

    [Fact]
    public void Fairness_figures_are_metrics_named_by_figure_per_grouping_and_method()
    {
        var report = Report();
        // 40 men of whom 20 selected, 40 women of whom 8: selection rates 1/2 and 1/5, no labels yet.
        var counts = new FairnessCounts(["sex"], ["approved"]);
        for (int i = 0; i < 40; i++)
        {
            counts.Record(["Male"], predictedPositive: i < 20, actualPositive: null);
            counts.Record(["Female"], predictedPositive: i < 8, actualPositive: null);
        }

        report.Versions[1].Fairness = new FairnessEvaluator(new FairnessOptions { BootstrapResamples = 0 }).Evaluate(counts);

        new ReportTelemetry(_telemetry.Client).ReportWritten(report);
        _telemetry.Flush();

        var fairness = _telemetry.Metrics().Where(m => m.Series.Name.StartsWith("Fairness", StringComparison.Ordinal)).ToDictionary(m => m.Series, m => m.Sum);
        // Worked by hand: overall selection 28/80 = 0.35; men are 0.15 from it, women 0.15.
        Assert.Equal(0.3, fairness[("FairnessDemographicParityDifference", Model, "4", "sex/BetweenGroups")], 1e-12);
        Assert.Equal(0.4, fairness[("FairnessDemographicParityRatio", Model, "4", "sex/BetweenGroups")], 1e-12);
        Assert.Equal(0.15, fairness[("FairnessDemographicParityDifference", Model, "4", "sex/ToOverall")], 1e-12);
        Assert.Equal(0.4, fairness[("FairnessDisparateImpact", Model, "4", "sex/BetweenGroups")], 1e-12);
        // Label-based figures have no value without labels: nothing is sent for them, not a made-up 0.
        var grouping = report.Versions[1].Fairness!.Outcomes.Single().Grouping("sex");
        var withValue = grouping.Figures.Where(f => f.Value.HasValue).ToList();
        Assert.Contains(grouping.Figures, f => f.Metric == DisparityMetric.EqualOpportunityDifference && f.Value is null);
        Assert.Equal(withValue.Count, fairness.Count);
        Assert.All(withValue, f => Assert.Equal(f.Value!.Value, fairness[($"Fairness{f.Metric}", Model, "4", $"sex/{f.Method}")]));
    }

    [Fact]
    public void A_model_with_many_features_sends_the_drift_score_of_every_feature()
    {
        // Wide tabular models are common; Application Insights caps values per metric dimension (100 by default).
        const int features = 250;
        var report = Report();
        report.Versions[0].Drift = Drift(share: 0, [.. Enumerable.Range(0, features).Select(i => Feature($"f{i:D3}", score: i / 1000.0))]);

        new ReportTelemetry(_telemetry.Client).ReportWritten(report);
        _telemetry.Flush();

        var scores = _telemetry.Metrics().Where(m => m.Series.Name == "MonitoringDriftScore").ToDictionary(m => m.Series.Part, m => m.Sum);
        Assert.Equal(features, scores.Count);
        for (int i = 0; i < features; i++)
        {
            Assert.Equal(i / 1000.0, scores[$"f{i:D3}"]);
        }
    }

    [Fact]
    public void Versions_beyond_the_metric_dimension_cap_over_the_process_lifetime_still_send_their_figures()
    {
        // One client lives as long as the worker: reports of many models and versions go through it, one after another.
        var telemetry = new ReportTelemetry(_telemetry.Client);
        for (int version = 1; version <= 150; version++)
        {
            var report = Report();
            report.Versions.RemoveAt(1);
            report.Versions[0].Version = version.ToString(CultureInfo.InvariantCulture);
            telemetry.ReportWritten(report);
        }

        _telemetry.Flush();

        var requests = _telemetry.Metrics().Where(m => m.Series.Name == "MonitoringRequests" && m.Series.Part == "production").ToList();
        Assert.Equal(150, requests.Count);
        Assert.All(requests, m => Assert.Equal(120, m.Sum));
    }

    [Fact]
    public void A_null_report_is_refused_by_name()
    {
        var error = Assert.Throws<ArgumentNullException>(() => new ReportTelemetry(_telemetry.Client).ReportWritten(null!));
        Assert.Equal("report", error.ParamName);
    }

    /// <summary>Version 3 with production and canary traffic and drift; version 4 with production traffic only.</summary>
    private static ModelReport Report() => new()
    {
        Model = Model,
        GeneratedUtc = new DateTimeOffset(2025, 6, 1, 6, 0, 0, TimeSpan.Zero),
        Versions =
        [
            new VersionReport
            {
                Version = "3",
                Operations = new(StringComparer.Ordinal)
                {
                    ["production"] = Route(requests: 120, errors: 6, p95: 42.5),
                    ["canary"] = Route(requests: 0, errors: 0, p95: null),
                },
                Drift = Drift(share: 0.5, [Feature("age", 0.31), Feature("hours", 0.02), Feature("zip", score: null)]),
            },
            new VersionReport
            {
                Version = "4",
                Operations = new(StringComparer.Ordinal) { ["production"] = Route(requests: 15, errors: 1, p95: 8.25) },
            },
        ],
    };

    private static RouteReport Route(long requests, long errors, double? p95) => new()
    {
        Requests = requests,
        Errors = errors,
        ErrorRate = new Rate(errors, requests),
        Latency = new QuantileSummary(requests, p95, p95, p95, p95, p95, QuantileSketch.DefaultRelativeAccuracy),
    };

    private static DatasetDriftResult Drift(double share, IReadOnlyList<FeatureDriftResult> features) => new()
    {
        TestedFeatures = features.Count(f => f.Score.HasValue),
        DriftedFeatures = features.Count(f => f.Drifted == true),
        InsufficientDataFeatures = [.. features.Where(f => f.Score is null).Select(f => f.Feature)],
        Status = DriftStatus.Computed,
        Share = share,
        Threshold = 0.5,
        Features = features,
    };

    private static FeatureDriftResult Feature(string name, double? score) => new()
    {
        Feature = name,
        Kind = "numeric",
        Status = score is null ? DriftStatus.InsufficientData : DriftStatus.Computed,
        ReferenceCount = 1000,
        CurrentCount = score is null ? 10 : 120,
        Method = score is null ? null : "wasserstein",
        Score = score,
        Threshold = score is null ? null : 0.1,
        Drifted = score is null ? null : score >= 0.1,
    };
}
