using System.Globalization;
using System.Text;
using ServerlessML.Registry;

namespace ServerlessML.Logging;

/// <summary>
/// Blob paths of the prediction log and the feedback labels (design section 3), Hive-style partitions
/// in UTC that Spark, Fabric and DuckDB read as they are: the one place that builds them.
/// </summary>
public static class LogPaths
{
    public const string PredictionsContainer = RegistryPaths.PredictionsContainer;
    public const string FeedbackContainer = RegistryPaths.FeedbackContainer;

    /// <summary><c>{model}/date=YYYY-MM-DD/hour=HH/{instance}-{seq}.jsonl</c> in container <c>predictions</c>.</summary>
    public static string PredictionBlob(string model, DateTimeOffset time, string instance, long sequence) =>
        $"{PredictionHourPrefix(model, time)}{instance}-{sequence.ToString(CultureInfo.InvariantCulture)}.jsonl";

    /// <summary><c>{model}/date=YYYY-MM-DD/{instance}-{seq}.jsonl</c> in container <c>feedback</c>.</summary>
    public static string FeedbackBlob(string model, DateTimeOffset time, string instance, long sequence) =>
        $"{DayPrefix(model, time)}{instance}-{sequence.ToString(CultureInfo.InvariantCulture)}.jsonl";

    public static string PredictionHourPrefix(string model, DateTimeOffset time) =>
        $"{DayPrefix(model, time)}hour={time.UtcDateTime.Hour.ToString("D2", CultureInfo.InvariantCulture)}/";

    public static string DayPrefix(string model, DateTimeOffset time) =>
        $"{Checked(model)}/date={time.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}/";

    /// <summary>The start of the UTC hour that holds <paramref name="time"/>.</summary>
    public static DateTimeOffset HourOf(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    /// <summary>
    /// The prefixes to list for [from, to): whole days where the window covers them, single hours at its
    /// edges, so that a window lists only its own partitions and never the whole container.
    /// </summary>
    public static IEnumerable<string> PredictionPrefixes(string model, DateTimeOffset from, DateTimeOffset to)
    {
        Checked(model);
        var hour = HourOf(from);
        while (hour < to)
        {
            if (hour.Hour == 0 && hour.AddDays(1) <= to)
            {
                yield return DayPrefix(model, hour);
                hour = hour.AddDays(1);
            }
            else
            {
                yield return PredictionHourPrefix(model, hour);
                hour = hour.AddHours(1);
            }
        }
    }

    /// <summary>The day prefixes of the feedback partitions that [from, to) touches.</summary>
    public static IEnumerable<string> FeedbackPrefixes(string model, DateTimeOffset from, DateTimeOffset to)
    {
        Checked(model);
        var utc = from.UtcDateTime;
        for (var day = new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero); day < to; day = day.AddDays(1))
        {
            yield return DayPrefix(model, day);
        }
    }

    /// <summary>
    /// The instance part of blob names: WEBSITE_INSTANCE_ID (or, outside Azure, the machine name) and the
    /// process id, since one instance may run several worker processes
    /// (FUNCTIONS_WORKER_PROCESS_COUNT) and each numbers its blobs on its own.
    /// </summary>
    public static string ThisInstance()
    {
        string? instance = Environment.GetEnvironmentVariable("WEBSITE_INSTANCE_ID");
        return SanitizeInstance($"{(string.IsNullOrEmpty(instance) ? Environment.MachineName : instance)}-{Environment.ProcessId}");
    }

    /// <summary>Lower-case letters, digits and '-', at most 80 characters: safe in a blob name and in a file name.</summary>
    public static string SanitizeInstance(string instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var text = new StringBuilder(Math.Min(instance.Length, 80));
        foreach (char c in instance.ToLowerInvariant())
        {
            if (text.Length == 80)
            {
                break;
            }

            bool allowed = c is (>= 'a' and <= 'z') or (>= '0' and <= '9');
            if (allowed || (text.Length > 0 && text[^1] != '-'))
            {
                text.Append(allowed ? c : '-');
            }
        }

        string sanitized = text.ToString().TrimEnd('-');
        return sanitized.Length == 0 ? "instance" : sanitized;
    }

    private static string Checked(string model) =>
        ModelNames.IsValidModel(model) ? model : throw new ArgumentException($"Model name '{model}' does not match {ModelNames.ModelPattern}.", nameof(model));
}

/// <summary>
/// Numbers the blobs one process writes. The numbers start at the process's start time in Unix
/// milliseconds, so a restarted instance continues above the numbers it used before; a name that is
/// taken anyway is detected by the create-only upload and skipped.
/// </summary>
public sealed class LogBlobSequence
{
    private long _last;

    public LogBlobSequence(string instance, long first)
    {
        Instance = LogPaths.SanitizeInstance(instance);
        _last = first - 1;
    }

    public string Instance { get; }

    public long Next() => Interlocked.Increment(ref _last);

    public static LogBlobSequence ForThisProcess(string? instanceName, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return new LogBlobSequence(instanceName is { Length: > 0 } name ? name : LogPaths.ThisInstance(), clock.GetUtcNow().ToUnixTimeMilliseconds());
    }
}
