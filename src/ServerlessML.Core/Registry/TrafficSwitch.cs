using Newtonsoft.Json.Linq;
using ServerlessML.Inference;

namespace ServerlessML.Registry;

/// <summary>A change to a model's traffic policy; a null member leaves that part as it is.</summary>
public sealed class TrafficChange
{
    public string? Production { get; init; }

    /// <summary>The canary and its share; <see cref="ClearCanary"/> removes it.</summary>
    public CanaryPolicy? Canary { get; init; }

    public bool ClearCanary { get; init; }

    public string? Shadow { get; init; }

    public bool ClearShadow { get; init; }
}

/// <summary>
/// Changes which versions take traffic: set the policy, promote, roll back. Each change is one
/// compare-and-swap of record.json, so concurrent changes never overwrite each other, and only ready
/// versions can take traffic. Every instance sees the change at its next record refresh.
/// </summary>
public sealed class TrafficSwitch
{
    /// <summary>Who the events say made the change.</summary>
    public const string Actor = "management-api";

    private readonly RegistryStore _store;
    private readonly RecordCache _records;
    private readonly RegistryEvents _events;

    public TrafficSwitch(RegistryStore store, RecordCache records)
    {
        _store = store;
        _records = records;
        _events = new RegistryEvents(store);
    }

    public Task<ModelRecord> SetTrafficAsync(string model, TrafficChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        return UpdateAsync(model, RegistryEventKinds.TrafficChanged, record => record.Traffic.Production, record =>
        {
            var traffic = record.Traffic;
            if (change.Production is { } production && production != traffic.Production)
            {
                RequireReady(record, production, "production");
                if (traffic.Production is { } previous)
                {
                    record.ProductionHistory.Add(previous);
                }

                traffic.Production = production;
            }

            if (change.ClearCanary)
            {
                traffic.Canary = null;
            }
            else if (change.Canary is { } canary)
            {
                RequireReady(record, canary.Version, "canary");
                if (canary.Percent is < 0 or > 100 || double.IsNaN(canary.Percent))
                {
                    throw ServingException.BadRequest($"Canary percent is {canary.Percent}: expected a number from 0 to 100.");
                }

                // The canary judge counts from StartedUtc: a new canary version starts now, a new share of the same one does not.
                var started = traffic.Canary?.Version == canary.Version ? traffic.Canary.StartedUtc : DateTimeOffset.UtcNow;
                traffic.Canary = new CanaryPolicy { Version = canary.Version, Percent = canary.Percent, StartedUtc = started };
            }

            if (change.ClearShadow)
            {
                traffic.Shadow = null;
            }
            else if (change.Shadow is { } shadow)
            {
                RequireReady(record, shadow, "shadow");
                traffic.Shadow = shadow;
            }

            if (traffic.Canary?.Version == traffic.Production)
            {
                traffic.Canary = null;
            }
        }, null, cancellationToken);
    }

    /// <summary>Makes <paramref name="version"/> (by default the canary) the production version and ends the canary.</summary>
    public Task<ModelRecord> PromoteAsync(string model, string? version = null, CancellationToken cancellationToken = default) =>
        UpdateAsync(model, RegistryEventKinds.Promoted, record => record.Traffic.Production, record =>
        {
            string target = version ?? record.Traffic.Canary?.Version
                ?? throw new ServingException(ServingErrorCode.Conflict, $"Model '{model}' has no canary to promote: name the version to promote.");
            RequireReady(record, target, "production");
            if (record.Traffic.Production is { } previous && previous != target)
            {
                record.ProductionHistory.Add(previous);
            }

            record.Traffic.Production = target;
            if (record.Traffic.Canary?.Version == target)
            {
                record.Traffic.Canary = null;
            }

            if (record.Traffic.Shadow == target)
            {
                record.Traffic.Shadow = null;
            }
        }, null, cancellationToken);

    /// <summary>
    /// Makes the canary <paramref name="canaryVersion"/> production, if the record still has that canary beside
    /// <paramref name="production"/>; null (nothing written, no event) when either changed meanwhile.
    /// </summary>
    public Task<ModelRecord?> PromoteCanaryAsync(string model, string canaryVersion, string? production, TrafficAttribution attribution, CancellationToken cancellationToken = default) =>
        UpdateIfCanaryAsync(model, canaryVersion, production, RegistryEventKinds.Promoted, attribution, record =>
        {
            RequireReady(record, canaryVersion, "production");
            if (record.Traffic.Production is { } previous)
            {
                record.ProductionHistory.Add(previous);
            }

            record.Traffic.Production = canaryVersion;
            record.Traffic.Canary = null;
            if (record.Traffic.Shadow == canaryVersion)
            {
                record.Traffic.Shadow = null;
            }
        }, cancellationToken);

    /// <summary>
    /// Ends the canary <paramref name="canaryVersion"/> without promoting it (production stays), if the record still
    /// has that canary beside <paramref name="production"/>; null (nothing written, no event) when either changed meanwhile.
    /// </summary>
    public Task<ModelRecord?> RollBackCanaryAsync(string model, string canaryVersion, string? production, TrafficAttribution attribution, CancellationToken cancellationToken = default) =>
        UpdateIfCanaryAsync(model, canaryVersion, production, RegistryEventKinds.CanaryRolledBack, attribution, record => record.Traffic.Canary = null, cancellationToken);

    /// <summary>Returns production to the previous production version and ends any canary.</summary>
    public Task<ModelRecord> RollBackAsync(string model, CancellationToken cancellationToken = default) =>
        UpdateAsync(model, RegistryEventKinds.RolledBack, record => record.Traffic.Production, record =>
        {
            // Skip earlier versions that are no longer ready (e.g. failed after the fact).
            while (record.ProductionHistory.Count > 0)
            {
                string previous = record.ProductionHistory[^1];
                record.ProductionHistory.RemoveAt(record.ProductionHistory.Count - 1);
                if (record.FindVersion(previous)?.State == ModelVersionStates.Ready && previous != record.Traffic.Production)
                {
                    record.Traffic.Production = previous;
                    record.Traffic.Canary = null;
                    return;
                }
            }

            throw new ServingException(ServingErrorCode.Conflict, $"Model '{model}' has no earlier production version to roll back to.");
        }, null, cancellationToken);

    /// <summary>Applies the change only while the record still has the canary and production the caller judged.</summary>
    private async Task<ModelRecord?> UpdateIfCanaryAsync(
        string model, string canaryVersion, string? production, string kind, TrafficAttribution attribution, Action<ModelRecord> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attribution);
        try
        {
            return await UpdateAsync(model, kind, _ => canaryVersion, record =>
            {
                // Checked on every attempt of the compare-and-swap, so a change that won the race is never overridden.
                if (record.Traffic.Canary?.Version != canaryVersion || record.Traffic.Production != production)
                {
                    throw new TrafficMovedException();
                }

                change(record);
            }, attribution, cancellationToken).ConfigureAwait(false);
        }
        catch (TrafficMovedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Applies the change in one compare-and-swap, then appends one event of <paramref name="kind"/>
    /// naming <paramref name="eventVersion"/> of the written record, with the traffic before and after.
    /// </summary>
    private async Task<ModelRecord> UpdateAsync(
        string model, string kind, Func<ModelRecord, string?> eventVersion, Action<ModelRecord> change, TrafficAttribution? attribution, CancellationToken cancellationToken)
    {
        if (!ModelNames.IsValidModel(model) || await _store.ReadRecordAsync(model, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new ServingException(ServingErrorCode.NotFound, $"There is no model '{model}'.");
        }

        JObject? before = null;
        var written = await _store.UpdateRecordAsync(model, record =>
        {
            // Runs again after a lost race, so "before" is always the policy this change replaced.
            before = JObject.FromObject(record.Traffic);
            change(record);
        }, cancellationToken).ConfigureAwait(false);
        _records.Invalidate(model);
        await _events.AppendAsync(new RegistryEvent
        {
            Model = model,
            Version = eventVersion(written.Record),
            Kind = kind,
            Actor = attribution?.Actor ?? Actor,
            Reason = attribution?.Reason,
            Details = WithFigures(new JObject { ["before"] = before, ["after"] = JObject.FromObject(written.Record.Traffic) }, attribution?.Details),
        }, cancellationToken).ConfigureAwait(false);
        return written.Record;
    }

    private static JObject WithFigures(JObject details, JObject? figures)
    {
        if (figures is not null)
        {
            details["figures"] = figures;
        }

        return details;
    }

    private static void RequireReady(ModelRecord record, string version, string role)
    {
        var entry = record.FindVersion(version)
            ?? throw ServingException.BadRequest($"Model '{record.Model}' has no version '{version}' to make {role}; its versions are {string.Join(", ", record.Versions.Select(v => $"'{v.Version}'"))}.");
        if (entry.State != ModelVersionStates.Ready)
        {
            throw ServingException.BadRequest($"Model '{record.Model}' version '{version}' is {entry.State}, not ready: only ready versions can be {role}.");
        }
    }

    /// <summary>Abandons a conditional change whose canary or production moved on before it was written.</summary>
    private sealed class TrafficMovedException : Exception;
}

/// <summary>Who made a traffic change, and why, as its registry event records it.</summary>
/// <param name="Actor">Who, e.g. canary-judge.</param>
/// <param name="Reason">Why, in a sentence.</param>
/// <param name="Details">The figures behind the decision, kept under details.figures.</param>
public sealed record TrafficAttribution(string Actor, string? Reason = null, JObject? Details = null);
