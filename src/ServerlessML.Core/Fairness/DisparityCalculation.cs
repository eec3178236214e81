namespace ServerlessML.Fairness;

/// <summary>
/// One figure computed from per-group rates. <see cref="Group"/> and <see cref="ComparedTo"/> index the groups
/// (<see cref="Overall"/> for the whole population, <see cref="NoGroup"/> for means); an undefined figure has a NaN
/// value and the reason.
/// </summary>
internal readonly record struct Comparison(double Value, int Group, int ComparedTo, RateKind? Rate, string? Undefined)
{
    public const int Overall = -1;
    public const int NoGroup = -2;

    public bool IsDefined => Undefined is null;

    public static Comparison NotDefined(string reason) => new(double.NaN, NoGroup, NoGroup, null, reason);
}

/// <summary>The rates of one grouping that the figures are computed from: a point estimate or one resample.</summary>
internal sealed class GroupRates(int groups)
{
    public double[] Selection { get; } = new double[groups];
    public double[] TruePositive { get; } = new double[groups];
    public double[] FalsePositive { get; } = new double[groups];
    public double OverallSelection { get; set; }
    public double OverallTruePositive { get; set; }
    public double OverallFalsePositive { get; set; }

    public void Set(int group, GroupConfusionCounts counts) =>
        Set(group, counts.Selected, counts.N, counts.TruePositives, counts.Positives, counts.FalsePositives, counts.Negatives);

    public void Set(int group, long selected, long n, long truePositives, long positives, long falsePositives, long negatives)
    {
        Selection[group] = Fraction(selected, n);
        TruePositive[group] = Fraction(truePositives, positives);
        FalsePositive[group] = Fraction(falsePositives, negatives);
    }

    public void SetOverall(long selected, long n, long truePositives, long positives, long falsePositives, long negatives)
    {
        OverallSelection = Fraction(selected, n);
        OverallTruePositive = Fraction(truePositives, positives);
        OverallFalsePositive = Fraction(falsePositives, negatives);
    }

    public static double Fraction(long numerator, long denominator) => denominator == 0 ? double.NaN : (double)numerator / denominator;
}

/// <summary>Which groups take part in each rate's figures, fixed from the observed counts.</summary>
internal sealed class Qualification(bool[] selection, bool[] truePositive, bool[] falsePositive)
{
    public bool[] Selection { get; } = selection;
    public bool[] TruePositive { get; } = truePositive;
    public bool[] FalsePositive { get; } = falsePositive;

    /// <summary>Configured disparate impact reference group, or -1 for the highest selection rate.</summary>
    public int Reference { get; init; } = -1;

    /// <summary>Set when a reference is configured but cannot be used.</summary>
    public string? ReferenceProblem { get; init; }
}

/// <summary>
/// The disparity figures of Fairlearn's <c>MetricFrame.difference</c> and <c>MetricFrame.ratio</c> over groups that
/// qualify. between_groups: max − min and min / max; to_overall: max |group − overall| and
/// min over groups of (group / overall, inverted when above 1).
/// </summary>
internal static class DisparityCalculation
{
    public static readonly (DisparityMetric Metric, DisparityMethod Method)[] Figures =
        (from metric in Enum.GetValues<DisparityMetric>()
         from method in Enum.GetValues<DisparityMethod>()
         select (metric, method)).ToArray();

    public static Comparison[] ComputeAll(GroupRates rates, Qualification q)
    {
        var results = new Comparison[Figures.Length];
        foreach (var method in Enum.GetValues<DisparityMethod>())
        {
            var selDiff = Difference(method, RateKind.SelectionRate, rates.Selection, q.Selection, rates.OverallSelection);
            var selRatio = Ratio(method, RateKind.SelectionRate, rates.Selection, q.Selection, rates.OverallSelection);
            var tprDiff = Difference(method, RateKind.TruePositiveRate, rates.TruePositive, q.TruePositive, rates.OverallTruePositive);
            var tprRatio = Ratio(method, RateKind.TruePositiveRate, rates.TruePositive, q.TruePositive, rates.OverallTruePositive);
            var fprDiff = Difference(method, RateKind.FalsePositiveRate, rates.FalsePositive, q.FalsePositive, rates.OverallFalsePositive);
            var fprRatio = Ratio(method, RateKind.FalsePositiveRate, rates.FalsePositive, q.FalsePositive, rates.OverallFalsePositive);

            // With the default reference (the highest selection rate) disparate impact is the demographic parity ratio.
            var configuredReference = q.Reference >= 0 || q.ReferenceProblem is not null;
            var disparateImpact = method == DisparityMethod.BetweenGroups && configuredReference
                ? RatioToReference(rates.Selection, q)
                : selRatio;

            for (var i = 0; i < Figures.Length; i++)
            {
                if (Figures[i].Method == method)
                {
                    results[i] = Figures[i].Metric switch
                    {
                        DisparityMetric.DemographicParityDifference => selDiff,
                        DisparityMetric.DemographicParityRatio => selRatio,
                        DisparityMetric.EqualizedOddsDifference => Worst(tprDiff, fprDiff, larger: true),
                        DisparityMetric.EqualizedOddsDifferenceMean => Mean(tprDiff, fprDiff),
                        DisparityMetric.EqualizedOddsRatio => Worst(tprRatio, fprRatio, larger: false),
                        DisparityMetric.EqualizedOddsRatioMean => Mean(tprRatio, fprRatio),
                        DisparityMetric.EqualOpportunityDifference => tprDiff,
                        DisparityMetric.EqualOpportunityRatio => tprRatio,
                        DisparityMetric.DisparateImpact => disparateImpact,
                        _ => throw new InvalidOperationException($"No computation for {Figures[i].Metric}."),
                    };
                }
            }
        }

        return results;
    }

    public static Comparison Difference(DisparityMethod method, RateKind kind, double[] rates, bool[] included, double overall)
    {
        if (Scan(kind, rates, included, out var lowest, out var highest) is { } problem)
        {
            return Comparison.NotDefined(problem);
        }

        if (method == DisparityMethod.BetweenGroups)
        {
            return new Comparison(rates[highest] - rates[lowest], lowest, highest, kind, null);
        }

        if (double.IsNaN(overall))
        {
            return Comparison.NotDefined($"the overall {Words(kind)} is undefined");
        }

        var furthest = -1;
        var largest = -1.0;
        for (var i = 0; i < rates.Length; i++)
        {
            if (included[i] && Math.Abs(rates[i] - overall) > largest)
            {
                largest = Math.Abs(rates[i] - overall);
                furthest = i;
            }
        }

        return new Comparison(largest, furthest, Comparison.Overall, kind, null);
    }

    public static Comparison Ratio(DisparityMethod method, RateKind kind, double[] rates, bool[] included, double overall)
    {
        if (Scan(kind, rates, included, out var lowest, out var highest) is { } problem)
        {
            return Comparison.NotDefined(problem);
        }

        if (method == DisparityMethod.BetweenGroups)
        {
            return rates[highest] == 0
                ? Comparison.NotDefined($"every qualifying group has a {Words(kind)} of 0, so the ratio is 0/0")
                : new Comparison(rates[lowest] / rates[highest], lowest, highest, kind, null);
        }

        if (double.IsNaN(overall))
        {
            return Comparison.NotDefined($"the overall {Words(kind)} is undefined");
        }

        if (overall == 0)
        {
            return Comparison.NotDefined($"the overall {Words(kind)} is 0, so ratios to it are 0/0");
        }

        // Fairlearn's ratio_sub_one: a group above overall counts as overall / group, so the result is at most 1.
        var worst = -1;
        var smallest = double.PositiveInfinity;
        for (var i = 0; i < rates.Length; i++)
        {
            if (!included[i])
            {
                continue;
            }

            var ratio = rates[i] / overall;
            if (ratio > 1)
            {
                ratio = 1 / ratio;
            }

            if (ratio < smallest)
            {
                smallest = ratio;
                worst = i;
            }
        }

        return new Comparison(smallest, worst, Comparison.Overall, kind, null);
    }

    /// <summary>Lowest selection rate over the configured reference group's.</summary>
    public static Comparison RatioToReference(double[] rates, Qualification q)
    {
        if (q.ReferenceProblem is { } referenceProblem)
        {
            return Comparison.NotDefined(referenceProblem);
        }

        if (Scan(RateKind.SelectionRate, rates, q.Selection, out _, out _) is { } problem)
        {
            return Comparison.NotDefined(problem);
        }

        var reference = rates[q.Reference];
        if (reference == 0)
        {
            return Comparison.NotDefined("the reference group's selection rate is 0, so ratios to it are undefined");
        }

        var worst = -1;
        var smallest = double.PositiveInfinity;
        for (var i = 0; i < rates.Length; i++)
        {
            if (q.Selection[i] && i != q.Reference && rates[i] / reference < smallest)
            {
                smallest = rates[i] / reference;
                worst = i;
            }
        }

        return new Comparison(smallest, worst, q.Reference, RateKind.SelectionRate, null);
    }

    /// <summary>Equalized odds: the larger difference (or smaller ratio) of TPR and FPR; ties go to TPR.</summary>
    public static Comparison Worst(Comparison truePositive, Comparison falsePositive, bool larger)
    {
        if (!truePositive.IsDefined)
        {
            return Comparison.NotDefined(truePositive.Undefined!);
        }

        if (!falsePositive.IsDefined)
        {
            return Comparison.NotDefined(falsePositive.Undefined!);
        }

        var fprWorse = larger ? falsePositive.Value > truePositive.Value : falsePositive.Value < truePositive.Value;
        return fprWorse ? falsePositive : truePositive;
    }

    public static Comparison Mean(Comparison truePositive, Comparison falsePositive)
    {
        if (!truePositive.IsDefined)
        {
            return Comparison.NotDefined(truePositive.Undefined!);
        }

        return !falsePositive.IsDefined
            ? Comparison.NotDefined(falsePositive.Undefined!)
            : new Comparison((truePositive.Value + falsePositive.Value) / 2, Comparison.NoGroup, Comparison.NoGroup, null, null);
    }

    public static string Words(RateKind kind) => kind switch
    {
        RateKind.SelectionRate => "selection rate",
        RateKind.TruePositiveRate => "true positive rate",
        RateKind.FalsePositiveRate => "false positive rate",
        RateKind.Accuracy => "accuracy",
        _ => kind.ToString(),
    };

    /// <summary>Finds the lowest (first on ties) and highest (last on ties) qualifying rates, or says why there are none.</summary>
    private static string? Scan(RateKind kind, double[] rates, bool[] included, out int lowest, out int highest)
    {
        lowest = highest = -1;
        var count = 0;
        for (var i = 0; i < rates.Length; i++)
        {
            if (!included[i])
            {
                continue;
            }

            if (double.IsNaN(rates[i]))
            {
                // Only in a resample: a group that qualified drew no rows for this rate's denominator.
                return $"a qualifying group has no rows for its {Words(kind)}";
            }

            count++;
            if (lowest < 0 || rates[i] < rates[lowest])
            {
                lowest = i;
            }

            // Last on ties, so that equal rates still name two different groups.
            if (highest < 0 || rates[i] >= rates[highest])
            {
                highest = i;
            }
        }

        return count < 2 ? $"fewer than two groups qualify for the {Words(kind)}" : null;
    }
}
