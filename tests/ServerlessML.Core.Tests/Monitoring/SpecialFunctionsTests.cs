using ServerlessML.Monitoring;

namespace ServerlessML.Tests.Monitoring;

// Expected values are scipy 1.10's (scipy.stats.chi2.sf, norm.sf, kstwo.sf/cdf, scipy.special.kolmogorov,
// smirnov), printed with repr; hand checks are in the comments where the arithmetic is short.
public sealed class SpecialFunctionsTests
{
    [Theory]
    // chi2.sf(x, 1) = erfc(√(x/2)); for x = 0.5 that is erfc(0.5) = 0.4795001221869535.
    [InlineData(0.5, 1, 0.47950012218695337)]
    // chi2.sf(x, 2) = exp(-x/2) in closed form; for odd df 3: erfc(√5) + √(2·10/π)·e^-5 = 0.0018 + 0.0168 = 0.018566.
    [InlineData(10, 3, 0.01856613546304325)]
    // Evidently's example: Σ (o-e)²/e = 0 + 4/18 + 0 + 4/14 + 16/12 + 16/12 = 3.1746 with 5 degrees of freedom.
    [InlineData(3.1746031746031744, 5, 0.6730876006966301)]
    [InlineData(7.0, 1, 0.008150971593502705)]
    [InlineData(30, 30, 0.4656537089440098)]
    [InlineData(100, 50, 3.454931382984871e-05)]
    [InlineData(2000, 1900, 0.054206673889018606)]
    public void Chi_square_survival_matches_scipy(double statistic, double degreesOfFreedom, double expected)
    {
        Assert.Equal(expected, SpecialFunctions.ChiSquareSurvival(statistic, degreesOfFreedom), expected * 1e-10);
    }

    [Fact]
    public void Chi_square_survival_with_two_degrees_of_freedom_is_the_exponential_tail()
    {
        foreach (var x in new[] { 0.1, 1.0, 4.6, 20.0 })
        {
            Assert.Equal(Math.Exp(-x / 2), SpecialFunctions.ChiSquareSurvival(x, 2), 1e-14);
        }
    }

    [Theory]
    [InlineData(1.96, 0.024997895148220435)]
    [InlineData(3.0, 0.0013498980316300933)]
    [InlineData(0.5, 0.3085375387259869)]
    [InlineData(-1.0, 0.8413447460685429)]
    [InlineData(6.0, 9.865876450376946e-10)]
    public void Normal_survival_matches_scipy(double z, double expected)
    {
        Assert.Equal(expected, SpecialFunctions.NormalSurvival(z), expected * 1e-10);
    }

    [Fact]
    public void Log_gamma_gives_log_factorials()
    {
        Assert.Equal(Math.Log(3628800), SpecialFunctions.LogGamma(11), 1e-12); // 10!
        Assert.Equal(0.5 * Math.Log(Math.PI), SpecialFunctions.LogGamma(0.5), 1e-14); // Γ(½) = √π
        Assert.Throws<ArgumentOutOfRangeException>(() => SpecialFunctions.LogGamma(0));
    }

    [Theory]
    [InlineData(0.3, 10, 0.27053557479999946)] // Durbin matrix, exact
    [InlineData(0.15, 100, 0.019839242125643017)] // n ≤ 140, n·d² = 2.25: scipy's Pomeranz, the Durbin matrix here
    [InlineData(0.25, 100, 5.408871776434847e-06)] // n ≤ 140, n·d² > 4: twice the Smirnov tail
    [InlineData(0.6, 10, 0.0005681672000000003)] // d ≥ 0.5: exactly twice the Smirnov tail
    [InlineData(0.05, 1000, 0.013012074781090332)] // n·d² ≥ 2.2: twice the Smirnov tail
    [InlineData(0.03, 1000, 0.3226902143914636)] // Pelz-Good
    [InlineData(0.01, 1000, 0.9999496745370611)] // Durbin matrix, n > 140
    [InlineData(0.004, 200000, 0.003314212822560255)]
    [InlineData(0.002, 200000, 0.39995085369038097)]
    [InlineData(0.08, 12, 0.9999802477788384)] // Ruben-Gambino, n·d ≤ 1
    [InlineData(0.95, 20, 1.9073486328125338e-26)] // Ruben-Gambino, d ≥ 1 - 1/n: 2·0.05²⁰
    [InlineData(0.1, 140, 0.11353657290090946)]
    [InlineData(0.045, 141, 0.925251190599722)]
    public void Kolmogorov_survival_matches_scipy_kstwo(double d, long n, double expected)
    {
        Assert.Equal(expected, KolmogorovDistribution.Survival(n, d), expected * 1e-8);
    }

    [Theory]
    [InlineData(0.01, 1000, 5.032546293896399e-05)]
    [InlineData(0.08, 12, 1.9752221161590482e-05)]
    [InlineData(0.3, 10, 0.7294644252000005)]
    public void Kolmogorov_cdf_matches_scipy_kstwo_in_the_lower_tail(double d, long n, double expected)
    {
        Assert.Equal(expected, KolmogorovDistribution.Cdf(n, d), expected * 1e-8);
    }

    [Theory]
    [InlineData(0.5, 0.9639452436648751)]
    [InlineData(1.0, 0.26999967167735456)]
    [InlineData(1.36, 0.049485876755377876)] // the classic 5% critical value
    [InlineData(2.0, 0.0006709252557796953)]
    public void Limiting_Kolmogorov_survival_matches_scipy(double x, double expected)
    {
        Assert.Equal(expected, KolmogorovDistribution.LimitingSurvival(x), expected * 1e-12);
    }

    [Theory]
    [InlineData(10, 0.3, 0.1354635556)]
    [InlineData(1000, 0.05, 0.006506037390545166)]
    public void Smirnov_one_sided_tail_matches_scipy(long n, double d, double expected)
    {
        Assert.Equal(expected, KolmogorovDistribution.SmirnovSurvival(n, d), expected * 1e-9);
    }
}
