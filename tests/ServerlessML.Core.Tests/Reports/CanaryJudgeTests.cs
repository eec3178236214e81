using ServerlessML.Monitoring;
using ServerlessML.Registry;
using ServerlessML.Reports;

namespace ServerlessML.Tests.Reports;

/// <summary>
/// The canary judgement as a pure decision, on evidence built here with figures computed by hand. Latency percentiles
/// come from a quantile sketch (1% relative accuracy) and distances from its buckets, so those are compared within 2%.
/// </summary>
public sealed class CanaryJudgeTests
{
    private static readonly PromotionBudget Budget = new() { MinRequests = 100, MaxErrorRate = 0.01, MaxLatencyRatio = 1.5, MaxPredictionDrift = 0.1 };

    [Fact]
    public void A_canary_within_every_limit_is_promoted_with_each_figure_in_the_reason()
    {
        // Production: 3000 requests, 15 errors, 10 ms; scores half 0.2, half 0.4 (population sd 0.1).
        // Canary: 412 requests, 1 error (0.24%), 13 ms (ratio 1.3); scores 190 × 0.2, 210 × 0.4.
        var production = Side("1", 3000, 15, 10, Scores((0.2, 500), (0.4, 500)));
        var canary = Side("2", 412, 1, 13, Scores((0.2, 190), (0.4, 210)));

        var judgement = CanaryJudge.Judge(canary, production, Budget);

        Assert.Equal(CanaryVerdict.Promote, judgement.Verdict);
        Assert.Equal((412L, 1L, 1 / 412.0), (judgement.Canary.Requests, judgement.Canary.Errors, judgement.Canary.ErrorRate!.Value));
        Assert.Equal((3000L, 15L), (judgement.ProductionFigures.Requests, judgement.ProductionFigures.Errors));
        Assert.Equal(1.3, judgement.LatencyRatio!.Value, 0.026);
        // W1 = |0.5 - 0.475| × (0.4 - 0.2) = 0.005, over production's sd 0.1: 0.05.
        Assert.Equal((DriftMethods.Wasserstein, "prediction score"), (judgement.PredictionDrift.Method, judgement.PredictionDrift.Subject));
        Assert.Equal(0.05, judgement.PredictionDrift.Value!.Value, 0.002);
        Assert.Equal((400L, 1000L), (judgement.Canary.Predictions, judgement.ProductionFigures.Predictions));
        Assert.All(judgement.Checks, c => Assert.Equal(CanaryCheckStatus.WithinBudget, c.Status));
        Assert.StartsWith("Canary 2 served 412 requests with error rate 0.24% (budget 1%), p95 latency 1.3", judgement.Reason, StringComparison.Ordinal);
        Assert.Contains("x production's (budget 1.5x) and prediction drift 0.05", judgement.Reason, StringComparison.Ordinal);
        Assert.EndsWith(": promoted.", judgement.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_error_rate_over_budget_after_min_requests_rolls_back()
    {
        // 6 errors in 200 requests: 3% against a budget of 1%.
        var judgement = CanaryJudge.Judge(Side("2", 200, 6, 10, Scores((0.3, 200))), Side("1", 2000, 2, 10, Scores((0.3, 1000))), Budget);

        Assert.Equal(CanaryVerdict.RollBack, judgement.Verdict);
        var errors = judgement.Checks.Single(c => c.Figure == "error rate");
        Assert.Equal((CanaryCheckStatus.OverBudget, 0.03, 0.01), (errors.Status, errors.Value!.Value, errors.Limit));
        Assert.Null(judgement.EarlyErrorPValue);
        Assert.Contains("error rate 3% (over the budget of 1%)", judgement.Reason, StringComparison.Ordinal);
        Assert.EndsWith("rolled back (error rate 3% over 1%).", judgement.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_p95_latency_ratio_over_budget_rolls_back()
    {
        var judgement = CanaryJudge.Judge(Side("2", 150, 0, 40, Scores((0.3, 150))), Side("1", 1500, 0, 20, Scores((0.3, 1000))), Budget);

        Assert.Equal(CanaryVerdict.RollBack, judgement.Verdict);
        Assert.Equal(2.0, judgement.LatencyRatio!.Value, 0.04);
        Assert.Equal(CanaryCheckStatus.OverBudget, judgement.Checks.Single(c => c.Figure == "latency ratio").Status);
        Assert.Equal(CanaryCheckStatus.WithinBudget, judgement.Checks.Single(c => c.Figure == "error rate").Status);
    }

    [Fact]
    public void Sub_millisecond_latencies_count_as_one_millisecond_in_the_ratio()
    {
        var judgement = CanaryJudge.Judge(Side("2", 150, 0, 0.9, Scores((0.3, 150))), Side("1", 1500, 0, 0.3, Scores((0.3, 1000))), Budget);

        // 0.9 ms against 0.3 ms would be 3x; both below the floor, the ratio is 1.
        Assert.Equal(1.0, judgement.LatencyRatio!.Value, 12);
        Assert.Equal(CanaryVerdict.Promote, judgement.Verdict);
    }

    [Fact]
    public void Shifted_prediction_scores_roll_back_on_the_normed_wasserstein_distance()
    {
        // Production half 0.2, half 0.4 (sd 0.1); canary half 0.4, half 0.6: W1 = 0.2, normed 2.
        var judgement = CanaryJudge.Judge(Side("2", 400, 0, 10, Scores((0.4, 200), (0.6, 200))), Side("1", 4000, 0, 10, Scores((0.2, 500), (0.4, 500))), Budget);

        Assert.Equal(CanaryVerdict.RollBack, judgement.Verdict);
        Assert.Equal(2.0, judgement.PredictionDrift.Value!.Value, 0.04);
        Assert.Equal(CanaryCheckStatus.OverBudget, judgement.Checks.Single(c => c.Figure == "prediction drift").Status);
        Assert.Contains("prediction drift 2", judgement.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_score_the_predicted_labels_are_compared_by_jensen_shannon_distance()
    {
        // Production yes/no 500/500, canary 300/100: p = (0.5, 0.5), q = (0.75, 0.25), m = (0.625, 0.375).
        var judgement = CanaryJudge.Judge(Side("2", 400, 0, 10, labels: Labels(("yes", 300), ("no", 100))), Side("1", 1000, 0, 10, labels: Labels(("yes", 500), ("no", 500))), Budget);

        double kl1 = (0.5 * Math.Log(0.5 / 0.625)) + (0.5 * Math.Log(0.5 / 0.375));
        double kl2 = (0.75 * Math.Log(0.75 / 0.625)) + (0.25 * Math.Log(0.25 / 0.375));
        double distance = Math.Sqrt((kl1 + kl2) / 2);
        Assert.Equal((DriftMethods.JensenShannon, "predicted label"), (judgement.PredictionDrift.Method, judgement.PredictionDrift.Subject));
        Assert.Equal(distance, judgement.PredictionDrift.Value!.Value, 12);
        Assert.Equal(CanaryVerdict.RollBack, judgement.Verdict);
    }

    [Fact]
    public void Fewer_requests_than_min_requests_wait_without_changing_anything()
    {
        var judgement = CanaryJudge.Judge(Side("2", 40, 0, 10, Scores((0.3, 40))), Side("1", 1000, 0, 10, Scores((0.3, 1000))), Budget);

        Assert.Equal(CanaryVerdict.Wait, judgement.Verdict);
        Assert.Equal(CanaryCheckStatus.NotJudgedYet, judgement.Checks.Single(c => c.Figure == "requests").Status);
        Assert.Equal(1.0, judgement.EarlyErrorPValue);
        Assert.StartsWith("Canary 2 has served 40 of the 100 requests its budget asks for, with error rate 0% (budget 1%) so far", judgement.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_too_many_to_be_chance_roll_back_before_min_requests()
    {
        // 10 errors in 20 requests at a 1% budget: P(X >= 10 | n = 20, p = 0.01), summed here term by term.
        var judgement = CanaryJudge.Judge(Side("2", 20, 10, 10, Scores((0.3, 10))), Side("1", 1000, 0, 10, Scores((0.3, 1000))), Budget);

        Assert.Equal(CanaryVerdict.RollBack, judgement.Verdict);
        Assert.Equal(BinomialTail(10, 20, 0.01), judgement.EarlyErrorPValue!.Value, 1e-20);
        Assert.InRange(judgement.EarlyErrorPValue!.Value, 1e-16, 1e-14);
        Assert.Contains("already certain before 100 requests", judgement.Checks.Single(c => c.Figure == "error rate").Note, StringComparison.Ordinal);
    }

    [Fact]
    public void One_error_in_five_requests_is_not_yet_certain_and_waits()
    {
        // P(X >= 1 | n = 5, p = 0.01) = 1 - 0.99^5 = 0.049, far above 0.001.
        var judgement = CanaryJudge.Judge(Side("2", 5, 1, 10), Side("1", 1000, 0, 10), Budget);

        Assert.Equal(CanaryVerdict.Wait, judgement.Verdict);
        Assert.Equal(1 - Math.Pow(0.99, 5), judgement.EarlyErrorPValue!.Value, 12);
        Assert.Equal(CanaryCheckStatus.NotJudgedYet, judgement.Checks.Single(c => c.Figure == "error rate").Status);
    }

    [Theory]
    [InlineData(3, 20, 0.01)]
    [InlineData(10, 20, 0.01)]
    [InlineData(7, 150, 0.02)]
    [InlineData(1, 1, 0.5)]
    public void The_binomial_tail_equals_the_sum_of_its_terms(long errors, long requests, double rate) =>
        Assert.Equal(BinomialTail(errors, requests, rate), CanaryJudge.BinomialUpperTail(errors, requests, rate), 1e-12);

    [Fact]
    public void Insufficient_prediction_data_never_promotes()
    {
        // Enough requests, no error, same latency, but only 10 canary scores: below the 30 the drift comparison needs.
        var judgement = CanaryJudge.Judge(Side("2", 200, 0, 10, Scores((0.3, 10))), Side("1", 1000, 0, 10, Scores((0.3, 1000))), Budget);

        Assert.Equal(CanaryVerdict.Wait, judgement.Verdict);
        Assert.Equal((DriftStatus.InsufficientData, (double?)null), (judgement.PredictionDrift.Status, judgement.PredictionDrift.Value));
        Assert.Contains("insufficient data", judgement.Checks.Single(c => c.Figure == "prediction drift").Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Versions_that_log_no_predictions_wait_for_a_person()
    {
        var judgement = CanaryJudge.Judge(Side("2", 200, 0, 10), Side("1", 1000, 0, 10), Budget);

        Assert.Equal(CanaryVerdict.Wait, judgement.Verdict);
        Assert.Contains("no predicted score or label", judgement.Reason, StringComparison.Ordinal);
        Assert.EndsWith(CanaryJudge.ManualWords + ".", judgement.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Production_with_fewer_than_min_requests_is_not_compared_yet()
    {
        var judgement = CanaryJudge.Judge(Side("2", 300, 0, 10, Scores((0.3, 300))), Side("1", 60, 0, 10, Scores((0.3, 60))), Budget);

        Assert.Equal(CanaryVerdict.Wait, judgement.Verdict);
        Assert.Equal(CanaryCheckStatus.NotJudgedYet, judgement.Checks.Single(c => c.Figure == "latency ratio").Status);
        Assert.Contains("production served 60 requests", judgement.Checks.Single(c => c.Figure == "latency ratio").Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_promote_after_the_judgement_is_manual_but_keeps_the_figures()
    {
        var judgement = CanaryJudge.Judge(Side("2", 300, 30, 10, Scores((0.3, 300))), Side("1", 1000, 0, 10, Scores((0.3, 1000))), promoteAfter: null);

        Assert.Equal(CanaryVerdict.Manual, judgement.Verdict);
        Assert.Null(judgement.Budget);
        Assert.Empty(judgement.Checks);
        Assert.Equal(0.1, judgement.Canary.ErrorRate!.Value, 12);
        Assert.EndsWith(CanaryJudge.ManualWords + ".", judgement.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_budget_takes_the_documented_defaults()
    {
        // 99 requests: one short of the default minimum of 100.
        var judgement = CanaryJudge.Judge(Side("2", 99, 0, 10, Scores((0.3, 99))), Side("1", 1000, 0, 10, Scores((0.3, 1000))), new PromotionBudget());

        var budget = judgement.Budget!;
        Assert.Equal((100L, 0.01, 1.5, 0.1), (budget.MinRequests, budget.MaxErrorRate, budget.MaxLatencyRatio, budget.MaxPredictionDrift));
        Assert.Equal(["minRequests", "maxErrorRate", "maxLatencyRatio", "maxPredictionDrift"], budget.Defaulted);
        Assert.Equal(CanaryVerdict.Wait, judgement.Verdict);
    }

    [Fact]
    public void A_figure_equal_to_its_limit_is_within_budget()
    {
        // 2 errors in 200 requests is exactly 1%.
        var judgement = CanaryJudge.Judge(Side("2", 200, 2, 10, Scores((0.3, 200))), Side("1", 1000, 0, 10, Scores((0.3, 1000))), Budget);

        Assert.Equal(CanaryCheckStatus.WithinBudget, judgement.Checks.Single(c => c.Figure == "error rate").Status);
        Assert.Equal(CanaryVerdict.Promote, judgement.Verdict);
    }

    private static CanaryEvidence Side(string version, int requests, int errors, double latencyMs, IEnumerable<double>? scores = null, IEnumerable<string>? labels = null)
    {
        var operations = new RouteOperations { Requests = requests, EstimatedRequests = requests, Errors = errors };
        for (int i = 0; i < requests; i++)
        {
            operations.Latency.Add(latencyMs);
        }

        // The report's own layout makes the prediction aggregates, so both sides share bins as in a real window.
        var aggregate = new VersionLayout(version, null, null).CreateAggregate();
        foreach (double score in scores ?? [])
        {
            aggregate.PredictionScore!.Add(score);
        }

        foreach (string label in labels ?? [])
        {
            aggregate.PredictionLabel!.Add(label);
        }

        return new CanaryEvidence(version, operations, aggregate.PredictionScore, aggregate.PredictionLabel);
    }

    private static IEnumerable<double> Scores(params (double Value, int Count)[] values) => values.SelectMany(v => Enumerable.Repeat(v.Value, v.Count));

    private static IEnumerable<string> Labels(params (string Value, int Count)[] values) => values.SelectMany(v => Enumerable.Repeat(v.Value, v.Count));

    /// <summary>Σ C(n, i) pⁱ (1-p)ⁿ⁻ⁱ for i ≥ k, with the binomial coefficient built by products.</summary>
    private static double BinomialTail(long k, long n, double p)
    {
        double sum = 0;
        for (long i = k; i <= n; i++)
        {
            double choose = 1;
            for (long j = 1; j <= i; j++)
            {
                choose = choose * (n - i + j) / j;
            }

            sum += choose * Math.Pow(p, i) * Math.Pow(1 - p, n - i);
        }

        return sum;
    }
}
