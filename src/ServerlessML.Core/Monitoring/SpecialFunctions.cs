namespace ServerlessML.Monitoring;

/// <summary>
/// The few special functions the drift tests need: log-gamma, the regularized incomplete gamma
/// functions (series and continued fraction, as in Numerical Recipes 6.2), the chi-square survival
/// function and the normal tails. Written here so that the library has no numeric dependency.
/// </summary>
public static class SpecialFunctions
{
    // A few ulps: asking for exactly one ulp can make the continued fraction oscillate forever.
    private const double Epsilon = 4e-16;
    private const double TinyForLentz = 1e-300;
    private const int MaxIterations = 1_000_000;

    // Lanczos approximation, g = 7, n = 9: relative error below 1e-15 for x > 0.
    private static readonly double[] Lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
        -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
        1.5056327351493116e-7,
    ];

    /// <summary>ln Γ(x) for x &gt; 0.</summary>
    public static double LogGamma(double x)
    {
        if (!(x > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "LogGamma is defined here for x > 0 only.");
        }

        if (x < 0.5)
        {
            // Reflection keeps the Lanczos sum in its accurate range: Γ(x)Γ(1-x) = π / sin(πx).
            return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        }

        x -= 1;
        var sum = Lanczos[0];
        for (var i = 1; i < Lanczos.Length; i++)
        {
            sum += Lanczos[i] / (x + i);
        }

        var t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }

    /// <summary>Regularized lower incomplete gamma P(a, x) = γ(a, x) / Γ(a).</summary>
    public static double RegularizedGammaP(double a, double x)
    {
        ValidateGammaArguments(a, x);
        if (x == 0)
        {
            return 0;
        }

        if (double.IsPositiveInfinity(x))
        {
            return 1;
        }

        return x < a + 1 ? GammaSeries(a, x) : 1 - GammaContinuedFraction(a, x);
    }

    /// <summary>Regularized upper incomplete gamma Q(a, x) = 1 - P(a, x), computed without cancellation.</summary>
    public static double RegularizedGammaQ(double a, double x)
    {
        ValidateGammaArguments(a, x);
        if (x == 0)
        {
            return 1;
        }

        if (double.IsPositiveInfinity(x))
        {
            return 0;
        }

        return x < a + 1 ? 1 - GammaSeries(a, x) : GammaContinuedFraction(a, x);
    }

    /// <summary>Chi-square survival function, Pr(X ≥ statistic) with the given degrees of freedom (scipy's chi2.sf).</summary>
    public static double ChiSquareSurvival(double statistic, double degreesOfFreedom)
    {
        if (!(degreesOfFreedom > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), degreesOfFreedom, "Degrees of freedom must be positive.");
        }

        if (double.IsNaN(statistic))
        {
            throw new ArgumentOutOfRangeException(nameof(statistic), statistic, "The chi-square statistic is NaN.");
        }

        return statistic <= 0 ? 1 : RegularizedGammaQ(degreesOfFreedom / 2, statistic / 2);
    }

    /// <summary>Complementary error function erfc(x), through erfc(x) = Q(1/2, x²) for x ≥ 0.</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        return x >= 0 ? RegularizedGammaQ(0.5, x * x) : 2 - RegularizedGammaQ(0.5, x * x);
    }

    /// <summary>Standard normal upper tail Pr(Z ≥ z).</summary>
    public static double NormalSurvival(double z) => 0.5 * Erfc(z / Math.Sqrt(2));

    /// <summary>Standard normal CDF Pr(Z ≤ z).</summary>
    public static double NormalCdf(double z) => 0.5 * Erfc(-z / Math.Sqrt(2));

    private static void ValidateGammaArguments(double a, double x)
    {
        if (!(a > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(a), a, "The shape of the incomplete gamma function must be positive.");
        }

        if (!(x >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "The incomplete gamma function needs x >= 0.");
        }
    }

    // P(a, x) by its power series; converges quickly for x < a + 1.
    private static double GammaSeries(double a, double x)
    {
        var ap = a;
        var term = 1.0 / a;
        var sum = term;
        for (var n = 0; n < MaxIterations; n++)
        {
            ap += 1;
            term *= x / ap;
            sum += term;
            if (Math.Abs(term) < Math.Abs(sum) * Epsilon)
            {
                return sum * Math.Exp(-x + a * Math.Log(x) - LogGamma(a));
            }
        }

        throw new InvalidOperationException($"The incomplete gamma series did not converge for a = {a}, x = {x}.");
    }

    // Q(a, x) by its continued fraction (modified Lentz); converges quickly for x ≥ a + 1.
    private static double GammaContinuedFraction(double a, double x)
    {
        var b = x + 1 - a;
        var c = 1 / TinyForLentz;
        var d = 1 / b;
        var h = d;
        for (var i = 1; i < MaxIterations; i++)
        {
            var an = -i * (i - a);
            b += 2;
            d = an * d + b;
            if (Math.Abs(d) < TinyForLentz)
            {
                d = TinyForLentz;
            }

            c = b + an / c;
            if (Math.Abs(c) < TinyForLentz)
            {
                c = TinyForLentz;
            }

            d = 1 / d;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < Epsilon)
            {
                return Math.Exp(-x + a * Math.Log(x) - LogGamma(a)) * h;
            }
        }

        throw new InvalidOperationException($"The incomplete gamma continued fraction did not converge for a = {a}, x = {x}.");
    }
}
