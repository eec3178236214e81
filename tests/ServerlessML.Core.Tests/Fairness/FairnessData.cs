using ServerlessML.Fairness;

namespace ServerlessML.Tests.Fairness;

/// <summary>Builds fairness counts from row arrays, the way a test states its data.</summary>
internal static class FairnessData
{
    /// <summary>Fairlearn's documented example (user guide, "Common fairness metrics").</summary>
    public static readonly int[] FairlearnTrue = [0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1];
    public static readonly int[] FairlearnPred = [0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0];
    public static readonly string[] FairlearnGroups = ["b", "b", "a", "b", "b", "c", "c", "c", "a", "a", "c", "a", "b", "c", "c", "b", "c", "c"];

    public static FairnessCounts FairlearnExample() => Binary(["g"], FairlearnTrue, FairlearnPred, FairlearnGroups);

    /// <summary>One binary outcome; <paramref name="yTrue"/> entries of -1 are rows without a label yet.</summary>
    public static FairnessCounts Binary(string[] features, int[] yTrue, int[] yPred, params string[][] sensitive)
    {
        var counts = new FairnessCounts(features, ["1"]);
        Record(counts, yTrue, yPred, sensitive);
        return counts;
    }

    public static void Record(FairnessCounts counts, int[] yTrue, int[] yPred, params string[][] sensitive)
    {
        for (var i = 0; i < yPred.Length; i++)
        {
            var row = i;
            counts.Record(sensitive.Select(column => (string?)column[row]).ToArray(), yPred[i] == 1, yTrue[i] == -1 ? null : yTrue[i] == 1);
        }
    }

    /// <summary>Repeats each (true, predicted) pair for a group, for tests that need large groups.</summary>
    public static void Repeat(FairnessCounts counts, string group, int count, bool predicted, bool? actual)
    {
        for (var i = 0; i < count; i++)
        {
            counts.Record([group], predicted, actual);
        }
    }

    public static FairnessOptions PointEstimatesOnly(int minGroupSize = 1) => new() { MinGroupSize = minGroupSize, BootstrapResamples = 0 };
}
