namespace ServerlessML.Fairness;

/// <summary>How a fairness report is computed from <see cref="FairnessCounts"/>.</summary>
public sealed class FairnessOptions
{
    /// <summary>
    /// Fewest rows a group needs before a rate is computed and it takes part in the disparity figures: rows for the
    /// selection rate, labelled rows for accuracy, labelled positives for the true positive rate, labelled negatives
    /// for the false positive rate. Smaller groups are listed with the reason, not dropped.
    /// </summary>
    public int MinGroupSize { get; set; } = 30;

    /// <summary>Bootstrap resamples per grouping; 0 computes no confidence intervals.</summary>
    public int BootstrapResamples { get; set; } = 1000;

    /// <summary>Coverage of the percentile confidence intervals.</summary>
    public double ConfidenceLevel { get; set; } = 0.95;

    /// <summary>Seed of the bootstrap; the same counts, options and seed give the same intervals.</summary>
    public long Seed { get; set; }

    /// <summary>
    /// Reference value per sensitive feature for disparate impact, e.g. <c>sex → Male</c>. A grouping whose features
    /// all have a reference value compares against that group; any other grouping compares against its group with
    /// the highest selection rate (Fairlearn's <c>ratio(method="between_groups")</c>).
    /// </summary>
    public IDictionary<string, string> DisparateImpactReference { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public FairnessThresholds Thresholds { get; set; } = new();

    internal void Validate(FairnessCounts counts)
    {
        if (MinGroupSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MinGroupSize), MinGroupSize, "The minimum group size must be at least 1.");
        }

        if (BootstrapResamples is < 0 or > 100_000)
        {
            throw new ArgumentOutOfRangeException(nameof(BootstrapResamples), BootstrapResamples, "Bootstrap resamples must be between 0 (no intervals) and 100000.");
        }

        if (!(ConfidenceLevel is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ConfidenceLevel), ConfidenceLevel, "The confidence level must be between 0 and 1, e.g. 0.95.");
        }

        foreach (var feature in DisparateImpactReference.Keys)
        {
            if (!counts.SensitiveFeatures.Contains(feature, StringComparer.Ordinal))
            {
                throw new ArgumentException(
                    $"The disparate impact reference names feature '{feature}', which is not among the sensitive features [{string.Join(", ", counts.SensitiveFeatures)}].",
                    nameof(DisparateImpactReference));
            }
        }

        ArgumentNullException.ThrowIfNull(Thresholds);
        Thresholds.Validate();
    }
}

/// <summary>
/// Limits that turn disparity figures into breaches. A null limit is not judged. Differences breach when above
/// their maximum, ratios when below their minimum; a figure exactly at its limit does not breach.
/// </summary>
public sealed class FairnessThresholds
{
    public double? MaxDemographicParityDifference { get; set; } = 0.1;

    /// <summary>Applies to the worst-case equalized odds difference (the mean version is reported, not judged).</summary>
    public double? MaxEqualizedOddsDifference { get; set; } = 0.1;

    public double? MaxEqualOpportunityDifference { get; set; } = 0.1;

    /// <summary>The four-fifths rule: each group's selection rate at least 0.8 of the reference group's.</summary>
    public double? MinDisparateImpact { get; set; } = 0.8;

    public double? MinDemographicParityRatio { get; set; }

    public double? MinEqualizedOddsRatio { get; set; }

    public double? MinEqualOpportunityRatio { get; set; }

    /// <summary>Which comparison is judged; Fairlearn's default, between groups, unless set otherwise.</summary>
    public ISet<DisparityMethod> JudgedMethods { get; } = new HashSet<DisparityMethod> { DisparityMethod.BetweenGroups };

    internal (double Limit, LimitKind Kind)? LimitFor(DisparityMetric metric) => metric switch
    {
        DisparityMetric.DemographicParityDifference => Max(MaxDemographicParityDifference),
        DisparityMetric.EqualizedOddsDifference => Max(MaxEqualizedOddsDifference),
        DisparityMetric.EqualOpportunityDifference => Max(MaxEqualOpportunityDifference),
        DisparityMetric.DisparateImpact => Min(MinDisparateImpact),
        DisparityMetric.DemographicParityRatio => Min(MinDemographicParityRatio),
        DisparityMetric.EqualizedOddsRatio => Min(MinEqualizedOddsRatio),
        DisparityMetric.EqualOpportunityRatio => Min(MinEqualOpportunityRatio),
        _ => null,
    };

    internal void Validate()
    {
        foreach (var (name, value) in new[]
                 {
                     (nameof(MaxDemographicParityDifference), MaxDemographicParityDifference),
                     (nameof(MaxEqualizedOddsDifference), MaxEqualizedOddsDifference),
                     (nameof(MaxEqualOpportunityDifference), MaxEqualOpportunityDifference),
                     (nameof(MinDisparateImpact), MinDisparateImpact),
                     (nameof(MinDemographicParityRatio), MinDemographicParityRatio),
                     (nameof(MinEqualizedOddsRatio), MinEqualizedOddsRatio),
                     (nameof(MinEqualOpportunityRatio), MinEqualOpportunityRatio),
                 })
        {
            if (value is { } v && !(v is >= 0 and <= 1))
            {
                throw new ArgumentOutOfRangeException(name, v, $"The fairness threshold {name} must be between 0 and 1.");
            }
        }
    }

    private static (double, LimitKind)? Max(double? limit) => limit is { } l ? (l, LimitKind.Maximum) : null;

    private static (double, LimitKind)? Min(double? limit) => limit is { } l ? (l, LimitKind.Minimum) : null;
}
