using Newtonsoft.Json;
using ServerlessML.Registry;

namespace ServerlessML.Monitoring;

/// <summary>Names of the drift statistics, as Evidently names its stattests.</summary>
public static class DriftMethods
{
    public const string KolmogorovSmirnov = "ks";
    public const string ChiSquare = "chisquare";
    public const string ZTest = "z";
    public const string Wasserstein = "wasserstein";
    public const string JensenShannon = "jensenshannon";
    public const string Psi = "psi";

    /// <summary>Share of current observations in categories (or values) the reference never had; reported, not tested.</summary>
    public const string UnseenShare = "unseen_share";

    public static IReadOnlyList<string> Tests { get; } = [KolmogorovSmirnov, ChiSquare, ZTest, Wasserstein, JensenShannon, Psi];

    /// <summary>Tests that return a p-value (drift when p ≤ threshold); the others return a distance (drift when ≥ threshold).</summary>
    public static bool IsPValue(string method) => method is KolmogorovSmirnov or ChiSquare or ZTest;
}

/// <summary>
/// Thresholds and rules of the drift report. The defaults are Evidently's: p ≤ 0.05 for KS, chi-square
/// and Z; normed Wasserstein ≥ 0.1; Jensen-Shannon ≥ 0.1; dataset drift when at least half the features
/// drift; the default test chosen by data type, reference size (1000 rows) and unique values (5).
/// PSI's threshold is 0.2, as the design asks: Evidently's own <c>psi_stat_test</c> defaults to 0.1.
/// Overrides come from the manifest's <c>monitoring</c> section.
/// </summary>
public sealed class DriftOptions
{
    [JsonProperty("pValueThreshold")]
    public double PValueThreshold { get; set; } = 0.05;

    [JsonProperty("wassersteinThreshold")]
    public double WassersteinThreshold { get; set; } = 0.1;

    [JsonProperty("jensenShannonThreshold")]
    public double JensenShannonThreshold { get; set; } = 0.1;

    [JsonProperty("psiThreshold")]
    public double PsiThreshold { get; set; } = 0.2;

    /// <summary>Dataset drift when the share of drifted features is at least this.</summary>
    [JsonProperty("datasetDriftShare")]
    public double DatasetDriftShare { get; set; } = 0.5;

    /// <summary>Below this many non-missing observations on either side a feature reports "insufficient data".</summary>
    [JsonProperty("minimumSampleSize")]
    public long MinimumSampleSize { get; set; } = 30;

    /// <summary>Evidently's size rule: a reference of at most this many rows gets statistical tests, a larger one distances.</summary>
    [JsonProperty("smallReferenceMaxRows")]
    public long SmallReferenceMaxRows { get; set; } = 1000;

    /// <summary>Evidently's unique-value rule: at most this many unique values make a numeric feature categorical for the default test.</summary>
    [JsonProperty("fewUniqueValuesMax")]
    public int FewUniqueValuesMax { get; set; } = 5;

    /// <summary>
    /// Evidently's binning rule for PSI and Jensen-Shannon: a numeric feature whose reference has at most this many
    /// unique values is compared value by value; above it, on bins (here the reference deciles).
    /// </summary>
    [JsonProperty("numericAsCategoriesMaxUnique")]
    public int NumericAsCategoriesMaxUnique { get; set; } = 20;

    /// <summary>A test to use for every feature instead of the default choice (one of <see cref="DriftMethods.Tests"/>); null for the default.</summary>
    [JsonProperty("method")]
    public string? Method { get; set; }

    /// <summary>Evidently's defaults, overridden by the thresholds the manifest's <c>monitoring</c> section names; validated.</summary>
    public static DriftOptions FromManifest(MonitoringThresholds? monitoring)
    {
        var options = new DriftOptions();
        if (monitoring is not null)
        {
            options.PValueThreshold = monitoring.PValue ?? options.PValueThreshold;
            options.WassersteinThreshold = monitoring.Wasserstein ?? options.WassersteinThreshold;
            options.JensenShannonThreshold = monitoring.JensenShannon ?? options.JensenShannonThreshold;
            options.PsiThreshold = monitoring.Psi ?? options.PsiThreshold;
            options.DatasetDriftShare = monitoring.DriftShare ?? options.DatasetDriftShare;
            options.MinimumSampleSize = monitoring.MinSampleSize ?? options.MinimumSampleSize;
        }

        options.Validate();
        return options;
    }

    public double ThresholdOf(string method) => method switch
    {
        DriftMethods.KolmogorovSmirnov or DriftMethods.ChiSquare or DriftMethods.ZTest => PValueThreshold,
        DriftMethods.Wasserstein => WassersteinThreshold,
        DriftMethods.JensenShannon => JensenShannonThreshold,
        DriftMethods.Psi => PsiThreshold,
        _ => throw new ArgumentException($"'{method}' is not a drift test; use one of {string.Join(", ", DriftMethods.Tests)}.", nameof(method)),
    };

    /// <summary>Drift when a p-value is at or below its threshold, or a distance at or above it.</summary>
    public bool IsDrift(string method, double value) =>
        DriftMethods.IsPValue(method) ? value <= ThresholdOf(method) : value >= ThresholdOf(method);

    /// <summary>Throws, naming the setting, when a value is out of its range.</summary>
    public void Validate()
    {
        RequireInRange(PValueThreshold, 0, 1, nameof(PValueThreshold));
        RequireInRange(DatasetDriftShare, 0, 1, nameof(DatasetDriftShare));
        RequireInRange(WassersteinThreshold, 0, double.MaxValue, nameof(WassersteinThreshold));
        RequireInRange(JensenShannonThreshold, 0, double.MaxValue, nameof(JensenShannonThreshold));
        RequireInRange(PsiThreshold, 0, double.MaxValue, nameof(PsiThreshold));
        if (MinimumSampleSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MinimumSampleSize), MinimumSampleSize, "The minimum sample size must be at least 1.");
        }

        if (Method is not null && !DriftMethods.Tests.Contains(Method))
        {
            throw new ArgumentException($"Drift method '{Method}' is unknown; use one of {string.Join(", ", DriftMethods.Tests)}, or none for Evidently's default choice.");
        }
    }

    private static void RequireInRange(double value, double min, double max, string name)
    {
        if (!(value >= min && value <= max))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must lie in [{min}, {max}].");
        }
    }
}
