using System.Globalization;
using ServerlessML.Registry;

namespace ServerlessML.Reports;

/// <summary>Blob names in container <c>reports</c> (design section 3): the one place that builds them.</summary>
public static class ReportPaths
{
    public const string Container = RegistryPaths.ReportsContainer;

    /// <summary><c>{model}/{yyyy}/{MM}/{dd}/{HHmm}/</c>: the folder of one run's report.json, report.html and fairness.json.</summary>
    public static string RunFolder(string model, DateTimeOffset time) =>
        $"{Checked(model)}/{time.UtcDateTime.ToString("yyyy'/'MM'/'dd'/'HHmm", CultureInfo.InvariantCulture)}/";

    public static string LatestJson(string model) => $"{Checked(model)}/latest.json";

    public static string LatestHtml(string model) => $"{Checked(model)}/latest.html";

    /// <summary><c>{model}/aggregates/{yyyy}/{MM}/{dd}/{HH}.json</c>: the stored aggregate of one completed hour.</summary>
    public static string HourAggregate(string model, DateTimeOffset hour) =>
        $"{Checked(model)}/aggregates/{hour.UtcDateTime.ToString("yyyy'/'MM'/'dd'/'HH", CultureInfo.InvariantCulture)}.json";

    /// <summary>The prefix of one month of dated reports, to find past reports for the trend.</summary>
    public static string MonthPrefix(string model, DateTimeOffset time) =>
        $"{Checked(model)}/{time.UtcDateTime.ToString("yyyy'/'MM", CultureInfo.InvariantCulture)}/";

    public const string ReportJson = "report.json";
    public const string ReportHtml = "report.html";
    public const string FairnessJson = "fairness.json";

    private static string Checked(string model) =>
        ModelNames.IsValidModel(model) ? model : throw new ArgumentException($"Model name '{model}' does not match {ModelNames.ModelPattern}.", nameof(model));
}
