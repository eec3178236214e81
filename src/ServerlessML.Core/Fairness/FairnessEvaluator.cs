namespace ServerlessML.Fairness;

/// <summary>
/// Turns <see cref="FairnessCounts"/> into a <see cref="FairnessReport"/>: per-group rates, the disparity figures of
/// Fairlearn's MetricFrame (between groups and to overall) with bootstrap intervals, and the breaches of the
/// configured limits. Pure computation: no storage, no clock; the same counts and options give the same report.
/// </summary>
public sealed class FairnessEvaluator
{
    /// <summary>Above this many groups in an intersection, empty ones are counted instead of listed.</summary>
    public const int MaxListedGroups = 10_000;

    private readonly FairnessOptions _options;

    public FairnessEvaluator(FairnessOptions? options = null) => _options = options ?? new FairnessOptions();

    public FairnessReport Evaluate(FairnessCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        _options.Validate(counts);

        // One generator walked in a fixed order (outcome, grouping, resample, group), so the seed fixes every draw.
        var random = new SeededRandom(_options.Seed);
        var groupings = Groupings(counts.SensitiveFeatures.Count);
        var outcomes = new List<OutcomeFairness>();
        var breaches = new List<FairnessBreach>();
        foreach (var outcome in counts.Outcomes)
        {
            var table = counts.TableFor(outcome);
            var overall = new GroupConfusionCounts();
            foreach (var cell in table.Values)
            {
                overall.Add(cell);
            }

            var results = groupings.Select(g => EvaluateGrouping(counts.SensitiveFeatures, g, table, overall, random)).ToList();
            outcomes.Add(new OutcomeFairness
            {
                Outcome = outcome,
                Overall = Metrics(FairnessGroup.Overall, overall, isOverall: true),
                Groupings = results,
            });

            foreach (var grouping in results)
            {
                foreach (var figure in grouping.Figures)
                {
                    if (_options.Thresholds.JudgedMethods.Contains(figure.Method) &&
                        _options.Thresholds.LimitFor(figure.Metric) is (var limit, var kind) &&
                        FairnessBreach.Judge(outcome, grouping.Features, figure, limit, kind) is { } breach)
                    {
                        breaches.Add(breach);
                    }
                }
            }
        }

        return new FairnessReport
        {
            SensitiveFeatures = counts.SensitiveFeatures,
            Settings = Settings(),
            Outcomes = outcomes,
            Breaches = breaches.OrderByDescending(b => b.Excess).ToList(),
        };
    }

    /// <summary>Every non-empty subset of the features: single features first, then pairs, and so on.</summary>
    internal static List<int[]> Groupings(int featureCount) =>
        Enumerable.Range(1, (1 << featureCount) - 1)
            .Select(mask => Enumerable.Range(0, featureCount).Where(f => (mask & (1 << f)) != 0).ToArray())
            .OrderBy(g => g.Length)
            .ThenBy(g => string.Join(",", g.Select(f => f.ToString("D2", System.Globalization.CultureInfo.InvariantCulture))), StringComparer.Ordinal)
            .ToList();

    private GroupingFairness EvaluateGrouping(
        IReadOnlyList<string> allFeatures, int[] featureIndexes, IReadOnlyDictionary<GroupKey, GroupConfusionCounts> table,
        GroupConfusionCounts overall, SeededRandom random)
    {
        var features = featureIndexes.Select(f => allFeatures[f]).ToArray();
        var (keys, groupCounts, emptyNotListed) = ListGroups(featureIndexes, table);
        var groups = keys.Select(k => new FairnessGroup(features, k.Values)).ToArray();
        var metrics = groups.Select((g, i) => Metrics(g, groupCounts[i], isOverall: false)).ToArray();

        var (qualification, configuredReference) = Qualify(features, groups, groupCounts, metrics);
        var rates = new GroupRates(groups.Length);
        for (var i = 0; i < groups.Length; i++)
        {
            rates.Set(i, groupCounts[i]);
        }

        rates.SetOverall(overall.Selected, overall.N, overall.TruePositives, overall.Positives, overall.FalsePositives, overall.Negatives);
        var point = DisparityCalculation.ComputeAll(rates, qualification);
        var intervals = Bootstrap(groupCounts, qualification, point, random);

        var figures = new List<DisparityFigure>();
        for (var f = 0; f < point.Length; f++)
        {
            figures.Add(Figure(DisparityCalculation.Figures[f], point[f], intervals[f], groups, metrics, rates, qualification));
        }

        return new GroupingFairness
        {
            Features = features,
            Groups = WithRatioToReference(metrics, qualification, rates),
            EmptyGroupsNotListed = emptyNotListed,
            ConfiguredReference = configuredReference,
            Figures = figures,
        };
    }

    /// <summary>
    /// Sums the finest cells into this grouping's groups and lists them all, including intersections that no row had
    /// (as Fairlearn's MetricFrame lists every combination of the observed values).
    /// </summary>
    private static (GroupKey[] Keys, GroupConfusionCounts[] Counts, long EmptyNotListed) ListGroups(
        int[] featureIndexes, IReadOnlyDictionary<GroupKey, GroupConfusionCounts> table)
    {
        var sums = new Dictionary<GroupKey, GroupConfusionCounts>();
        foreach (var (key, counts) in table)
        {
            var projected = new GroupKey(featureIndexes.Select(f => key.Values[f]).ToArray());
            if (!sums.TryGetValue(projected, out var sum))
            {
                sums[projected] = sum = new GroupConfusionCounts();
            }

            sum.Add(counts);
        }

        var valuesPerFeature = Enumerable.Range(0, featureIndexes.Length)
            .Select(i => sums.Keys.Select(k => k.Values[i]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray())
            .ToArray();
        var combinations = valuesPerFeature.Aggregate(1.0, (product, values) => product * values.Length);

        List<GroupKey> keys;
        long emptyNotListed = 0;
        if (combinations <= MaxListedGroups)
        {
            keys = [new GroupKey([])];
            foreach (var values in valuesPerFeature)
            {
                keys = keys.SelectMany(k => values.Select(v => new GroupKey([.. k.Values, v]))).ToList();
            }
        }
        else
        {
            keys = sums.Keys.Order(Comparer<GroupKey>.Create(GroupKey.CompareOrdinal)).ToList();
            emptyNotListed = (long)combinations - keys.Count;
        }

        return (keys.ToArray(), keys.Select(k => sums.GetValueOrDefault(k) ?? new GroupConfusionCounts()).ToArray(), emptyNotListed);
    }

    private (Qualification Qualification, FairnessGroup? ConfiguredReference) Qualify(
        string[] features, FairnessGroup[] groups, GroupConfusionCounts[] counts, GroupMetrics[] metrics)
    {
        var selection = metrics.Select(m => m.SelectionRate.Value is not null).ToArray();
        var truePositive = metrics.Select(m => m.TruePositiveRate.Value is not null).ToArray();
        var falsePositive = metrics.Select(m => m.FalsePositiveRate.Value is not null).ToArray();

        if (!features.All(_options.DisparateImpactReference.ContainsKey))
        {
            return (new Qualification(selection, truePositive, falsePositive), null);
        }

        var reference = new FairnessGroup(features, features.Select(f => _options.DisparateImpactReference[f]).ToArray());
        var index = Array.IndexOf(groups, reference);
        string? problem = null;
        if (index < 0 || counts[index].N == 0)
        {
            problem = $"the reference group {reference.Label} has no rows";
        }
        else if (!selection[index])
        {
            problem = $"the reference group {reference.Label} is left out: {metrics[index].SelectionRate.Detail}";
        }

        return (new Qualification(selection, truePositive, falsePositive) { Reference = problem is null ? index : -1, ReferenceProblem = problem }, reference);
    }

    /// <summary>
    /// Stratified bootstrap from counts. Resampling rows with replacement within a group draws its labelled rows as
    /// a multinomial over (TP, FN, FP, TN) with the group's labelled n and the observed shares, and its unlabelled
    /// rows as a binomial over selected / not selected; so drawing those from the counts is the same as resampling
    /// the group's rows (a bootstrap stratified by group and by whether the row has a label yet). Which groups take
    /// part stays as observed; a resample where a taking-part group drew no positives (say) is undefined for the
    /// figures on that rate and counted, not guessed.
    /// </summary>
    private ConfidenceInterval?[] Bootstrap(GroupConfusionCounts[] counts, Qualification qualification, Comparison[] point, SeededRandom random)
    {
        var resamples = _options.BootstrapResamples;
        var intervals = new ConfidenceInterval?[point.Length];
        if (resamples == 0)
        {
            return intervals;
        }

        var samples = point.Select(_ => new double[resamples]).ToArray();
        var rates = new GroupRates(counts.Length);
        for (var i = 0; i < counts.Length; i++)
        {
            rates.Set(i, counts[i]);
        }

        var nonEmpty = Enumerable.Range(0, counts.Length).Where(i => counts[i].N > 0).ToArray();
        Span<long> weights = stackalloc long[4];
        Span<long> drawn = stackalloc long[4];
        for (var b = 0; b < resamples; b++)
        {
            long selected = 0, n = 0, truePositives = 0, positives = 0, falsePositives = 0, negatives = 0;
            foreach (var i in nonEmpty)
            {
                var c = counts[i];
                weights[0] = c.TruePositives;
                weights[1] = c.FalseNegatives;
                weights[2] = c.FalsePositives;
                weights[3] = c.TrueNegatives;
                BinomialSampler.Multinomial(random, c.Labeled, weights, drawn);
                var unlabeled = c.SelectedUnlabeled + c.NotSelectedUnlabeled;
                var selectedUnlabeled = unlabeled == 0 ? 0 : BinomialSampler.Next(random, unlabeled, (double)c.SelectedUnlabeled / unlabeled);

                var groupSelected = drawn[0] + drawn[2] + selectedUnlabeled;
                rates.Set(i, groupSelected, c.N, drawn[0], drawn[0] + drawn[1], drawn[2], drawn[2] + drawn[3]);
                selected += groupSelected;
                n += c.N;
                truePositives += drawn[0];
                positives += drawn[0] + drawn[1];
                falsePositives += drawn[2];
                negatives += drawn[2] + drawn[3];
            }

            rates.SetOverall(selected, n, truePositives, positives, falsePositives, negatives);
            var figures = DisparityCalculation.ComputeAll(rates, qualification);
            for (var f = 0; f < figures.Length; f++)
            {
                samples[f][b] = figures[f].IsDefined ? figures[f].Value : double.NaN;
            }
        }

        for (var f = 0; f < point.Length; f++)
        {
            if (!point[f].IsDefined)
            {
                continue;
            }

            // An interval from a minority of the resamples would describe a different population than the figure.
            var defined = samples[f].Where(v => !double.IsNaN(v)).Order().ToArray();
            if (defined.Length * 2 < resamples)
            {
                continue;
            }

            var tail = (1 - _options.ConfidenceLevel) / 2;
            intervals[f] = new ConfidenceInterval
            {
                Level = _options.ConfidenceLevel,
                Lower = Quantile(defined, tail),
                Upper = Quantile(defined, 1 - tail),
                Resamples = resamples,
                UndefinedResamples = resamples - defined.Length,
            };
        }

        return intervals;
    }

    /// <summary>numpy.quantile's default (linear) method, as Fairlearn uses for its bootstrap quantiles.</summary>
    internal static double Quantile(double[] sorted, double q)
    {
        var position = (sorted.Length - 1) * q;
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }

    private static DisparityFigure Figure(
        (DisparityMetric Metric, DisparityMethod Method) id, Comparison result, ConfidenceInterval? interval, FairnessGroup[] groups,
        GroupMetrics[] metrics, GroupRates rates, Qualification qualification)
    {
        var usedRates = id.Metric switch
        {
            DisparityMetric.DemographicParityDifference or DisparityMetric.DemographicParityRatio or DisparityMetric.DisparateImpact => [RateKind.SelectionRate],
            DisparityMetric.EqualOpportunityDifference or DisparityMetric.EqualOpportunityRatio => [RateKind.TruePositiveRate],
            _ => new[] { RateKind.TruePositiveRate, RateKind.FalsePositiveRate },
        };

        var excluded = new List<ExcludedGroup>();
        foreach (var kind in usedRates)
        {
            foreach (var m in metrics)
            {
                var rate = m.Rate(kind);
                if (rate.ExcludedBecause is { } reason)
                {
                    excluded.Add(new ExcludedGroup { Group = m.Group, Rate = kind, Reason = reason, Detail = rate.Detail ?? "" });
                }
            }
        }

        var included = usedRates.Select(k => Included(qualification, k).Count(x => x)).Min();
        if (!result.IsDefined)
        {
            return new DisparityFigure
            {
                Metric = id.Metric,
                Method = id.Method,
                NotComputedBecause = result.Undefined,
                GroupsCompared = included,
                ExcludedGroups = excluded,
            };
        }

        double[]? values = result.Rate is { } r ? RatesOf(rates, r) : null;
        return new DisparityFigure
        {
            Metric = id.Metric,
            Method = id.Method,
            Value = result.Value,
            Rate = result.Rate,
            Group = result.Group >= 0 ? groups[result.Group] : null,
            GroupRate = result.Group >= 0 ? values?[result.Group] : null,
            ComparedTo = result.ComparedTo >= 0 ? groups[result.ComparedTo] : null,
            ComparedToRate = result.ComparedTo switch
            {
                >= 0 => values?[result.ComparedTo],
                Comparison.Overall when result.Rate is { } overallRate => OverallRate(rates, overallRate),
                _ => null,
            },
            GroupsCompared = result.Rate is { } decidedBy ? Included(qualification, decidedBy).Count(x => x) : included,
            ExcludedGroups = excluded,
            Interval = interval,
        };
    }

    private static bool[] Included(Qualification q, RateKind kind) => kind switch
    {
        RateKind.SelectionRate => q.Selection,
        RateKind.TruePositiveRate => q.TruePositive,
        _ => q.FalsePositive,
    };

    private static double[] RatesOf(GroupRates rates, RateKind kind) => kind switch
    {
        RateKind.SelectionRate => rates.Selection,
        RateKind.TruePositiveRate => rates.TruePositive,
        _ => rates.FalsePositive,
    };

    private static double OverallRate(GroupRates rates, RateKind kind) => kind switch
    {
        RateKind.SelectionRate => rates.OverallSelection,
        RateKind.TruePositiveRate => rates.OverallTruePositive,
        _ => rates.OverallFalsePositive,
    };

    /// <summary>Each group's selection rate over the reference's: the per-group view of the four-fifths rule.</summary>
    private static GroupMetrics[] WithRatioToReference(GroupMetrics[] metrics, Qualification q, GroupRates rates)
    {
        var reference = q.Reference;
        if (reference < 0 && q.ReferenceProblem is null)
        {
            for (var i = 0; i < metrics.Length; i++)
            {
                if (q.Selection[i] && (reference < 0 || rates.Selection[i] > rates.Selection[reference]))
                {
                    reference = i;
                }
            }
        }

        return metrics.Select((m, i) => new GroupMetrics
        {
            Group = m.Group,
            Counts = m.Counts,
            SelectionRate = m.SelectionRate,
            TruePositiveRate = m.TruePositiveRate,
            FalsePositiveRate = m.FalsePositiveRate,
            Accuracy = m.Accuracy,
            SelectionRateRatioToReference = m.SelectionRate.ExcludedBecause is { } reason
                ? new RateValue { SampleSize = m.N, ExcludedBecause = reason, Detail = m.SelectionRate.Detail }
                : q.ReferenceProblem is { } problem
                    ? new RateValue { SampleSize = m.N, Detail = problem }
                    : reference < 0 || rates.Selection[reference] == 0
                        ? new RateValue { SampleSize = m.N, Detail = "the reference group's selection rate is 0" }
                        : new RateValue { Value = rates.Selection[i] / rates.Selection[reference], SampleSize = m.N },
        }).ToArray();
    }

    private GroupMetrics Metrics(FairnessGroup group, GroupConfusionCounts counts, bool isOverall)
    {
        var minimum = isOverall ? 1 : _options.MinGroupSize;
        return new GroupMetrics
        {
            Group = group,
            Counts = counts.Clone(),
            SelectionRate = Rate(counts, RateKind.SelectionRate, minimum),
            TruePositiveRate = Rate(counts, RateKind.TruePositiveRate, minimum),
            FalsePositiveRate = Rate(counts, RateKind.FalsePositiveRate, minimum),
            Accuracy = Rate(counts, RateKind.Accuracy, minimum),
        };
    }

    /// <summary>A group's rate, or null with the first reason it cannot be trusted or computed.</summary>
    private static RateValue Rate(GroupConfusionCounts c, RateKind kind, int minimum)
    {
        if (c.N == 0)
        {
            return Excluded(0, ExclusionReason.Empty, "no rows");
        }

        if (kind == RateKind.SelectionRate)
        {
            return c.N < minimum
                ? Excluded(c.N, ExclusionReason.BelowMinimumSize, $"{c.N} rows, below the minimum of {minimum}")
                : new RateValue { Value = (double)c.Selected / c.N, SampleSize = c.N };
        }

        if (c.Labeled == 0)
        {
            return Excluded(0, ExclusionReason.NoLabels, $"none of the {c.N} rows has a label yet");
        }

        if (c.Labeled < minimum)
        {
            return Excluded(c.Labeled, ExclusionReason.BelowMinimumSize, $"{c.Labeled} labelled rows, below the minimum of {minimum}");
        }

        // A rate's n is its denominator: a TPR from 2 positives can only be 0, 0.5 or 1, and its bootstrap interval
        // would claim a certainty the group does not have, so the minimum applies to positives and negatives too.
        return kind switch
        {
            RateKind.TruePositiveRate when c.Positives == 0 =>
                Excluded(0, ExclusionReason.NoPositives, $"no labelled positives among {c.Labeled} labelled rows, so the true positive rate is undefined"),
            RateKind.TruePositiveRate when c.Positives < minimum =>
                Excluded(c.Positives, ExclusionReason.BelowMinimumSize, $"{c.Positives} labelled positives, below the minimum of {minimum} for a true positive rate"),
            RateKind.TruePositiveRate => new RateValue { Value = (double)c.TruePositives / c.Positives, SampleSize = c.Positives },
            RateKind.FalsePositiveRate when c.Negatives == 0 =>
                Excluded(0, ExclusionReason.NoNegatives, $"no labelled negatives among {c.Labeled} labelled rows, so the false positive rate is undefined"),
            RateKind.FalsePositiveRate when c.Negatives < minimum =>
                Excluded(c.Negatives, ExclusionReason.BelowMinimumSize, $"{c.Negatives} labelled negatives, below the minimum of {minimum} for a false positive rate"),
            RateKind.FalsePositiveRate => new RateValue { Value = (double)c.FalsePositives / c.Negatives, SampleSize = c.Negatives },
            _ => new RateValue { Value = (double)c.Correct / c.Labeled, SampleSize = c.Labeled },
        };
    }

    private static RateValue Excluded(long sampleSize, ExclusionReason reason, string detail) =>
        new() { SampleSize = sampleSize, ExcludedBecause = reason, Detail = detail };

    private FairnessSettings Settings() => new()
    {
        MinGroupSize = _options.MinGroupSize,
        BootstrapResamples = _options.BootstrapResamples,
        ConfidenceLevel = _options.ConfidenceLevel,
        Seed = _options.Seed,
        DisparateImpactReference = new Dictionary<string, string>(_options.DisparateImpactReference, StringComparer.Ordinal),
        Limits = Enum.GetValues<DisparityMetric>()
            .Select(m => (Metric: m, Limit: _options.Thresholds.LimitFor(m)))
            .Where(x => x.Limit is not null)
            .Select(x => new FairnessLimit { Metric = x.Metric, Limit = x.Limit!.Value.Limit, Kind = x.Limit.Value.Kind })
            .ToList(),
        JudgedMethods = _options.Thresholds.JudgedMethods.Order().ToList(),
    };
}
