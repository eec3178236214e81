namespace ServerlessML.Fairness;

/// <summary>
/// Exact binomial and multinomial draws whose cost does not grow with n, so resampling a group of a million rows
/// costs the same as one of ten. Small means use inversion (as numpy does); larger ones use Hörmann's BTRS
/// transformed rejection ("The generation of binomial random variates", 1993).
/// </summary>
internal static class BinomialSampler
{
    private const int LogFactorialTableSize = 256;
    private static readonly double[] LogFactorialTable = BuildLogFactorialTable();

    /// <summary>Draws from Binomial(n, p).</summary>
    public static long Next(SeededRandom random, long n, double p)
    {
        if (n <= 0 || p <= 0)
        {
            return 0;
        }

        if (p >= 1)
        {
            return n;
        }

        // Both algorithms want p <= 0.5; the draw for 1 - p mirrors it.
        if (p > 0.5)
        {
            return n - Next(random, n, 1 - p);
        }

        return n * p < 10 ? Inversion(random, n, p) : TransformedRejection(random, n, p);
    }

    /// <summary>
    /// Draws one multinomial sample of <paramref name="n"/> rows over cells weighted by <paramref name="weights"/>
    /// (counts), as a chain of binomials: each cell takes its share of what the cells before it left.
    /// </summary>
    public static void Multinomial(SeededRandom random, long n, ReadOnlySpan<long> weights, Span<long> result)
    {
        var remainingWeight = 0L;
        foreach (var w in weights)
        {
            remainingWeight += w;
        }

        var remaining = n;
        for (var i = 0; i < weights.Length; i++)
        {
            if (remaining == 0 || remainingWeight == 0)
            {
                result[i] = 0;
                continue;
            }

            result[i] = i == weights.Length - 1 || weights[i] == remainingWeight
                ? remaining
                : Next(random, remaining, (double)weights[i] / remainingWeight);
            remaining -= result[i];
            remainingWeight -= weights[i];
        }
    }

    internal static double LogFactorial(long k)
    {
        if (k < LogFactorialTableSize)
        {
            return LogFactorialTable[k];
        }

        // Stirling's series; from k = 256 on the next term is below 1e-20.
        double x = k;
        var x2 = x * x;
        return (x * Math.Log(x)) - x + (0.5 * Math.Log(2 * Math.PI * x)) + (1 / (12 * x)) - (1 / (360 * x * x2)) + (1 / (1260 * x * x2 * x2));
    }

    private static long Inversion(SeededRandom random, long n, double p)
    {
        var q = 1 - p;
        var qn = Math.Exp(n * Math.Log(q));
        var np = n * p;
        var bound = Math.Min(n, np + (10 * Math.Sqrt((np * q) + 1)));
        long x = 0;
        var px = qn;
        var u = random.NextOpenDouble();
        while (u > px)
        {
            x++;
            if (x > bound)
            {
                // Rounding ate the tail; start over rather than return an impossible value.
                x = 0;
                px = qn;
                u = random.NextOpenDouble();
            }
            else
            {
                u -= px;
                px = (n - x + 1) * p * px / (x * q);
            }
        }

        return x;
    }

    private static long TransformedRejection(SeededRandom random, long n, double p)
    {
        var q = 1 - p;
        var spq = Math.Sqrt(n * p * q);
        var b = 1.15 + (2.53 * spq);
        var a = -0.0873 + (0.0248 * b) + (0.01 * p);
        var c = (n * p) + 0.5;
        var vr = 0.92 - (4.2 / b);
        var alpha = (2.83 + (5.1 / b)) * spq;
        var lpq = Math.Log(p / q);
        var m = (long)Math.Floor((n + 1) * p);
        var h = LogFactorial(m) + LogFactorial(n - m);
        while (true)
        {
            var u = random.NextOpenDouble() - 0.5;
            var v = random.NextOpenDouble();
            var us = 0.5 - Math.Abs(u);
            var k = Math.Floor((((2 * a / us) + b) * u) + c);
            if (k < 0 || k > n)
            {
                continue;
            }

            if (us >= 0.07 && v <= vr)
            {
                return (long)k;
            }

            var kk = (long)k;
            v = Math.Log(v * alpha / ((a / (us * us)) + b));
            if (v <= h - LogFactorial(kk) - LogFactorial(n - kk) + ((kk - m) * lpq))
            {
                return kk;
            }
        }
    }

    private static double[] BuildLogFactorialTable()
    {
        var table = new double[LogFactorialTableSize];
        for (var k = 1; k < table.Length; k++)
        {
            table[k] = table[k - 1] + Math.Log(k);
        }

        return table;
    }
}
