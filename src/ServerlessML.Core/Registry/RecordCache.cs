using Azure;

namespace ServerlessML.Registry;

/// <summary>
/// Each instance's view of the records: a model's record.json is re-read at most once per refresh
/// interval, with a conditional request (ETag), so every instance converges on a traffic change
/// within that interval without a restart.
/// </summary>
public sealed class RecordCache
{
    private readonly RegistryStore _store;
    private readonly TimeSpan _refreshInterval;
    private readonly TimeProvider _time;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Slot> _slots = new();

    public RecordCache(RegistryStore store, TimeSpan refreshInterval, TimeProvider? time = null)
    {
        _store = store;
        _refreshInterval = refreshInterval;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The model's record, at most one refresh interval old; null when the model has none.</summary>
    public async Task<ModelRecord?> GetAsync(string model, CancellationToken cancellationToken = default)
    {
        var slot = _slots.GetOrAdd(model, _ => new Slot());
        if (slot.CheckedAt is { } checkedAt && _time.GetUtcNow() - checkedAt < _refreshInterval)
        {
            return slot.Current?.Record;
        }

        // One refresh per model at a time; the others wait for it rather than sending their own.
        await slot.Refreshing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (slot.CheckedAt is { } again && _time.GetUtcNow() - again < _refreshInterval)
            {
                return slot.Current?.Record;
            }

            var (changed, record) = await _store.ReadRecordIfChangedAsync(model, slot.Current?.ETag, cancellationToken).ConfigureAwait(false);
            if (changed)
            {
                slot.Current = record;
            }

            slot.CheckedAt = _time.GetUtcNow();
            return slot.Current?.Record;
        }
        finally
        {
            slot.Refreshing.Release();
        }
    }

    /// <summary>Forgets what is cached for the model, so the next read goes to storage (after this instance changed it).</summary>
    public void Invalidate(string model) => _slots.TryRemove(model, out _);

    private sealed class Slot
    {
        public SemaphoreSlim Refreshing { get; } = new(1, 1);

        public VersionedRecord? Current { get; set; }

        public DateTimeOffset? CheckedAt { get; set; }
    }
}
