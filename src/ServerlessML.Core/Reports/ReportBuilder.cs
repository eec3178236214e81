using System.Globalization;
using Newtonsoft.Json.Linq;
using ServerlessML.Fairness;
using ServerlessML.Monitoring;
using ServerlessML.Registry;

namespace ServerlessML.Reports;

/// <summary>Turns one version's merged window aggregate into its section of the report, and finds its breaches.</summary>
public static class ReportBuilder
{
    public const string BaselineReference = "reference profile";
    public const string BaselinePreviousWindow = "previous window";
    public const string BaselineNone = "none";

    /// <summary>
    /// Fairness options: defaults (parity difference 0.1, disparate impact 0.8), overridden by the manifest's
    /// <c>monitoring</c> thresholds.
    /// </summary>
    public static FairnessOptions FairnessOptionsFor(ModelManifest? manifest, int bootstrapResamples)
    {
        var options = new FairnessOptions { BootstrapResamples = bootstrapResamples };
        if (manifest?.Monitoring is not { } monitoring)
        {
            return options;
        }

        options.Thresholds.MaxDemographicParityDifference = monitoring.MaxDemographicParityDifference ?? options.Thresholds.MaxDemographicParityDifference;
        options.Thresholds.MaxEqualizedOddsDifference = monitoring.MaxEqualizedOddsDifference ?? options.Thresholds.MaxEqualizedOddsDifference;
        options.Thresholds.MaxEqualOpportunityDifference = monitoring.MaxEqualOpportunityDifference ?? options.Thresholds.MaxEqualOpportunityDifference;
        options.Thresholds.MinDisparateImpact = monitoring.MinDisparateImpact ?? options.Thresholds.MinDisparateImpact;
        options.MinGroupSize = monitoring.FairnessMinGroupSize ?? options.MinGroupSize;
        foreach (var (feature, group) in monitoring.DisparateImpactReference ?? [])
        {
            options.DisparateImpactReference[feature] = group;
        }

        return options;
    }

    public static VersionReport Build(
        VersionLayout layout, VersionAggregate current, VersionAggregate? previous, ModelVersionRecord? record, ReportOptions options)
    {
        var drift = DriftOptions.FromManifest(layout.Manifest?.Monitoring);
        var report = new VersionReport
        {
            Version = layout.Version,
            ModelSha256 = record?.ModelSha256 ?? record?.Sha256,
            Task = layout.Task,
            Thresholds = new VersionThresholds { Drift = drift },
            Rows = current.Rows,
        };
        foreach (var (route, operations) in current.Routes.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            report.Operations[route] = new RouteReport
            {
                Requests = operations.Requests,
                EstimatedRequests = operations.EstimatedRequests,
                Errors = operations.Errors,
                ErrorRate = new Rate(operations.Errors, operations.Requests),
                Latency = operations.Latency.Summary(),
            };
        }

        foreach (var (feature, counts) in current.Quality.Features)
        {
            report.DataQuality[feature] = new FeatureQualityReport
            {
                NullRate = counts.NullRate,
                TypeErrorRate = counts.TypeErrorRate,
                OutOfRangeRate = counts.OutOfRangeRate,
                UnseenCategoryRate = counts.UnseenCategoryRate,
            };
        }

        AddDrift(report, layout, current, previous, drift);
        AddPerformance(report, current);
        if (current.Fairness is not null)
        {
            var fairness = FairnessOptionsFor(layout.Manifest, options.FairnessBootstrapResamples);
            report.Thresholds.Fairness = fairness.Thresholds;
            report.Thresholds.FairnessMinGroupSize = fairness.MinGroupSize;
            report.Fairness = new FairnessEvaluator(fairness).Evaluate(current.Fairness);
        }
        else if (layout.SensitiveFeatures.Count > 0 || layout.FairnessNote is not null)
        {
            report.Notes.Add(layout.FairnessNote ?? "Fairness needs a binary or multiclass classification task in the manifest.");
        }

        return report;
    }

    /// <summary>Every figure of the version past its threshold, in words.</summary>
    public static IEnumerable<ThresholdBreach> Breaches(VersionReport version)
    {
        foreach (var feature in version.Drift?.Features ?? [])
        {
            if (DriftBreach(version.Version, "drift", feature, version.DriftBaseline) is { } breach)
            {
                yield return breach;
            }
        }

        if (version.Drift is { Drifted: true, Share: { } share } dataset)
        {
            yield return new ThresholdBreach
            {
                Version = version.Version,
                Area = "dataset drift",
                Subject = "all features",
                Figure = "share of drifted features",
                Value = share,
                Threshold = dataset.Threshold,
                N = dataset.TestedFeatures,
                Certainty = $"{dataset.DriftedFeatures} of {dataset.TestedFeatures} features tested drifted",
                Sentence = $"Version {version.Version}: {dataset.DriftedFeatures} of {dataset.TestedFeatures} features changed their distribution ({Percent(share)}), at or above the {Percent(dataset.Threshold)} that counts as the whole dataset drifting.",
            };
        }

        foreach (var prediction in version.PredictionDrift)
        {
            if (DriftBreach(version.Version, "prediction drift", prediction, BaselinePreviousWindow) is { } breach)
            {
                yield return breach;
            }
        }

        foreach (var fairness in version.Fairness?.Breaches ?? [])
        {
            string groups = fairness.Group is { } group
                ? string.Join(", ", group.Features.Zip(group.Values, (f, v) => $"{f} = {v}")) + (fairness.ComparedTo is { } other ? $" against {string.Join(", ", other.Features.Zip(other.Values, (f, v) => $"{f} = {v}"))}" : " against everyone")
                : string.Join(" and ", fairness.Features);
            yield return new ThresholdBreach
            {
                Version = version.Version,
                Area = "fairness",
                Subject = groups,
                Figure = fairness.Metric.ToString(),
                Value = fairness.Value,
                Threshold = fairness.Limit,
                N = version.Fairness!.Outcomes.FirstOrDefault(o => o.Outcome == fairness.Outcome)?.Overall.N ?? 0,
                Certainty = fairness.Interval is { } interval
                    ? $"{Percent(interval.Level)} confidence interval {Number(interval.Lower)} to {Number(interval.Upper)}; {CertaintyWords(fairness.Certainty)}"
                    : CertaintyWords(fairness.Certainty),
                Sentence = $"Version {version.Version}: {fairness.Description}",
            };
        }
    }

    private static ThresholdBreach? DriftBreach(string version, string area, FeatureDriftResult feature, string baseline)
    {
        if (feature is not { Drifted: true, Score: { } score, Threshold: { } threshold, Method: { } method })
        {
            return null;
        }

        bool pValue = DriftMethods.IsPValue(method);
        string how = pValue
            ? $"the {MethodWords(method)} test gives p = {Number(score)}, at or below the {Number(threshold)} that counts as a real change"
            : $"the {MethodWords(method)} is {Number(score)}, at or above the {Number(threshold)} threshold ({Number(score / threshold)} times it)";
        string subject = area == "prediction drift" ? $"the model's {feature.Feature}" : $"feature '{feature.Feature}'";
        return new ThresholdBreach
        {
            Version = version,
            Area = area,
            Subject = feature.Feature,
            Figure = method,
            Value = score,
            Threshold = threshold,
            N = feature.CurrentCount,
            Certainty = pValue
                ? $"p = {Number(score)} from {feature.CurrentCount:N0} current and {feature.ReferenceCount:N0} reference values"
                : $"measured on {feature.CurrentCount:N0} current and {feature.ReferenceCount:N0} reference values",
            Sentence = $"Version {version}: {subject} has shifted from the {baseline}: {how}; {feature.CurrentCount:N0} values this window against {feature.ReferenceCount:N0} in the {baseline}.",
        };
    }

    public static string MethodWords(string method) => method switch
    {
        DriftMethods.KolmogorovSmirnov => "Kolmogorov-Smirnov",
        DriftMethods.ChiSquare => "chi-square",
        DriftMethods.ZTest => "proportion z",
        DriftMethods.Wasserstein => "normed Wasserstein distance",
        DriftMethods.JensenShannon => "Jensen-Shannon distance",
        DriftMethods.Psi => "population stability index (PSI)",
        _ => method,
    };

    private static string CertaintyWords(BreachCertainty certainty) => certainty switch
    {
        BreachCertainty.IntervalIncludesLimit => "the interval reaches back over the limit, so the data are also consistent with no breach",
        BreachCertainty.NoInterval => "no confidence interval could be computed",
        _ => "the whole interval is past the limit",
    };

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Percent(double value) => value.ToString("0%", CultureInfo.InvariantCulture);

    private static void AddDrift(VersionReport report, VersionLayout layout, VersionAggregate current, VersionAggregate? previous, DriftOptions options)
    {
        var calculator = new DriftCalculator(options);
        var results = new List<FeatureDriftResult>();
        if (layout.Profile is { } profile)
        {
            report.DriftBaseline = BaselineReference;
            var features = layout.NumericFeatures.Concat(layout.CategoricalFeatures).ToHashSet(StringComparer.Ordinal);
            foreach (var (name, aggregate) in current.Numeric)
            {
                if (profile.Numeric.TryGetValue(name, out var reference))
                {
                    results.Add(calculator.CompareNumeric(name, reference, aggregate));
                    report.Distributions.Add(NumericDistribution(name, reference.Data, aggregate));
                }
            }

            foreach (var (name, counts) in current.Categorical.Where(c => features.Contains(c.Key)))
            {
                if (profile.Categorical.TryGetValue(name, out var reference))
                {
                    results.Add(calculator.CompareCategorical(name, reference, counts));
                    report.Distributions.Add(CategoricalDistribution(name, reference.Data, counts));
                }
            }
        }
        else if (previous is not null)
        {
            report.DriftBaseline = BaselinePreviousWindow;
            foreach (var (name, aggregate) in current.Numeric)
            {
                if (previous.Numeric.TryGetValue(name, out var before))
                {
                    results.Add(CompareNumeric(calculator, name, before, aggregate));
                    report.Distributions.Add(NumericDistribution(name, before, aggregate));
                }
            }

            foreach (var (name, counts) in current.Categorical.Where(c => !layout.SensitiveFeatures.Contains(c.Key) || layout.CategoricalFeatures.Contains(c.Key)))
            {
                if (previous.Categorical.TryGetValue(name, out var before))
                {
                    results.Add(calculator.CompareCategorical(name, CategoricalReference.FromAggregate(before), counts));
                    report.Distributions.Add(CategoricalDistribution(name, before, counts));
                }
            }
        }
        else
        {
            report.DriftBaseline = BaselineNone;
        }

        report.Drift = results.Count > 0 ? calculator.DatasetDrift(results) : null;
        if (previous is not null)
        {
            if (current.PredictionScore is { } score && previous.PredictionScore is { } before)
            {
                report.PredictionDrift.Add(CompareNumeric(calculator, "prediction score", before, score) with { Feature = "prediction score" });
            }

            if (current.PredictionLabel is { } label && previous.PredictionLabel is { } labelBefore)
            {
                report.PredictionDrift.Add(calculator.CompareCategorical("predicted label", CategoricalReference.FromAggregate(labelBefore), label));
                report.Distributions.Add(CategoricalDistribution("predicted label", labelBefore, label));
            }
        }
    }

    private static FeatureDriftResult CompareNumeric(DriftCalculator calculator, string name, NumericFeatureAggregate before, NumericFeatureAggregate current) =>
        before.Count == 0
            ? new FeatureDriftResult { Feature = name, Kind = "numeric", Status = DriftStatus.InsufficientData, ReferenceCount = 0, CurrentCount = current.Count }
            : calculator.CompareNumeric(name, NumericReference.FromAggregate(before), current);

    private static Distribution NumericDistribution(string name, NumericFeatureAggregate reference, NumericFeatureAggregate current)
    {
        var edges = reference.Histogram.Edges;
        var bins = new List<string>();
        for (int i = 0; i <= edges.Count; i++)
        {
            bins.Add(i == 0 ? $"< {Number(edges.Count > 0 ? edges[0] : double.PositiveInfinity)}" : i == edges.Count ? $"≥ {Number(edges[^1])}" : $"{Number(edges[i - 1])} – {Number(edges[i])}");
        }

        return new Distribution { Feature = name, Bins = bins, Reference = reference.Histogram.Counts.ToList(), Current = current.Histogram.Counts.ToList() };
    }

    private static Distribution CategoricalDistribution(string name, CategoryCounts reference, CategoryCounts current)
    {
        var categories = reference.Counts.Keys.Union(current.Counts.Keys, StringComparer.Ordinal)
            .OrderByDescending(c => reference.CountOf(c) + current.CountOf(c)).ThenBy(c => c, StringComparer.Ordinal).ToList();
        if (reference.OtherCount + current.OtherCount > 0)
        {
            categories.Add(CategoryCounts.OtherCategory);
        }

        return new Distribution
        {
            Feature = name,
            Bins = categories,
            Reference = categories.Select(reference.CountOf).ToList(),
            Current = categories.Select(current.CountOf).ToList(),
        };
    }

    private static void AddPerformance(VersionReport report, VersionAggregate current)
    {
        report.Performance.LabeledRows = current.LabeledRows;
        report.Performance.Classification = current.Binary is { Count: > 0 } binary ? binary.Metrics() : null;
        report.Performance.Multiclass = current.Multiclass is { } multiclass && multiclass.Metrics() is { Count: > 0 } metrics ? metrics : null;
        report.Performance.Regression = current.Regression is { Count: > 0 } regression ? regression.Metrics() : null;
    }
}
