using ServerlessML.Monitoring;

namespace ServerlessML.Tests.Monitoring;

public sealed class PerformanceMetricsTests
{
    [Fact]
    public void Binary_metrics_match_a_hand_computation()
    {
        // actual:    1 1 1 1 0 0 0 0 0 0
        // predicted: 1 1 1 0 1 0 0 0 0 0  → TP 3, FN 1, FP 1, TN 5.
        bool[] actual = [true, true, true, true, false, false, false, false, false, false];
        bool[] predicted = [true, true, true, false, true, false, false, false, false, false];
        var aggregate = new BinaryClassificationAggregate();
        for (var i = 0; i < actual.Length; i++)
        {
            aggregate.Add(actual[i], predicted[i]);
        }

        var metrics = aggregate.Metrics();

        Assert.Equal(10, metrics.Count);
        Assert.Equal(4, metrics.ActualPositives);
        Assert.Equal(0.8, metrics.Accuracy!.Value, 1e-15); // 8/10
        Assert.Equal(0.75, metrics.Precision!.Value, 1e-15); // 3/4
        Assert.Equal(0.75, metrics.Recall!.Value, 1e-15); // 3/4
        Assert.Equal(0.75, metrics.F1!.Value, 1e-15);
        Assert.Null(metrics.RocAuc); // no scores given
        Assert.Equal(0, metrics.ScoredCount);
    }

    [Fact]
    public void Roc_auc_of_scikit_learn_documentation_example_is_three_quarters()
    {
        // roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75: of the 4 positive-negative pairs only (0.35, 0.4) is misordered.
        double[] scores = [0.1, 0.4, 0.35, 0.8];
        bool[] actual = [false, false, true, true];
        var aggregate = new BinaryClassificationAggregate();
        for (var i = 0; i < scores.Length; i++)
        {
            aggregate.Add(actual[i], scores[i] >= 0.5, scores[i]);
        }

        Assert.Equal(0.75, RocAuc.Exact(scores, actual), 1e-15);
        Assert.Equal(0.75, aggregate.Metrics().RocAuc!.Value, 1e-15);
        Assert.Equal(0, aggregate.Metrics().RocAucErrorBound!.Value); // no pair shares a bin
    }

    [Fact]
    public void Exact_auc_counts_tied_scores_as_half()
    {
        // One positive and one negative at the same score, one positive above: (1 + 0.5) / 2 pairs.
        Assert.Equal(0.75, RocAuc.Exact([0.5, 0.5, 0.9], [true, false, true]), 1e-15);
    }

    [Fact]
    public void Histogram_auc_stays_within_its_stated_bound_of_the_exact_auc()
    {
        var random = new Random(42);
        var scores = new double[20_000];
        var actual = new bool[scores.Length];
        var aggregate = new BinaryClassificationAggregate(scoreBins: 1000);
        for (var i = 0; i < scores.Length; i++)
        {
            actual[i] = random.NextDouble() < 0.3;
            scores[i] = Math.Clamp((actual[i] ? 0.65 : 0.4) + 0.2 * Samples.StandardNormal(random), 0, 1);
            aggregate.Add(actual[i], scores[i] >= 0.5, scores[i]);
        }

        var metrics = aggregate.Metrics();
        var exact = RocAuc.Exact(scores, actual);

        Assert.InRange(Math.Abs(metrics.RocAuc!.Value - exact), 0, metrics.RocAucErrorBound!.Value);
        Assert.InRange(metrics.RocAucErrorBound.Value, 0, 0.002); // 1000 bins: about 1/1000 of pairs share a bin
        Assert.Equal(scores.Length, metrics.ScoredCount);
    }

    [Fact]
    public void Log_loss_matches_scikit_learn_documentation_example()
    {
        // log_loss(["spam", "ham", "ham", "spam"], [[.1, .9], [.9, .1], [.8, .2], [.35, .65]]) = 0.21616:
        // -(ln .9 + ln .9 + ln .8 + ln .65)/4 = (0.10536 + 0.10536 + 0.22314 + 0.43078)/4.
        var aggregate = new BinaryClassificationAggregate();
        aggregate.Add(actualPositive: true, predictedPositive: true, positiveScore: 0.9);
        aggregate.Add(false, false, 0.1);
        aggregate.Add(false, false, 0.2);
        aggregate.Add(true, true, 0.65);

        Assert.Equal(0.21616187468057912, aggregate.Metrics().LogLoss!.Value, 1e-12);
    }

    [Fact]
    public void Log_loss_clips_certain_wrong_answers_instead_of_going_infinite()
    {
        var aggregate = new BinaryClassificationAggregate();
        aggregate.Add(actualPositive: true, predictedPositive: false, positiveScore: 0);

        Assert.Equal(-Math.Log(2.220446049250313e-16), aggregate.Metrics().LogLoss!.Value, 1e-9);
    }

    [Fact]
    public void Expected_calibration_error_matches_a_hand_computation()
    {
        // Four scores of 0.9 with 3 positives: |0.9 - 0.75| = 0.15. Four scores of 0.2 with 1 positive: |0.2 - 0.25| = 0.05.
        // ECE = 4/8·0.15 + 4/8·0.05 = 0.1.
        var aggregate = new BinaryClassificationAggregate();
        foreach (var positive in new[] { true, true, true, false })
        {
            aggregate.Add(positive, true, 0.9);
        }

        foreach (var positive in new[] { true, false, false, false })
        {
            aggregate.Add(positive, false, 0.2);
        }

        Assert.Equal(0.1, aggregate.Metrics().ExpectedCalibrationError!.Value, 1e-12);
    }

    [Fact]
    public void Calibration_bins_put_a_score_on_an_edge_in_the_lower_bin_as_scikit_learn_does()
    {
        // calibration_curve bins with np.searchsorted(np.linspace(0, 1, 11)[1:-1], p), side "left": 0.2 joins 0.15 in
        // (0.1, 0.2], mean score 0.175, positive share 0.5, ECE = |0.175 - 0.5| = 0.325 (numpy gives 0.325 too).
        // Were 0.2 in the next bin, ECE would be (|0.15 - 1| + |0.2 - 0|)/2 = 0.525.
        var aggregate = new BinaryClassificationAggregate();
        aggregate.Add(true, false, 0.15);
        aggregate.Add(false, false, 0.2);

        Assert.Equal(0.325, aggregate.Metrics().ExpectedCalibrationError!.Value, 1e-12);
    }

    [Fact]
    public void Merged_binary_aggregates_give_the_metrics_of_all_pairs()
    {
        var random = new Random(3);
        var whole = new BinaryClassificationAggregate();
        var parts = new[] { new BinaryClassificationAggregate(), new BinaryClassificationAggregate() };
        for (var i = 0; i < 5000; i++)
        {
            var score = random.NextDouble();
            var positive = random.NextDouble() < score;
            whole.Add(positive, score >= 0.5, score);
            parts[i % 2].Add(positive, score >= 0.5, score);
        }

        var merged = MonitoringJson.Deserialize<BinaryClassificationAggregate>(MonitoringJson.Serialize(parts[0]));
        merged.Merge(parts[1]);
        var expected = whole.Metrics();
        var actual = merged.Metrics();

        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.Accuracy, actual.Accuracy);
        Assert.Equal(expected.F1, actual.F1);
        Assert.Equal(expected.RocAuc!.Value, actual.RocAuc!.Value, 1e-15);
        Assert.Equal(expected.LogLoss!.Value, actual.LogLoss!.Value, 1e-12);
        Assert.Equal(expected.ExpectedCalibrationError!.Value, actual.ExpectedCalibrationError!.Value, 1e-12);
    }

    [Fact]
    public void Scores_outside_zero_to_one_are_refused_with_the_reason()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new BinaryClassificationAggregate().Add(true, true, 2.5));

        Assert.Contains("probability", error.Message);
    }

    [Fact]
    public void Multiclass_macro_metrics_match_scikit_learn_documentation_example()
    {
        // y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1]:
        // class 0: precision 2/3, recall 1; classes 1 and 2: 0. Macro precision 0.2222, recall 0.3333, F1 (0.8 + 0 + 0)/3 = 0.2667.
        string[] actual = ["0", "1", "2", "0", "1", "2"];
        string[] predicted = ["0", "2", "1", "0", "0", "1"];
        var aggregate = new MulticlassClassificationAggregate();
        for (var i = 0; i < actual.Length; i++)
        {
            aggregate.Add(actual[i], predicted[i]);
        }

        var metrics = MonitoringJson.Deserialize<MulticlassClassificationAggregate>(MonitoringJson.Serialize(aggregate)).Metrics();

        Assert.Equal(6, metrics.Count);
        Assert.Equal(2.0 / 6, metrics.Accuracy!.Value, 1e-15);
        Assert.Equal(0.2222222222222222, metrics.MacroPrecision!.Value, 1e-15);
        Assert.Equal(0.3333333333333333, metrics.MacroRecall!.Value, 1e-15);
        Assert.Equal(0.26666666666666666, metrics.MacroF1!.Value, 1e-15);
        Assert.Equal(3, metrics.Classes.Count);
    }

    [Fact]
    public void Regression_metrics_match_scikit_learn_documentation_example()
    {
        // y_true = [3, -0.5, 2, 7], y_pred = [2.5, 0.0, 2, 8]: MAE = (0.5 + 0.5 + 0 + 1)/4 = 0.5,
        // RMSE = √((0.25 + 0.25 + 0 + 1)/4) = √0.375, MAPE = (0.5/3 + 0.5/0.5 + 0 + 1/7)/4 = 0.3273810,
        // R² = 1 - 1.5 / Σ(y - 2.875)² = 1 - 1.5/29.1875 = 0.9486081.
        var aggregate = new RegressionAggregate();
        foreach (var (actual, predicted) in new[] { (3.0, 2.5), (-0.5, 0.0), (2.0, 2.0), (7.0, 8.0) })
        {
            aggregate.Add(actual, predicted);
        }

        var metrics = aggregate.Metrics();

        Assert.Equal(4, metrics.Count);
        Assert.Equal(0.5, metrics.MeanAbsoluteError!.Value, 1e-15);
        Assert.Equal(Math.Sqrt(0.375), metrics.RootMeanSquaredError!.Value, 1e-15);
        Assert.Equal(0.3273809523809524, metrics.MeanAbsolutePercentageError!.Value, 1e-15);
        Assert.Equal(0.9486081370449679, metrics.R2!.Value, 1e-14);
    }

    [Fact]
    public void Mape_skips_zero_targets_and_counts_them()
    {
        var aggregate = new RegressionAggregate();
        aggregate.Add(4, 3); // 25%
        aggregate.Add(0, 1); // undefined: skipped
        aggregate.Add(2, 3); // 50%

        var metrics = aggregate.Metrics();

        Assert.Equal(0.375, metrics.MeanAbsolutePercentageError!.Value, 1e-15);
        Assert.Equal(1, metrics.ZeroTargetCount);
        Assert.Equal(2, metrics.MapeCount);
        Assert.Equal(3, metrics.Count);
        Assert.Equal(1.0, metrics.MeanAbsoluteError!.Value, 1e-15);
    }

    [Fact]
    public void Merged_regression_aggregates_give_the_metrics_of_all_pairs()
    {
        var random = new Random(9);
        var whole = new RegressionAggregate();
        var first = new RegressionAggregate();
        var second = new RegressionAggregate();
        for (var i = 0; i < 3000; i++)
        {
            var actual = 1000 + 50 * Samples.StandardNormal(random);
            var predicted = actual + 10 * Samples.StandardNormal(random);
            whole.Add(actual, predicted);
            (i < 1000 ? first : second).Add(actual, predicted);
        }

        var merged = MonitoringJson.Deserialize<RegressionAggregate>(MonitoringJson.Serialize(first));
        merged.Merge(second);

        Assert.Equal(whole.Metrics().R2!.Value, merged.Metrics().R2!.Value, 1e-12);
        Assert.Equal(whole.Metrics().RootMeanSquaredError!.Value, merged.Metrics().RootMeanSquaredError!.Value, 1e-12);
        Assert.Equal(whole.Metrics().MeanAbsolutePercentageError!.Value, merged.Metrics().MeanAbsolutePercentageError!.Value, 1e-15);
    }
}
