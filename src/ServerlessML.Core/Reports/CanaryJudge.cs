using System.Globalization;
using System.Runtime.Serialization;
using Newtonsoft.Json;
using Newtonsoft.Json.Converters;
using ServerlessML.Inference;
using ServerlessML.Logging;
using ServerlessML.Monitoring;
using ServerlessML.Registry;

namespace ServerlessML.Reports;

[JsonConverter(typeof(StringEnumConverter))]
public enum CanaryVerdict
{
    /// <summary>Every figure is within the budget and the canary has served enough requests: make it production.</summary>
    [EnumMember(Value = "promote")]
    Promote,

    /// <summary>A figure is over the budget: end the canary, production stays.</summary>
    [EnumMember(Value = "roll back")]
    RollBack,

    /// <summary>Not enough evidence yet, and nothing over the budget: leave the traffic as it is.</summary>
    [EnumMember(Value = "wait")]
    Wait,

    /// <summary>The canary version's manifest has no <c>rollout.promoteAfter</c>: a person decides.</summary>
    [EnumMember(Value = "manual")]
    Manual,
}

[JsonConverter(typeof(StringEnumConverter))]
public enum CanaryCheckStatus
{
    [EnumMember(Value = "within budget")]
    WithinBudget,

    [EnumMember(Value = "over budget")]
    OverBudget,

    /// <summary>Too few requests or predictions to compare yet; <see cref="CanaryCheck.Note"/> says which.</summary>
    [EnumMember(Value = "not judged yet")]
    NotJudgedYet,
}

/// <summary>
/// The traffic of one side of the comparison over the canary's window: the canary version on the canary route, or the
/// production version on the production route. Requests that named a version explicitly, and shadow copies, are not part of it.
/// </summary>
public sealed record CanaryEvidence(string Version, RouteOperations Operations, NumericFeatureAggregate? PredictionScore, CategoryCounts? PredictionLabel)
{
    /// <summary>The evidence of <paramref name="route"/> in an aggregate that holds only that route's predictions.</summary>
    public static CanaryEvidence FromAggregate(string version, string route, VersionAggregate aggregate)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        return new CanaryEvidence(
            version, aggregate.Routes.GetValueOrDefault(route) ?? new RouteOperations(), aggregate.PredictionScore, aggregate.PredictionLabel);
    }
}

/// <summary><c>rollout.promoteAfter</c> with the defaults filled in, and which limits came from the defaults.</summary>
public sealed class CanaryBudget
{
    /// <summary>Requests the canary (and production, for the comparisons) must have served before it is judged.</summary>
    public const long DefaultMinRequests = 100;

    /// <summary>The design's example budget: 1% errors, p95 latency 1.5 times production's, prediction drift 0.1.</summary>
    public const double DefaultMaxErrorRate = 0.01;

    public const double DefaultMaxLatencyRatio = 1.5;

    /// <summary>Also the default drift thresholds of the normed Wasserstein and Jensen-Shannon distances.</summary>
    public const double DefaultMaxPredictionDrift = 0.1;

    [JsonProperty("minRequests")]
    public long MinRequests { get; set; } = DefaultMinRequests;

    [JsonProperty("maxErrorRate")]
    public double MaxErrorRate { get; set; } = DefaultMaxErrorRate;

    [JsonProperty("maxLatencyRatio")]
    public double MaxLatencyRatio { get; set; } = DefaultMaxLatencyRatio;

    [JsonProperty("maxPredictionDrift")]
    public double MaxPredictionDrift { get; set; } = DefaultMaxPredictionDrift;

    /// <summary>The limits the manifest did not give, so the defaults above apply.</summary>
    [JsonProperty("defaulted")]
    public List<string> Defaulted { get; set; } = [];

    public static CanaryBudget From(PromotionBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        var effective = new CanaryBudget();
        effective.MinRequests = Given(budget.MinRequests, effective.MinRequests, "minRequests");
        effective.MaxErrorRate = Given(budget.MaxErrorRate, effective.MaxErrorRate, "maxErrorRate");
        effective.MaxLatencyRatio = Given(budget.MaxLatencyRatio, effective.MaxLatencyRatio, "maxLatencyRatio");
        effective.MaxPredictionDrift = Given(budget.MaxPredictionDrift, effective.MaxPredictionDrift, "maxPredictionDrift");
        return effective;

        // The manifest's limit, or the default, noting which limits were defaulted.
        T Given<T>(T? limit, T fallback, string name)
            where T : struct
        {
            if (limit is { } value)
            {
                return value;
            }

            effective.Defaulted.Add(name);
            return fallback;
        }
    }
}

/// <summary>One side's figures over the canary's window.</summary>
public sealed class CanarySideFigures
{
    [JsonProperty("version")]
    public string Version { get; set; } = "";

    /// <summary>The route counted: canary for the canary version, production for the production version.</summary>
    [JsonProperty("route")]
    public string Route { get; set; } = "";

    /// <summary>Requests in the prediction log (sampled requests only when the manifest sets logging.sampleRate).</summary>
    [JsonProperty("requests")]
    public long Requests { get; set; }

    [JsonProperty("errors")]
    public long Errors { get; set; }

    [JsonProperty("errorRate")]
    public double? ErrorRate { get; set; }

    [JsonProperty("latencyP95Ms")]
    public double? LatencyP95Ms { get; set; }

    /// <summary>Predicted rows whose score (or, without one, label) the prediction drift compares.</summary>
    [JsonProperty("predictions")]
    public long Predictions { get; set; }
}

/// <summary>The canary's predictions against production's over the same window.</summary>
public sealed class CanaryPredictionDrift
{
    /// <summary>"prediction score" (probability of the positive class, or the regression prediction) or "predicted label".</summary>
    [JsonProperty("subject")]
    public string Subject { get; set; } = "";

    /// <summary>The statistic compared with maxPredictionDrift: wasserstein (normed) for a score, jensenshannon for a label.</summary>
    [JsonProperty("method")]
    public string? Method { get; set; }

    [JsonProperty("value")]
    public double? Value { get; set; }

    /// <summary>computed, or insufficient data (then there is no value).</summary>
    [JsonProperty("status")]
    public DriftStatus Status { get; set; }

    /// <summary>The comparison as the report computes prediction drift, production as the reference, with every statistic.</summary>
    [JsonProperty("comparison", NullValueHandling = NullValueHandling.Ignore)]
    public FeatureDriftResult? Comparison { get; set; }
}

/// <summary>One limit of the budget against its figure.</summary>
public sealed class CanaryCheck
{
    /// <summary>requests, error rate, latency ratio or prediction drift.</summary>
    [JsonProperty("figure")]
    public string Figure { get; set; } = "";

    [JsonProperty("value")]
    public double? Value { get; set; }

    /// <summary>The least (requests) or the most (the others) the budget allows.</summary>
    [JsonProperty("limit")]
    public double Limit { get; set; }

    [JsonProperty("status")]
    public CanaryCheckStatus Status { get; set; }

    /// <summary>Why the check was not judged yet, or how an early over-budget finding was reached.</summary>
    [JsonProperty("note", NullValueHandling = NullValueHandling.Ignore)]
    public string? Note { get; set; }
}

/// <summary>The <c>canary</c> section of report.json: the canary compared with production against its budget, and what was done.</summary>
public sealed class CanaryJudgement
{
    [JsonProperty("version")]
    public string Version { get; set; } = "";

    [JsonProperty("production")]
    public string Production { get; set; } = "";

    /// <summary>The canary's share of requests without a version, 0 to 100.</summary>
    [JsonProperty("percent")]
    public double Percent { get; set; }

    /// <summary>The start of the compared window: when the canary started, or the report window's start if that is later.</summary>
    [JsonProperty("since")]
    public DateTimeOffset Since { get; set; }

    [JsonProperty("until")]
    public DateTimeOffset Until { get; set; }

    [JsonProperty("verdict")]
    public CanaryVerdict Verdict { get; set; }

    /// <summary>The decision in plain words, with every figure and its limit; the registry event's reason.</summary>
    [JsonProperty("reason")]
    public string Reason { get; set; } = "";

    /// <summary>The effective budget; null without <c>rollout.promoteAfter</c>.</summary>
    [JsonProperty("budget")]
    public CanaryBudget? Budget { get; set; }

    [JsonProperty("canary")]
    public CanarySideFigures Canary { get; set; } = new();

    [JsonProperty("productionFigures")]
    public CanarySideFigures ProductionFigures { get; set; } = new();

    /// <summary>Canary p95 latency over production's, each at least 1 ms.</summary>
    [JsonProperty("latencyRatio")]
    public double? LatencyRatio { get; set; }

    [JsonProperty("predictionDrift")]
    public CanaryPredictionDrift PredictionDrift { get; set; } = new();

    /// <summary>
    /// Before minRequests: the probability of at least this many errors if the canary's true error rate were exactly
    /// maxErrorRate (one-sided exact binomial test). At or below <see cref="CanaryJudge.EarlyRollBackSignificance"/> the canary is rolled back early.
    /// </summary>
    [JsonProperty("earlyErrorPValue", NullValueHandling = NullValueHandling.Ignore)]
    public double? EarlyErrorPValue { get; set; }

    [JsonProperty("checks")]
    public List<CanaryCheck> Checks { get; set; } = [];

    /// <summary>What the report did: promoted, rolled back, nothing, or why the decision was not applied.</summary>
    [JsonProperty("action")]
    public string Action { get; set; } = "";

    /// <summary>True when the decision was written to record.json (with its registry event).</summary>
    [JsonProperty("applied")]
    public bool Applied { get; set; }
}

/// <summary>
/// The canary judgement of design section 7, a pure decision: the canary version's canary-route traffic against the
/// production version's production-route traffic over the same window, and the budget of the canary's manifest.
/// <list type="bullet">
/// <item>No <c>rollout.promoteAfter</c>: <see cref="CanaryVerdict.Manual"/>; the figures are still reported.</item>
/// <item>Any limit over budget: <see cref="CanaryVerdict.RollBack"/>. The error rate is judged once the canary has
/// minRequests requests; before that only when the errors are already too many to be chance at the budget's rate
/// (exact binomial tail at most <see cref="EarlyRollBackSignificance"/>), so a canary failing half its requests is
/// not kept serving them. Latency and prediction drift are compared once both sides have minRequests requests.</item>
/// <item>Otherwise, anything not judged yet (too few requests, insufficient prediction data): <see cref="CanaryVerdict.Wait"/>.</item>
/// <item>Otherwise: <see cref="CanaryVerdict.Promote"/>.</item>
/// </list>
/// A limit is broken when the figure is above it (equal is within). Prediction drift is the report's prediction
/// drift comparison with production's predictions as the reference: the normed Wasserstein distance of the prediction
/// score when the versions log one (probability or regression output), else the Jensen-Shannon distance (natural log)
/// of the predicted label; both are the distances Evidently uses, whose default drift threshold is 0.1.
/// </summary>
public static class CanaryJudge
{
    /// <summary>The actor of the registry events the judgement writes.</summary>
    public const string Actor = "canary-judge";

    /// <summary>
    /// How improbable the errors seen before minRequests must be, at the budget's error rate, to roll back early.
    /// Small because the report looks again every run: over a day of hourly looks the chance of wrongly rolling back
    /// a canary whose true error rate is exactly its budget stays below 24 × 0.001 = 2.4%.
    /// </summary>
    public const double EarlyRollBackSignificance = 0.001;

    /// <summary>Latencies below this count as this much, so that sub-millisecond noise never decides the ratio.</summary>
    public const double LatencyFloorMs = 1;

    /// <summary>What the report says when the judge leaves the decision to a person.</summary>
    public const string ManualWords = "manual: promote or roll back through the management API";

    /// <summary>The route of the canary version's traffic that counts.</summary>
    public static readonly string CanaryRoute = PredictionLogSchema.RouteName(RouteKind.Canary);

    /// <summary>The route of the production version's traffic that counts.</summary>
    public static readonly string ProductionRoute = PredictionLogSchema.RouteName(RouteKind.Production);

    /// <summary>
    /// Compares <paramref name="canary"/> with <paramref name="production"/> against <paramref name="promoteAfter"/> (null:
    /// no automatic judgement); <paramref name="driftOptions"/> are the canary version's drift options (minimum sample size).
    /// </summary>
    public static CanaryJudgement Judge(CanaryEvidence canary, CanaryEvidence production, PromotionBudget? promoteAfter, DriftOptions? driftOptions = null)
    {
        ArgumentNullException.ThrowIfNull(canary);
        ArgumentNullException.ThrowIfNull(production);
        var judgement = new CanaryJudgement
        {
            Version = canary.Version,
            Production = production.Version,
            Canary = Figures(canary, CanaryRoute),
            ProductionFigures = Figures(production, ProductionRoute),
            PredictionDrift = ComparePredictions(canary, production, driftOptions ?? new DriftOptions()),
        };
        judgement.Canary.Predictions = judgement.PredictionDrift.Comparison?.CurrentCount ?? 0;
        judgement.ProductionFigures.Predictions = judgement.PredictionDrift.Comparison?.ReferenceCount ?? 0;
        if (judgement.Canary.LatencyP95Ms is { } canaryP95 && judgement.ProductionFigures.LatencyP95Ms is { } productionP95)
        {
            judgement.LatencyRatio = Math.Max(canaryP95, LatencyFloorMs) / Math.Max(productionP95, LatencyFloorMs);
        }

        if (promoteAfter is null)
        {
            judgement.Verdict = CanaryVerdict.Manual;
            judgement.Reason = $"Canary {canary.Version} has no rollout.promoteAfter budget in its manifest, so it is not judged automatically "
                + $"(it served {Count(judgement.Canary.Requests, "request")} with error rate {Percent(judgement.Canary.ErrorRate)}): {ManualWords}.";
            return judgement;
        }

        var budget = CanaryBudget.From(promoteAfter);
        judgement.Budget = budget;
        var c = judgement.Canary;
        var p = judgement.ProductionFigures;
        bool canaryEnough = c.Requests >= budget.MinRequests && c.Requests > 0;
        bool productionEnough = p.Requests >= budget.MinRequests && p.Requests > 0;
        string waitingForProduction = $"production served {Count(p.Requests, "request")} on its route since the canary started, fewer than the {budget.MinRequests:N0} compared";

        judgement.Checks.Add(new CanaryCheck
        {
            Figure = "requests",
            Value = c.Requests,
            Limit = budget.MinRequests,
            Status = canaryEnough ? CanaryCheckStatus.WithinBudget : CanaryCheckStatus.NotJudgedYet,
            Note = canaryEnough ? null : $"the canary served {c.Requests:N0} of the {budget.MinRequests:N0} requests its budget asks for",
        });

        var errors = new CanaryCheck { Figure = "error rate", Value = c.ErrorRate, Limit = budget.MaxErrorRate };
        if (c.Requests == 0)
        {
            errors.Status = CanaryCheckStatus.NotJudgedYet;
            errors.Note = "the canary served no requests yet";
        }
        else if (canaryEnough)
        {
            errors.Status = c.ErrorRate > budget.MaxErrorRate ? CanaryCheckStatus.OverBudget : CanaryCheckStatus.WithinBudget;
        }
        else
        {
            double pValue = BinomialUpperTail(c.Errors, c.Requests, budget.MaxErrorRate);
            judgement.EarlyErrorPValue = pValue;
            bool certain = pValue <= EarlyRollBackSignificance;
            errors.Status = certain ? CanaryCheckStatus.OverBudget : CanaryCheckStatus.NotJudgedYet;
            errors.Note = certain
                ? $"already certain before {budget.MinRequests:N0} requests: {Count(c.Errors, "error")} in {Count(c.Requests, "request")} "
                    + $"would happen with probability {Probability(pValue)} if the true error rate were the budget's {Percent(budget.MaxErrorRate)}"
                : $"judged at {budget.MinRequests:N0} requests; {Count(c.Errors, "error")} in {Count(c.Requests, "request")} is not yet certain to be over the budget";
        }

        judgement.Checks.Add(errors);

        var latency = new CanaryCheck { Figure = "latency ratio", Value = judgement.LatencyRatio, Limit = budget.MaxLatencyRatio };
        if (!canaryEnough || !productionEnough)
        {
            latency.Status = CanaryCheckStatus.NotJudgedYet;
            latency.Note = canaryEnough ? waitingForProduction : "compared once the canary has served its minimum requests";
        }
        else
        {
            latency.Status = judgement.LatencyRatio > budget.MaxLatencyRatio ? CanaryCheckStatus.OverBudget : CanaryCheckStatus.WithinBudget;
        }

        judgement.Checks.Add(latency);

        var drift = judgement.PredictionDrift;
        var predictions = new CanaryCheck { Figure = "prediction drift", Value = drift.Value, Limit = budget.MaxPredictionDrift };
        if (!canaryEnough || !productionEnough)
        {
            predictions.Status = CanaryCheckStatus.NotJudgedYet;
            predictions.Note = canaryEnough ? waitingForProduction : "compared once the canary has served its minimum requests";
        }
        else if (drift.Value is not { } driftValue)
        {
            // Insufficient data never promotes: a canary whose predictions cannot be compared waits for a person or more data.
            predictions.Status = CanaryCheckStatus.NotJudgedYet;
            predictions.Note = DriftMissingWords(drift);
        }
        else
        {
            predictions.Status = driftValue > budget.MaxPredictionDrift ? CanaryCheckStatus.OverBudget : CanaryCheckStatus.WithinBudget;
        }

        judgement.Checks.Add(predictions);

        judgement.Verdict = judgement.Checks.Any(x => x.Status == CanaryCheckStatus.OverBudget) ? CanaryVerdict.RollBack
            : judgement.Checks.Any(x => x.Status == CanaryCheckStatus.NotJudgedYet) ? CanaryVerdict.Wait
            : CanaryVerdict.Promote;
        judgement.Reason = Sentence(judgement, budget, errors, latency, predictions);
        return judgement;
    }

    /// <summary>
    /// P(X ≥ <paramref name="errors"/>) for X ~ Binomial(<paramref name="requests"/>, <paramref name="rate"/>): how likely this
    /// many errors are if the true error rate were <paramref name="rate"/>.
    /// </summary>
    public static double BinomialUpperTail(long errors, long requests, double rate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(requests);
        if (!(rate >= 0 && rate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "An error rate lies in [0, 1].");
        }

        if (errors <= 0)
        {
            return 1;
        }

        if (errors > requests || rate == 0)
        {
            return 0;
        }

        if (rate == 1)
        {
            return 1;
        }

        double logRate = Math.Log(rate), logRest = double.LogP1(-rate);
        double logAll = SpecialFunctions.LogGamma(requests + 1.0);
        double tail = 0;
        for (long i = errors; i <= requests; i++)
        {
            double term = Math.Exp(logAll - SpecialFunctions.LogGamma(i + 1.0) - SpecialFunctions.LogGamma(requests - i + 1.0) + (i * logRate) + ((requests - i) * logRest));
            tail += term;
            // Past the mode the terms only shrink: stop once they no longer change the sum.
            if (i > requests * rate && term <= tail * 1e-17)
            {
                break;
            }
        }

        return Math.Min(tail, 1);
    }

    private static CanarySideFigures Figures(CanaryEvidence evidence, string route)
    {
        var operations = evidence.Operations;
        return new CanarySideFigures
        {
            Version = evidence.Version,
            Route = route,
            Requests = operations.Requests,
            Errors = operations.Errors,
            ErrorRate = operations.Requests > 0 ? (double)operations.Errors / operations.Requests : null,
            LatencyP95Ms = operations.Latency.Quantile(0.95),
        };
    }

    /// <summary>The report's prediction drift comparison, production as the reference, on the score when there is one.</summary>
    private static CanaryPredictionDrift ComparePredictions(CanaryEvidence canary, CanaryEvidence production, DriftOptions options)
    {
        var calculator = new DriftCalculator(options);
        if (canary.PredictionScore is { } canaryScore && production.PredictionScore is { } productionScore && (canaryScore.Count > 0 || productionScore.Count > 0))
        {
            const string Subject = "prediction score";
            var comparison = productionScore.Count == 0
                ? new FeatureDriftResult { Feature = Subject, Kind = "numeric", Status = DriftStatus.InsufficientData, ReferenceCount = 0, CurrentCount = canaryScore.Count }
                : calculator.CompareNumeric(Subject, NumericReference.FromAggregate(productionScore), canaryScore);
            return Drift(Subject, DriftMethods.Wasserstein, comparison);
        }

        if (canary.PredictionLabel is { } canaryLabel && production.PredictionLabel is { } productionLabel && (canaryLabel.Count > 0 || productionLabel.Count > 0))
        {
            const string Subject = "predicted label";
            var comparison = calculator.CompareCategorical(Subject, CategoricalReference.FromAggregate(productionLabel), canaryLabel);
            return Drift(Subject, DriftMethods.JensenShannon, comparison);
        }

        return new CanaryPredictionDrift { Subject = "predictions", Status = DriftStatus.InsufficientData };
    }

    private static CanaryPredictionDrift Drift(string subject, string method, FeatureDriftResult comparison) => new()
    {
        Subject = subject,
        Method = method,
        Value = comparison.Status == DriftStatus.Computed ? comparison.Find(method)?.Value : null,
        Status = comparison.Status,
        Comparison = comparison,
    };

    private static string DriftMissingWords(CanaryPredictionDrift drift) => drift.Comparison is { } comparison
        ? $"insufficient data to compare the {drift.Subject}: {comparison.CurrentCount:N0} canary and {comparison.ReferenceCount:N0} production predictions, fewer than the {MinimumWords(comparison)} needed on each side"
        : "insufficient data: the prediction log holds no predicted score or label of these versions to compare; requests through the v2 infer API log tensor summaries only";

    private static string MinimumWords(FeatureDriftResult comparison) =>
        comparison.MethodReason is { } reason && reason.StartsWith("fewer than ", StringComparison.Ordinal)
            ? reason["fewer than ".Length..].Split(' ')[0]
            : "minimum";

    private static string Sentence(CanaryJudgement judgement, CanaryBudget budget, CanaryCheck errors, CanaryCheck latency, CanaryCheck predictions)
    {
        var c = judgement.Canary;
        string conclusion = judgement.Verdict switch
        {
            CanaryVerdict.Promote => "promoted",
            CanaryVerdict.RollBack => $"rolled back ({string.Join("; ", judgement.Checks.Where(x => x.Status == CanaryCheckStatus.OverBudget).Select(OverWords))})",
            // More traffic will not help versions whose log has no predictions to compare: a person decides.
            _ when latency.Status != CanaryCheckStatus.NotJudgedYet && predictions.Status == CanaryCheckStatus.NotJudgedYet && judgement.PredictionDrift.Comparison is null => $"not promoted; {ManualWords}",
            _ => "waiting for more traffic before judging",
        };
        string errorRate = $"error rate {Percent(c.ErrorRate)} ({Limit(errors)} {Percent(budget.MaxErrorRate)})";
        if (c.Requests == 0)
        {
            return $"Canary {c.Version} has served no requests on its route yet (its budget asks for {budget.MinRequests:N0}): {conclusion}.";
        }

        if (c.Requests < budget.MinRequests)
        {
            return $"Canary {c.Version} has served {c.Requests:N0} of the {budget.MinRequests:N0} requests its budget asks for, with {errorRate} so far; "
                + $"latency and predictions are compared from {budget.MinRequests:N0} requests: {conclusion}.";
        }

        if (latency.Status == CanaryCheckStatus.NotJudgedYet)
        {
            return $"Canary {c.Version} served {Count(c.Requests, "request")} with {errorRate}; {latency.Note}, so latency and predictions are not compared yet: {conclusion}.";
        }

        string drift = predictions.Status == CanaryCheckStatus.NotJudgedYet
            ? $"prediction drift not measured ({predictions.Note})"
            : $"prediction drift {Number(predictions.Value)} ({ReportBuilder.MethodWords(judgement.PredictionDrift.Method!)} of the {judgement.PredictionDrift.Subject}; {Limit(predictions)} {Number(budget.MaxPredictionDrift)})";
        return $"Canary {c.Version} served {Count(c.Requests, "request")} with {errorRate}, "
            + $"p95 latency {Ratio(latency.Value)}x production's ({Limit(latency)} {Ratio(budget.MaxLatencyRatio)}x) and {drift}: {conclusion}.";
    }

    private static string OverWords(CanaryCheck check) => check.Figure switch
    {
        "error rate" when check.Note is { } note => $"error rate {Percent(check.Value)} over {Percent(check.Limit)}, {note}",
        "error rate" => $"error rate {Percent(check.Value)} over {Percent(check.Limit)}",
        "latency ratio" => $"p95 latency {Ratio(check.Value)}x over {Ratio(check.Limit)}x",
        _ => $"prediction drift {Number(check.Value)} over {Number(check.Limit)}",
    };

    private static string Limit(CanaryCheck check) => check.Status == CanaryCheckStatus.OverBudget ? "over the budget of" : "budget";

    private static string Count(long count, string noun) => $"{count.ToString("N0", CultureInfo.InvariantCulture)} {noun}{(count == 1 ? "" : "s")}";

    private static string Percent(double? value) => value is { } v ? v.ToString("0.##%", CultureInfo.InvariantCulture) : "–";

    private static string Ratio(double? value) => value is { } v ? v.ToString("0.##", CultureInfo.InvariantCulture) : "–";

    private static string Number(double? value) => value is { } v ? v.ToString("0.###", CultureInfo.InvariantCulture) : "–";

    private static string Probability(double value) => value.ToString(value < 0.001 ? "0.#E+0" : "0.####", CultureInfo.InvariantCulture);
}
