namespace ServerlessML.Monitoring;

/// <summary>
/// Distribution of the two-sided one-sample Kolmogorov-Smirnov statistic D_n, computed the way
/// scipy's <c>kstwo</c> does (Simard and L'Ecuyer 2011, "Computing the Two-Sided Kolmogorov-Smirnov
/// Distribution"): the Ruben-Gambino closed forms at the ends, the exact Durbin matrix in Marsaglia,
/// Tsang and Wang's form for small n·d, the one-sided Smirnov sum (Birnbaum-Tingey) doubled for the
/// upper tail, and the Pelz-Good expansion for large n. The two-sample test uses it as
/// <c>scipy.stats.ks_2samp(method="asymp")</c> does: <c>kstwo.sf(D, round(n·m/(n+m)))</c>.
/// </summary>
public static class KolmogorovDistribution
{
    private const double MachineEpsilon = 2.220446049250313e-16;
    private const int ScaleExponent = 128;
    private static readonly double ScaleUp = Math.ScaleB(1.0, ScaleExponent);
    private static readonly double ScaleDown = Math.ScaleB(1.0, -ScaleExponent);

    // Above this n, the Birnbaum-Tingey sum is replaced by its asymptotic form, as scipy does.
    private const long SmirnovMaxExactN = 1_000_000;

    /// <summary>Pr(D_n ≥ d): the p-value of a two-sided KS statistic d from n observations (scipy <c>kstwo.sf(d, n)</c>).</summary>
    public static double Survival(long n, double d) => Compute(n, d, cdf: false);

    /// <summary>Pr(D_n ≤ d) (scipy <c>kstwo.cdf(d, n)</c>).</summary>
    public static double Cdf(long n, double d) => Compute(n, d, cdf: true);

    /// <summary>
    /// Kolmogorov's limiting distribution, Pr(√n·D_n &gt; x) as n → ∞ (scipy <c>special.kolmogorov(x)</c>,
    /// <c>kstwobign.sf(x)</c>).
    /// </summary>
    public static double LimitingSurvival(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        if (x <= 0)
        {
            return 1;
        }

        if (x >= 1)
        {
            // 2 Σ (-1)^(k-1) exp(-2k²x²) converges fast for large x.
            var alpha = -2.0 * x * x;
            var sign = 1.0;
            var p = 0.0;
            for (var k = 1.0; ; k++)
            {
                var term = Math.Exp(alpha * k * k);
                p += sign * term;
                if (term == 0 || term / p <= MachineEpsilon)
                {
                    break;
                }

                sign = -sign;
            }

            return Math.Clamp(2 * p, 0, 1);
        }

        // Jacobi theta transform: CDF = √(2π)/x Σ_{k odd} exp(-k²π²/(8x²)), good for small x.
        var beta = -Math.PI * Math.PI / (8 * x * x);
        var cdf = 0.0;
        for (var k = 1.0; ; k += 2)
        {
            var term = Math.Exp(beta * k * k);
            cdf += term;
            if (term == 0 || term / cdf < MachineEpsilon)
            {
                break;
            }
        }

        cdf *= Math.Sqrt(2 * Math.PI) / x;
        return Math.Clamp(1 - cdf, 0, 1);
    }

    /// <summary>
    /// One-sided Smirnov upper tail Pr(D_n⁺ ≥ d) by the Birnbaum-Tingey sum (scipy <c>special.smirnov(n, d)</c>);
    /// for n above one million, the asymptotic exp(-(6nd+1)²/(18n)).
    /// </summary>
    public static double SmirnovSurvival(long n, double d)
    {
        ValidateN(n);
        if (double.IsNaN(d))
        {
            return double.NaN;
        }

        if (d <= 0)
        {
            return 1;
        }

        if (d >= 1)
        {
            return 0;
        }

        if (n > SmirnovMaxExactN)
        {
            var z = 6.0 * n * d + 1;
            return Math.Exp(-z * z / 18.0 / n);
        }

        // Pr(D+ ≥ d) = d Σ_{v=0}^{⌊n(1-d)⌋} C(n,v) (d + v/n)^(v-1) (1 - d - v/n)^(n-v); every term is positive,
        // summed in log space so that no binomial coefficient overflows.
        var last = (long)Math.Floor(n * (1.0 - d));
        var logBinomial = 0.0;
        var sum = 0.0;
        for (long v = 0; v <= last; v++)
        {
            var evn = d + (double)v / n;
            var omevn = 1.0 - evn;
            double logTerm;
            if (n - v == 0)
            {
                logTerm = logBinomial + (v - 1) * Math.Log(evn);
            }
            else if (omevn > 0)
            {
                logTerm = logBinomial + (v - 1) * Math.Log(evn) + (n - v) * Math.Log(omevn);
            }
            else
            {
                logTerm = double.NegativeInfinity;
            }

            sum += Math.Exp(logTerm);
            logBinomial += Math.Log((double)(n - v)) - Math.Log(v + 1.0);
        }

        return Math.Clamp(d * sum, 0, 1);
    }

    private static double Compute(long n, double x, bool cdf)
    {
        ValidateN(n);
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        if (x >= 1)
        {
            return Select(1, 0, cdf);
        }

        if (x <= 0)
        {
            return Select(0, 1, cdf);
        }

        var t = n * x;
        if (t <= 1)
        {
            // Ruben-Gambino: for 1/(2n) ≤ x ≤ 1/n, Pr(D_n ≤ x) = n!/n^n (2nx - 1)^n.
            if (t <= 0.5)
            {
                return Select(0, 1, cdf);
            }

            var probability = Math.Exp(LogFactorialOverPower(n) + n * Math.Log(2 * t - 1));
            return Select(probability, 1 - probability, cdf);
        }

        if (t >= n - 1)
        {
            // Ruben-Gambino: for x ≥ 1 - 1/n, Pr(D_n ≥ x) = 2(1-x)^n.
            var upper = 2 * Math.Pow(1 - x, n);
            return Select(1 - upper, upper, cdf);
        }

        if (x >= 0.5)
        {
            // D+ ≥ x and D- ≥ x cannot both hold above 1/2, so the two-sided tail is exactly twice the one-sided.
            var upper = 2 * SmirnovSurvival(n, x);
            return Select(1 - upper, upper, cdf);
        }

        var nxSquared = t * x;
        if (n <= 140)
        {
            if (nxSquared <= 4)
            {
                // scipy switches to Pomeranz above n·x² = 0.754693; both are exact, and here the Durbin matrix
                // stays small (at most 47 × 47), so it serves the whole range.
                var exact = DurbinMatrixCdf(n, x);
                return Select(exact, 1 - exact, cdf);
            }

            var upper = 2 * SmirnovSurvival(n, x);
            return Select(1 - upper, upper, cdf);
        }

        if (!cdf)
        {
            if (nxSquared >= 370)
            {
                return 0;
            }

            if (nxSquared >= 2.2)
            {
                return Math.Clamp(2 * SmirnovSurvival(n, x), 0, 1);
            }
        }

        double cdfProbability;
        if (nxSquared >= 18)
        {
            cdfProbability = 1;
        }
        else if (n <= 100_000 && n * Math.Pow(x, 1.5) <= 1.4)
        {
            cdfProbability = DurbinMatrixCdf(n, x);
        }
        else
        {
            cdfProbability = PelzGoodCdf(n, x);
        }

        return Select(cdfProbability, 1 - cdfProbability, cdf);
    }

    private static double Select(double cdfProbability, double survivalProbability, bool cdf) =>
        Math.Clamp(cdf ? cdfProbability : survivalProbability, 0, 1);

    private static void ValidateN(long n)
    {
        if (n <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "The Kolmogorov distribution needs n >= 1 observations.");
        }
    }

    // ln(n! / n^n).
    private static double LogFactorialOverPower(long n) => SpecialFunctions.LogGamma(n + 1.0) - n * Math.Log(n);

    /// <summary>
    /// Exact Pr(D_n ≤ d) by Durbin's matrix method as Marsaglia, Tsang and Wang (2003) evaluate it:
    /// with d = (k - h)/n, the k-th diagonal element of Hⁿ times n!/nⁿ, H being (2k-1)×(2k-1).
    /// Powers are scaled by 2^±128 with the exponent tracked, so nothing overflows.
    /// </summary>
    private static double DurbinMatrixCdf(long n, double d)
    {
        var nd = n * d;
        var k = (int)Math.Ceiling(nd);
        var h = k - nd;
        var m = 2 * k - 1;

        var factorialInverse = new double[m + 1]; // 1/j!
        factorialInverse[0] = 1;
        for (var j = 1; j <= m; j++)
        {
            factorialInverse[j] = factorialInverse[j - 1] / j;
        }

        var v = new double[m];
        for (var j = 0; j < m; j++)
        {
            v[j] = (1 - Math.Pow(h, j + 1)) * factorialInverse[j + 1];
        }

        var corner = Math.Pow(Math.Max(2 * h - 1, 0), m) - 2 * Math.Pow(h, m);
        v[m - 1] = (1 + corner) * factorialInverse[m];

        var matrix = new double[m, m];
        for (var row = 0; row < m; row++)
        {
            for (var column = 1; column < m; column++)
            {
                var power = row - column + 1;
                matrix[row, column] = power >= 0 ? factorialInverse[power] : 0;
            }

            matrix[row, 0] = v[row];
        }

        for (var column = 0; column < m; column++)
        {
            matrix[m - 1, column] = v[m - 1 - column];
        }

        var result = Identity(m);
        var resultExponent = 0;
        var matrixExponent = 0;
        var remaining = n;
        while (remaining > 0)
        {
            if ((remaining & 1) == 1)
            {
                result = Multiply(result, matrix);
                resultExponent += matrixExponent;
                resultExponent += Rescale(result);
            }

            remaining >>= 1;
            if (remaining > 0)
            {
                matrix = Multiply(matrix, matrix);
                matrixExponent *= 2;
                matrixExponent += Rescale(matrix);
            }
        }

        var p = result[k - 1, k - 1];
        var exponent = resultExponent;
        for (long i = 1; i <= n; i++)
        {
            p = i * p / n;
            if (Math.Abs(p) < ScaleDown)
            {
                p *= ScaleUp;
                exponent -= ScaleExponent;
            }
        }

        return Math.Clamp(Math.ScaleB(p, exponent), 0, 1);
    }

    private static int Rescale(double[,] matrix)
    {
        var largest = 0.0;
        foreach (var value in matrix)
        {
            largest = Math.Max(largest, Math.Abs(value));
        }

        if (largest <= ScaleUp)
        {
            return 0;
        }

        var size = matrix.GetLength(0);
        for (var i = 0; i < size; i++)
        {
            for (var j = 0; j < size; j++)
            {
                matrix[i, j] *= ScaleDown;
            }
        }

        return ScaleExponent;
    }

    private static double[,] Identity(int size)
    {
        var identity = new double[size, size];
        for (var i = 0; i < size; i++)
        {
            identity[i, i] = 1;
        }

        return identity;
    }

    private static double[,] Multiply(double[,] left, double[,] right)
    {
        var size = left.GetLength(0);
        var product = new double[size, size];
        for (var i = 0; i < size; i++)
        {
            for (var l = 0; l < size; l++)
            {
                var a = left[i, l];
                if (a == 0)
                {
                    continue;
                }

                for (var j = 0; j < size; j++)
                {
                    product[i, j] += a * right[l, j];
                }
            }
        }

        return product;
    }

    /// <summary>
    /// Pelz and Good (1976): the Li-Chien/Korolyuk expansion K0 + K1/√n + K2/n + K3/n^1.5 with each term
    /// rewritten through the Jacobi theta functional equation so that it converges for small z = √n·x.
    /// </summary>
    private static double PelzGoodCdf(long n, double x)
    {
        var z = Math.Sqrt(n) * x;
        var z2 = z * z;
        var z3 = z2 * z;
        var z4 = z2 * z2;
        var z6 = z4 * z2;
        var pi2 = Math.PI * Math.PI;
        var pi4 = pi2 * pi2;
        var pi6 = pi4 * pi2;

        var qLog = -pi2 / 8 / z2;
        if (qLog < -708)
        {
            return 0;
        }

        var q = Math.Exp(qLog);

        var k1a = -z2;
        var k1b = pi2 / 4;
        var k2a = 6 * z6 + 2 * z4;
        var k2b = (2 * z4 - 5 * z2) * pi2 / 4;
        var k2c = pi4 * (1 - 2 * z2) / 16;
        var k3d = pi6 * (5 - 30 * z2) / 64;
        var k3c = pi4 * (-60 * z2 + 212 * z4) / 16;
        var k3b = pi2 * (135 * z4 - 96 * z6) / 4;
        var k3a = -30 * z6 - 90 * Math.Pow(z, 8);

        // Horner scheme over odd integers m = 2k - 1 of Σ c_m q^(m²).
        var terms = new double[4];
        var maxK = (int)Math.Ceiling(16 * z / Math.PI);
        for (var k = maxK; k > 0; k--)
        {
            double m = 2 * k - 1;
            var m2 = m * m;
            var m4 = m2 * m2;
            var m6 = m4 * m2;
            var qPower = Math.Pow(q, 8 * k);
            terms[0] = terms[0] * qPower + 1;
            terms[1] = terms[1] * qPower + k1a + k1b * m2;
            terms[2] = terms[2] * qPower + k2a + k2b * m2 + k2c * m4;
            terms[3] = terms[3] * qPower + k3a + k3b * m2 + k3c * m4 + k3d * m6;
        }

        var sqrt2Pi = Math.Sqrt(2 * Math.PI);
        double[] divisors = [z, 6 * z4, 72 * Math.Pow(z, 7), 6480 * Math.Pow(z, 10)];
        for (var i = 0; i < 4; i++)
        {
            terms[i] = terms[i] * q * sqrt2Pi / divisors[i];
        }

        // The sums over all integers k that K2 and K3 also carry.
        var qAll = Math.Exp(-pi2 / 2 / z2);
        var k2Extra = 0.0;
        var k3Extra = 0.0;
        var sqrt3z = Math.Sqrt(3) * z;
        for (var k = maxK; k > 0; k--)
        {
            double kk = k;
            var k2 = kk * kk;
            var qPower = Math.Pow(qAll, k2);
            k2Extra += k2 * qPower;
            var kPi = Math.PI * kk;
            k3Extra += (sqrt3z + kPi) * (sqrt3z - kPi) * k2 * qPower;
        }

        terms[2] += k2Extra * pi2 * sqrt2Pi / (-36 * z3);
        terms[3] += k3Extra * pi2 * sqrt2Pi / (216 * z6);

        var sum = 0.0;
        for (var i = 0; i < 4; i++)
        {
            sum += terms[i] / Math.Pow(n, i / 2.0);
        }

        return Math.Clamp(sum, 0, 1);
    }
}
