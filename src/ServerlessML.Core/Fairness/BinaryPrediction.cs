namespace ServerlessML.Fairness;

/// <summary>Turns a binary model's probability into the yes/no outcome that fairness counts record.</summary>
public static class BinaryPrediction
{
    /// <summary>
    /// Positive when the probability of the positive class is at or above the threshold (0.5 when the manifest
    /// names none).
    /// </summary>
    public static bool IsPositive(double probability, double threshold = 0.5)
    {
        if (!(probability is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "A probability must lie between 0 and 1; check which model output is mapped to the probability role.");
        }

        if (!(threshold is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The decision threshold must lie between 0 and 1.");
        }

        return probability >= threshold;
    }
}
