using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json;
using ServerlessML.DevHost.Configuration;
using ServerlessML.DevHost.Rpc;
using ServerlessML.DevHost.Worker;

namespace ServerlessML.DevHost.Timers;

/// <summary>A timer-triggered function with its schedule resolved.</summary>
public sealed record TimerTrigger(FunctionDescriptor Function, TimerSchedule Schedule, bool RunOnStartup)
{
    /// <summary>The timer triggers of a worker; a function whose schedule does not resolve or parse is left out and logged.</summary>
    public static IReadOnlyList<TimerTrigger> CreateAll(FunctionIndex functions, AppSettingResolver settings, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(functions);
        ArgumentNullException.ThrowIfNull(settings);
        var timers = new List<TimerTrigger>();
        foreach (var function in functions.OfKind(TriggerKind.Timer))
        {
            try
            {
                string schedule = settings.Resolve(function.TriggerProperty("schedule") ?? throw new FormatException("the timer trigger has no schedule"), $"The schedule of {function.Name}");
                bool runOnStartup = bool.TryParse(function.TriggerProperty("runOnStartup"), out bool run) && run;
                timers.Add(new TimerTrigger(function, TimerSchedule.Parse(schedule), runOnStartup));
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                logger.LogError("{Function} will not be scheduled: {Error}", function.Name, e.Message);
            }
        }

        return timers;
    }
}

/// <summary>
/// Fires timer-triggered functions on their schedules (UTC), one run of a function at a time as the
/// Functions host does (a run that overlaps the next occurrence makes that occurrence wait), and runs
/// them on demand.
/// </summary>
public sealed class TimerScheduler(FunctionInvoker invoker, ILogger logger)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _oneAtATime = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DateTime> _lastRun = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Runs the schedules of <paramref name="timers"/> until cancelled.</summary>
    public Task RunAsync(IReadOnlyList<TimerTrigger> timers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timers);
        foreach (var timer in timers)
        {
            logger.LogInformation("{Function}: schedule '{Schedule}' (UTC), next run {Next:yyyy-MM-dd HH:mm:ss}{Startup}.", timer.Function.Name, timer.Schedule, timer.Schedule.GetNextOccurrence(DateTime.UtcNow), timer.RunOnStartup ? "; runs on startup" : "");
        }

        return Task.WhenAll(timers.Select(timer => RunScheduleAsync(timer, cancellationToken)));
    }

    /// <summary>Runs a timer function now (the admin "run now" call, or runOnStartup).</summary>
    public async Task<InvocationResponse> RunNowAsync(FunctionDescriptor function, TimerSchedule? schedule, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        var gate = _oneAtATime.GetOrAdd(function.Name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = DateTime.UtcNow;
            var worker = await invoker.GetWorkerAsync(cancellationToken).ConfigureAwait(false);
            var current = worker.Functions.TryGet(function.Name, out var loaded) ? loaded : function;
            var request = FunctionInvoker.NewRequest(current);
            request.InputData.Add(new ParameterBinding { Name = current.TriggerParameterName, Data = new TypedData { Json = TimerInfoJson(now, _lastRun.TryGetValue(function.Name, out var last) ? last : null, schedule, isPastDue: false) } });
            var clock = Stopwatch.StartNew();
            var response = await invoker.InvokeAsync(worker, request, cancellationToken).ConfigureAwait(false);
            _lastRun[function.Name] = now;
            if (response.Succeeded())
            {
                logger.LogInformation("{Function} ran ({Reason}) in {Ms:F0} ms.", function.Name, reason, clock.Elapsed.TotalMilliseconds);
            }
            else
            {
                logger.LogError("{Function} failed ({Reason}): {Error}", function.Name, reason, response.Error());
            }

            return response;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The TimerInfo JSON the worker deserializes (Schedule, ScheduleStatus, IsPastDue).</summary>
    internal static string TimerInfoJson(DateTime nowUtc, DateTime? lastRunUtc, TimerSchedule? schedule, bool isPastDue) =>
        JsonConvert.SerializeObject(new
        {
            Schedule = new { AdjustForDST = false },
            ScheduleStatus = new
            {
                Last = lastRunUtc ?? DateTime.MinValue,
                Next = schedule?.GetNextOccurrence(nowUtc) ?? DateTime.MinValue,
                LastUpdated = nowUtc,
            },
            IsPastDue = isPastDue,
        });

    private async Task RunScheduleAsync(TimerTrigger timer, CancellationToken cancellationToken)
    {
        try
        {
            if (timer.RunOnStartup)
            {
                await RunSafelyAsync(timer, "runOnStartup", cancellationToken).ConfigureAwait(false);
            }

            while (true)
            {
                var next = timer.Schedule.GetNextOccurrence(DateTime.UtcNow);
                // Task.Delay takes at most ~24.8 days; long schedules wait in steps.
                for (var wait = next - DateTime.UtcNow; wait > TimeSpan.Zero; wait = next - DateTime.UtcNow)
                {
                    await Task.Delay(wait < TimeSpan.FromDays(1) ? wait : TimeSpan.FromDays(1), cancellationToken).ConfigureAwait(false);
                }

                await RunSafelyAsync(timer, $"scheduled {next:HH:mm:ss}", cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task RunSafelyAsync(TimerTrigger timer, string reason, CancellationToken cancellationToken)
    {
        try
        {
            await RunNowAsync(timer.Function, timer.Schedule, reason, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WorkerUnavailableException or FunctionTimeoutException)
        {
            logger.LogError("{Function} did not run ({Reason}): {Error}", timer.Function.Name, reason, e.Message);
        }
    }
}
