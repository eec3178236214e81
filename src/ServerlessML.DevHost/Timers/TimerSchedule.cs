using System.Globalization;
using NCrontab;

namespace ServerlessML.DevHost.Timers;

/// <summary>
/// A timer trigger's schedule: a six-field NCRONTAB expression (seconds first) or a constant interval
/// written as a time span ("00:05:00"), the two forms the Functions timer trigger accepts. Times are UTC.
/// </summary>
public sealed class TimerSchedule
{
    private readonly CrontabSchedule? _cron;
    private readonly TimeSpan? _interval;

    private TimerSchedule(string expression, CrontabSchedule? cron, TimeSpan? interval)
    {
        Expression = expression;
        _cron = cron;
        _interval = interval;
    }

    public string Expression { get; }

    /// <summary>Parses a schedule whose %settings% are already resolved; throws naming what is wrong.</summary>
    public static TimerSchedule Parse(string expression)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(expression);
        string trimmed = expression.Trim();
        int fields = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        if (fields == 1 && TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var interval))
        {
            return interval > TimeSpan.Zero
                ? new TimerSchedule(trimmed, null, interval)
                : throw new FormatException($"Timer schedule '{expression}': an interval must be longer than zero.");
        }

        if (fields != 6)
        {
            throw new FormatException(
                $"Timer schedule '{expression}' has {fields} fields; Azure Functions uses six-field NCRONTAB expressions " +
                "'{second} {minute} {hour} {day} {month} {day-of-week}' (e.g. '0 */5 * * * *'), or an interval such as '00:05:00'.");
        }

        var cron = CrontabSchedule.TryParse(trimmed, new CrontabSchedule.ParseOptions { IncludingSeconds = true })
            ?? throw new FormatException($"Timer schedule '{expression}' is not a valid NCRONTAB expression.");
        return new TimerSchedule(trimmed, cron, null);
    }

    /// <summary>The first occurrence strictly after <paramref name="afterUtc"/>.</summary>
    public DateTime GetNextOccurrence(DateTime afterUtc)
    {
        var after = afterUtc.Kind == DateTimeKind.Local ? afterUtc.ToUniversalTime() : DateTime.SpecifyKind(afterUtc, DateTimeKind.Utc);
        return _cron is not null
            ? DateTime.SpecifyKind(_cron.GetNextOccurrence(after), DateTimeKind.Utc)
            : after + _interval!.Value;
    }

    public override string ToString() => Expression;
}
