using System.Diagnostics;
using System.Globalization;
using System.Net;
using Azure;
using Microsoft.Extensions.Logging;
using ServerlessML.Registry;

namespace ServerlessML.Inference;

/// <summary>What became of one version in a warm-up.</summary>
public enum WarmupResult
{
    /// <summary>The warm-up loaded its session.</summary>
    Loaded,

    /// <summary>Its session was already loaded (a request got there first).</summary>
    AlreadyLoaded,

    /// <summary>Not loaded: it would not fit in the memory budget beside the sessions already loaded.</summary>
    OverMemoryBudget,

    /// <summary>The load failed; it is logged, and requests get 503 and retry as they would without warm-up.</summary>
    Failed,

    /// <summary>Not loaded: the warm-up was canceled first.</summary>
    Canceled,
}

/// <summary>One version the warm-up considered, with what became of it and how long its load took.</summary>
public sealed record VersionWarmup(string Model, string Version, RouteKind Route, WarmupResult Result, TimeSpan LoadTime, string? Reason = null);

/// <summary>What a warm-up did: every version it considered, the models past the model limit, and how long it took.</summary>
public sealed record ModelWarmupSummary(IReadOnlyList<VersionWarmup> Versions, IReadOnlyList<string> ModelsOverLimit, TimeSpan Elapsed, bool Canceled)
{
    public IEnumerable<VersionWarmup> Warmed => Versions.Where(v => v.Result is WarmupResult.Loaded or WarmupResult.AlreadyLoaded);

    public VersionWarmup? Find(string model, string version) => Versions.FirstOrDefault(v => v.Model == model && v.Version == version);
}

/// <summary>
/// Loads the sessions a new instance is about to be asked for, before the requests come: the production
/// version of each registry model (up to <see cref="ServingOptions.WarmUpMaxModels"/>, in name order), then
/// their canary versions, through <see cref="SessionCache"/> so a request for a version being warmed waits
/// for that same load. Stops at the memory budget rather than unloading a session to make room, logs a
/// failed load and goes on (requests then get 503 and retry as usual), and never throws.
/// </summary>
public sealed class ModelWarmup
{
    /// <summary>
    /// Loads at once: a download overlaps a session creation, while a small instance (2 cores on Flex
    /// Consumption) keeps a core for the requests that arrive meanwhile.
    /// </summary>
    public const int Concurrency = 2;

    private readonly RegistryStore _store;
    private readonly SessionCache _sessions;
    private readonly ServingOptions _options;
    private readonly ILogger _logger;

    public ModelWarmup(RegistryStore store, SessionCache sessions, ServingOptions options, ILogger<ModelWarmup> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.WarmUpMaxModels < 0)
        {
            throw new InvalidOperationException(
                $"{ServingOptions.SectionName}:{nameof(ServingOptions.WarmUpMaxModels)} is {options.WarmUpMaxModels}; give 0 or more " +
                $"(0 warms no model, as does {ServingOptions.SectionName}:{nameof(ServingOptions.WarmUpOnStart)}=false).");
        }

        _store = store;
        _sessions = sessions;
        _options = options;
        _logger = logger;
    }

    /// <summary>
    /// Loads the versions in turn, <see cref="Concurrency"/> at a time, and returns what it did. Cancellation
    /// stops it promptly (loads already started go on in the cache, as a request's would); it is reported in
    /// the summary, not thrown.
    /// </summary>
    public async Task<ModelWarmupSummary> WarmAsync(CancellationToken cancellationToken = default)
    {
        long started = Stopwatch.GetTimestamp();
        var (candidates, overLimit) = await ListCandidatesAsync(cancellationToken).ConfigureAwait(false);
        var outcomes = new VersionWarmup?[candidates.Count];
        var loads = new List<Task>();
        using var slots = new SemaphoreSlim(Concurrency);
        var reservation = new Reservation();
        WarmupResult? stoppedAs = null; // once set, the remaining versions are only reported, never loaded
        for (int i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[i];
            bool holdsSlot = false;
            if (stoppedAs is null)
            {
                try
                {
                    await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                    holdsSlot = true;
                }
                catch (OperationCanceledException)
                {
                    stoppedAs = WarmupResult.Canceled;
                }

                // A slot can come free because cancellation ended a load, before the wait itself sees the cancellation.
                if (cancellationToken.IsCancellationRequested)
                {
                    stoppedAs = WarmupResult.Canceled;
                }
            }

            long sessionBytes = _sessions.EstimateSessionBytes(candidate.OnnxBytes);
            if (_sessions.IsLoaded(candidate.Model, candidate.Version))
            {
                outcomes[i] = candidate.Outcome(WarmupResult.AlreadyLoaded, TimeSpan.Zero);
            }
            else if (stoppedAs is null && reservation.TryReserve(_sessions, sessionBytes))
            {
                int index = i;
                holdsSlot = false; // the load gives it back
                loads.Add(Task.Run(async () =>
                {
                    try
                    {
                        outcomes[index] = await LoadAsync(candidate, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        // The cache counts the session once loaded; only then does the reservation go.
                        reservation.Release(sessionBytes);
                        slots.Release();
                    }
                }, CancellationToken.None));
            }
            else
            {
                // Stop at the first version that does not fit rather than look for smaller ones further down: the order is the priority.
                stoppedAs ??= WarmupResult.OverMemoryBudget;
                outcomes[i] = candidate.Outcome(stoppedAs.Value, TimeSpan.Zero, stoppedAs == WarmupResult.Canceled
                    ? "canceled"
                    : string.Create(CultureInfo.InvariantCulture,
                        $"over the memory budget of {_options.SessionMemoryBudgetBytes} bytes ({_sessions.LoadedBytes} loaded, about {sessionBytes} more needed)"));
            }

            if (holdsSlot)
            {
                slots.Release();
            }
        }

        await Task.WhenAll(loads).ConfigureAwait(false);
        var summary = new ModelWarmupSummary(outcomes.Select(o => o!).ToList(), overLimit, Stopwatch.GetElapsedTime(started),
            cancellationToken.IsCancellationRequested);
        LogSummary(summary);
        return summary;
    }

    private async Task<VersionWarmup> LoadAsync(Candidate candidate, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            while (true)
            {
                try
                {
                    using var lease = await _sessions.AcquireAsync(candidate.Model, candidate.Version, cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (ServingException e) when (e.Code == ServingErrorCode.Unavailable && _sessions.IsLoading(candidate.Model, candidate.Version))
                {
                    // Slower than a request's ModelLoadWait: the load goes on, and the warm-up waits for it
                    // (with a pause, so that a very short ModelLoadWait does not make this a busy loop).
                    await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
                }
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            _logger.LogInformation("Warm-up loaded model {Model} version {Version} ({Route}) in {Milliseconds} ms.",
                candidate.Model, candidate.Version, RouteName(candidate.Route), (long)elapsed.TotalMilliseconds);
            return candidate.Outcome(WarmupResult.Loaded, elapsed);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return candidate.Outcome(WarmupResult.Canceled, Stopwatch.GetElapsedTime(started), "canceled");
        }
        catch (Exception e)
        {
            _logger.LogWarning("Warm-up could not load model {Model} version {Version} ({Route}); requests will get 503 and retry it: {Reason}",
                candidate.Model, candidate.Version, RouteName(candidate.Route), e.Message);
            return candidate.Outcome(WarmupResult.Failed, Stopwatch.GetElapsedTime(started), e.Message);
        }
    }

    /// <summary>Production versions first, then canaries: when the budget runs out, production traffic matters most.</summary>
    private async Task<(List<Candidate> Candidates, List<string> OverLimit)> ListCandidatesAsync(CancellationToken cancellationToken)
    {
        var models = new List<string>();
        var overLimit = new List<string>();
        if (_options.WarmUpMaxModels == 0)
        {
            return ([], overLimit);
        }

        try
        {
            await foreach (string model in _store.ListModelsAsync(cancellationToken).ConfigureAwait(false))
            {
                (models.Count < _options.WarmUpMaxModels ? models : overLimit).Add(model);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ([], overLimit);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return ([], overLimit); // no registry container yet: nothing deployed
        }
        catch (Exception e)
        {
            _logger.LogWarning("Warm-up could not list the registry's models, so it loads none; requests load them as they come: {Reason}", e.Message);
            return ([], overLimit);
        }

        var records = await Task.WhenAll(models.Select(model => ReadServedAsync(model, cancellationToken))).ConfigureAwait(false);
        var production = records.SelectMany(r => r).Where(c => c.Route == RouteKind.Production);
        var canary = records.SelectMany(r => r).Where(c => c.Route == RouteKind.Canary);
        return ([.. production, .. canary], overLimit);
    }

    /// <summary>The model's production and canary versions, with the size of their ONNX files; none if the record cannot be read.</summary>
    private async Task<List<Candidate>> ReadServedAsync(string model, CancellationToken cancellationToken)
    {
        var served = new List<Candidate>();
        try
        {
            var record = (await _store.ReadRecordAsync(model, cancellationToken).ConfigureAwait(false))?.Record;
            if (record?.Traffic.Production is not { } production)
            {
                return served;
            }

            served.Add(new Candidate(model, production, RouteKind.Production, await OnnxBytesAsync(record, model, production, cancellationToken).ConfigureAwait(false)));
            // The router's condition: a canary with no share, or equal to production, takes no requests.
            if (record.Traffic.Canary is { Percent: > 0 } canary && canary.Version != production)
            {
                served.Add(new Candidate(model, canary.Version, RouteKind.Canary, await OnnxBytesAsync(record, model, canary.Version, cancellationToken).ConfigureAwait(false)));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Reported by the caller as canceled.
        }
        catch (Exception e)
        {
            _logger.LogWarning("Warm-up could not read the record of model {Model}, so it loads none of its versions: {Reason}", model, e.Message);
        }

        return served;
    }

    /// <summary>
    /// The record's size of the deployed file (the .onnx, or a .zip whose weights compress little), else
    /// model.onnx's blob size. 0 when neither is known: the load itself then says what is missing.
    /// </summary>
    private async Task<long> OnnxBytesAsync(ModelRecord record, string model, string version, CancellationToken cancellationToken)
    {
        if (record.FindVersion(version)?.SizeBytes is { } size)
        {
            return size;
        }

        try
        {
            var properties = await _store.Container.GetBlobClient(RegistryPaths.VersionModel(model, version))
                .GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return properties.Value.ContentLength;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return 0;
        }
    }

    private void LogSummary(ModelWarmupSummary summary)
    {
        var notWarmed = summary.Versions
            .Where(v => v.Result is not (WarmupResult.Loaded or WarmupResult.AlreadyLoaded))
            .Select(v => $"{v.Model} {v.Version}: {(v.Result == WarmupResult.Failed ? "failed to load" : v.Reason)}")
            .ToList();
        if (summary.ModelsOverLimit.Count > 0)
        {
            notWarmed.Add($"{string.Join(", ", summary.ModelsOverLimit)}: over {ServingOptions.SectionName}:{nameof(ServingOptions.WarmUpMaxModels)} ({_options.WarmUpMaxModels})");
        }

        _logger.LogInformation("Warm-up {Outcome} {Warmed} of {Versions} production and canary versions in {Milliseconds} ms{Skipped}",
            summary.Canceled ? "was canceled after warming" : "warmed",
            summary.Warmed.Count(), summary.Versions.Count, (long)summary.Elapsed.TotalMilliseconds,
            notWarmed.Count == 0 ? "." : $"; skipped {string.Join("; ", notWarmed)}.");
    }

    private static string RouteName(RouteKind route) => route == RouteKind.Canary ? "canary" : "production";

    private sealed record Candidate(string Model, string Version, RouteKind Route, long OnnxBytes)
    {
        public VersionWarmup Outcome(WarmupResult result, TimeSpan loadTime, string? reason = null) =>
            new(Model, Version, Route, result, loadTime, reason);
    }

    /// <summary>
    /// Session bytes of the loads in flight: the cache counts a session only once it is loaded, so without
    /// this two loads at once could each fit alone and together push out what is loaded.
    /// </summary>
    private sealed class Reservation
    {
        private readonly object _gate = new();
        private long _bytes;

        public bool TryReserve(SessionCache sessions, long sessionBytes)
        {
            lock (_gate)
            {
                if (!sessions.HasRoomFor(_bytes + sessionBytes))
                {
                    return false;
                }

                _bytes += sessionBytes;
                return true;
            }
        }

        public void Release(long sessionBytes)
        {
            lock (_gate)
            {
                _bytes -= sessionBytes;
            }
        }
    }
}
