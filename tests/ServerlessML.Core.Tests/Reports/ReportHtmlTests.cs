using System.Diagnostics;
using System.Xml;
using System.Xml.Linq;
using Newtonsoft.Json.Linq;
using ServerlessML.Reports;
using ServerlessML.Testing;
using Xunit.Abstractions;

namespace ServerlessML.Tests.Reports;

public sealed class ReportHtmlTests(ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    /// <summary>A report with a drifted feature (x shifted by 40) and a trend of two reports, written to storage.</summary>
    private static async Task<(ReportBench Bench, ModelReport Report, string Html)> DriftedReportAsync()
    {
        var bench = await ReportBench.CreateAsync("report-html");
        await bench.LogAsync(400, shift: 40, seed: 11);
        await bench.FeedbackAsync(bench.Rows.Where(r => !r.Failed).Take(150), ReportBench.Now.AddMinutes(-1));
        var generator = bench.Generator();
        await generator.RunModelAsync(bench.Model, ReportBench.Now.AddHours(-1));
        var report = (await generator.RunModelAsync(bench.Model, ReportBench.Now))!;
        var html = await bench.Blobs.GetBlobContainerClient(ReportPaths.Container)
            .GetBlobClient(ReportPaths.RunFolder(bench.Model, ReportBench.Now) + ReportPaths.ReportHtml).DownloadContentAsync();
        return (bench, report, html.Value.Content.ToString());
    }

    [Fact]
    public async Task The_page_is_well_formed_self_contained_and_opens_with_the_breaches_in_words()
    {
        var (bench, report, html) = await DriftedReportAsync();

        var page = XDocument.Load(XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore }));
        string text = page.Root!.Value;
        Assert.NotEmpty(report.Breaches);
        foreach (var breach in report.Breaches)
        {
            Assert.Contains(breach.Sentence, text, StringComparison.Ordinal);
        }

        // The breaches come before the details: the first section is what needs attention.
        Assert.True(text.IndexOf(report.Breaches[0].Sentence, StringComparison.Ordinal) < text.IndexOf("Operations", StringComparison.Ordinal));
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        foreach (string external in new[] { "http:", "https:", "src=", "href=", "url(", "@import" })
        {
            Assert.DoesNotContain(external, html, StringComparison.OrdinalIgnoreCase);
        }

        Assert.NotEmpty(page.Descendants("svg"));
        Assert.Equal(html, (await bench.Blobs.GetBlobContainerClient(ReportPaths.Container).GetBlobClient(ReportPaths.LatestHtml(bench.Model)).DownloadContentAsync()).Value.Content.ToString());
        // The trend holds the earlier report too: two points per line.
        Assert.Contains(page.Descendants("polyline"), p => ((string?)p.Attribute("points"))!.Split(' ').Length == 2);
    }

    [Fact]
    public async Task Each_fairness_figure_shows_its_limit_and_whether_it_is_within_it()
    {
        var (_, report, html) = await DriftedReportAsync();
        var fairness = report.Versions.Single().Fairness!;
        var page = XDocument.Load(XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore }));

        var figureRows = page.Descendants("table")
            .Where(t => t.Descendants("th").Any(th => th.Value == "Within the limit?"))
            .SelectMany(t => t.Elements("tr").Skip(1))
            .Select(r => r.Elements("td").Select(td => td.Value).ToList())
            .ToList();

        // One "no" per fairness breach, each with its limit; judged figures within their limit say "yes".
        Assert.NotEmpty(fairness.Breaches);
        var breached = figureRows.Where(r => r[5] == "no").ToList();
        Assert.Equal(fairness.Breaches.Count, breached.Count);
        Assert.All(breached, r => Assert.StartsWith("at most ", r[4], StringComparison.Ordinal));
        Assert.Contains(figureRows, r => r is [_, "between groups", _, _, "at least 0.8", "yes" or "no"]);
        Assert.All(figureRows.Where(r => r[1] == "to overall"), r => Assert.Equal(("", ""), (r[4], r[5])));
    }

    [Fact]
    public async Task Headless_chromium_renders_the_page_to_a_screenshot()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install it with apt-get update && apt-get install -y --no-install-recommends chromium (.ci/run does).");
        var (_, _, html) = await DriftedReportAsync();
        // Kept under artifacts/ (ignored by git) so a person can open what Chromium drew after the run.
        var folder = Directory.CreateDirectory(RepositoryRoot.Combine("artifacts", "report-screenshot"));
        string page = Path.Combine(folder.FullName, "report.html");
        string screenshot = Path.Combine(folder.FullName, "report.png");
        File.Delete(screenshot);
        await File.WriteAllTextAsync(page, html);
        var profile = Directory.CreateTempSubdirectory("chromium-profile");
        try
        {
            var start = new ProcessStartInfo(Chromium)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            foreach (string argument in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", $"--user-data-dir={profile.FullName}", $"--screenshot={screenshot}",
                "--window-size=1280,2000", new Uri(page).AbsoluteUri,
            })
            {
                start.ArgumentList.Add(argument);
            }

            using var chromium = Process.Start(start)!;
            var stderr = chromium.StandardError.ReadToEndAsync();
            await chromium.StandardOutput.ReadToEndAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await chromium.WaitForExitAsync(limit.Token);

            Assert.True(File.Exists(screenshot), $"chromium exited with {chromium.ExitCode} and wrote no screenshot: {await stderr}");
            byte[] png = await File.ReadAllBytesAsync(screenshot);
            Assert.True(png.Length > 1000, $"The screenshot has only {png.Length} bytes.");
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            output.WriteLine($"Screenshot of the report: {screenshot}");
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
