using Microsoft.Extensions.Logging;

namespace ServerlessML.Inference;

/// <summary>A loaded model held for one request; dispose when done so an evicted session can be freed.</summary>
public sealed class ModelLease : IDisposable
{
    private readonly SessionCache _cache;
    private readonly SessionCache.Entry _entry;
    private int _disposed;

    internal ModelLease(SessionCache cache, SessionCache.Entry entry, LoadedModel model)
    {
        _cache = cache;
        _entry = entry;
        Model = model;
    }

    public LoadedModel Model { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _cache.Release(_entry);
        }
    }
}

/// <summary>
/// One session per (model, version), loaded lazily and once however many requests ask at the same
/// time, shared by all of them, and kept in a least-recently-used list bounded by a memory budget.
/// An evicted session is disposed only after the last request using it has finished.
/// </summary>
public sealed class SessionCache : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<(string Model, string Version), Entry> _entries = [];
    private readonly LinkedList<Entry> _recency = new();
    private readonly Func<string, string, CancellationToken, Task<LoadedModel>> _load;
    private readonly ServingOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private long _loadedBytes;

    public SessionCache(ServingOptions options, Func<string, string, CancellationToken, Task<LoadedModel>> load, ILogger<SessionCache> logger, TimeProvider? time = null)
    {
        _options = options;
        _load = load;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Estimated memory of the loaded sessions.</summary>
    public long LoadedBytes
    {
        get { lock (_gate) return _loadedBytes; }
    }

    public bool IsLoaded(string model, string version)
    {
        lock (_gate)
        {
            return _entries.TryGetValue((model, version), out var entry) && entry.Model is not null;
        }
    }

    /// <summary>True while a load of the version is under way (not yet loaded, not failed).</summary>
    public bool IsLoading(string model, string version)
    {
        lock (_gate)
        {
            return _entries.TryGetValue((model, version), out var entry) && entry.Model is null && entry.Failure is null;
        }
    }

    /// <summary>The memory a session is estimated to take for an ONNX model of this size (model.onnx plus its external data).</summary>
    public long EstimateSessionBytes(long onnxBytes) => (long)(onnxBytes * _options.SessionMemoryPerModelByte);

    /// <summary>
    /// Whether <paramref name="sessionBytes"/> more would fit beside the loaded sessions within the memory budget,
    /// that is, could be loaded without unloading any: for loads that must not displace what is already in use.
    /// </summary>
    public bool HasRoomFor(long sessionBytes)
    {
        lock (_gate)
        {
            return _loadedBytes + sessionBytes <= _options.SessionMemoryBudgetBytes;
        }
    }

    public IReadOnlyList<(string Model, string Version)> LoadedVersions()
    {
        lock (_gate)
        {
            return _recency.Where(e => e.Model is not null).Select(e => e.Key).ToList();
        }
    }

    /// <summary>
    /// Returns the loaded version, loading it first if needed. Waits up to
    /// <see cref="ServingOptions.ModelLoadWait"/>; beyond it, and after a failed load, throws
    /// <see cref="ServingErrorCode.Unavailable"/> with a retry delay.
    /// </summary>
    public async Task<ModelLease> AcquireAsync(string model, string version, CancellationToken cancellationToken = default)
    {
        Entry entry;
        lock (_gate)
        {
            var key = (model, version);
            if (_entries.TryGetValue(key, out var existing) && existing.Failure is not null
                && _time.GetUtcNow() - existing.FailedAt >= _options.FailedLoadRetryDelay)
            {
                Remove(existing);
                existing = null;
            }

            if (existing is null)
            {
                existing = new Entry(key);
                existing.Node = _recency.AddFirst(existing);
                _entries[key] = existing;
                existing.Loading = LoadAsync(existing);
            }
            else
            {
                _recency.Remove(existing.Node!);
                _recency.AddFirst(existing.Node!);
            }

            entry = existing;
            entry.Leases++;
        }

        try
        {
            var loaded = await entry.Loading!.WaitAsync(_options.ModelLoadWait, cancellationToken).ConfigureAwait(false);
            return new ModelLease(this, entry, loaded);
        }
        catch (TimeoutException)
        {
            Release(entry);
            throw new ServingException(ServingErrorCode.Unavailable,
                $"Model '{model}' version '{version}' is still loading; retry shortly.", TimeSpan.FromSeconds(2));
        }
        catch
        {
            Release(entry);
            throw;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var entry in _entries.Values.ToList())
            {
                Remove(entry);
            }
        }
    }

    internal void Release(Entry entry)
    {
        LoadedModel? dispose = null;
        lock (_gate)
        {
            entry.Leases--;
            if (entry.Evicted && entry.Leases == 0)
            {
                dispose = entry.Model;
                entry.Model = null;
            }
        }

        dispose?.Dispose();
    }

    private async Task<LoadedModel> LoadAsync(Entry entry)
    {
        // Yield so that the caller's lock is released before any loading work starts.
        await Task.Yield();
        try
        {
            var loaded = await _load(entry.Key.Model, entry.Key.Version, CancellationToken.None).ConfigureAwait(false);
            lock (_gate)
            {
                entry.Model = loaded;
                entry.Bytes = EstimateSessionBytes(loaded.Onnx.SizeBytes);
                if (entry.Evicted)
                {
                    // Removed while loading (the cache was disposed): the waiting requests' leases free it.
                    if (entry.Leases == 0)
                    {
                        entry.Model = null;
                        loaded.Dispose();
                    }
                }
                else
                {
                    _loadedBytes += entry.Bytes;
                    EvictOverBudget(entry);
                }
            }

            _logger.LogInformation("Loaded model {Model} version {Version} ({Bytes} bytes estimated).", entry.Key.Model, entry.Key.Version, entry.Bytes);
            return loaded;
        }
        catch (Exception e) when (e is not ServingException { Code: ServingErrorCode.NotFound })
        {
            lock (_gate)
            {
                entry.Failure = e;
                entry.FailedAt = _time.GetUtcNow();
            }

            _logger.LogError(e, "Model {Model} version {Version} could not be loaded.", entry.Key.Model, entry.Key.Version);
            throw e as ServingException ?? new ServingException(ServingErrorCode.Unavailable,
                $"Model '{entry.Key.Model}' version '{entry.Key.Version}' could not be loaded: {e.Message}",
                _options.FailedLoadRetryDelay, e);
        }
        catch (ServingException)
        {
            // Not found is not cached: the files may appear with the next deployment.
            lock (_gate)
            {
                Remove(entry);
            }

            throw;
        }
    }

    private void EvictOverBudget(Entry keep)
    {
        for (var node = _recency.Last; node is not null && _loadedBytes > _options.SessionMemoryBudgetBytes;)
        {
            var previous = node.Previous;
            if (node.Value != keep && node.Value.Model is not null)
            {
                _logger.LogInformation("Unloading model {Model} version {Version}: loaded sessions exceed the memory budget of {Budget} bytes.",
                    node.Value.Key.Model, node.Value.Key.Version, _options.SessionMemoryBudgetBytes);
                Remove(node.Value);
            }

            node = previous;
        }
    }

    /// <summary>Takes the entry out of the cache; its model is disposed now if idle, else by its last lease.</summary>
    private void Remove(Entry entry)
    {
        if (entry.Evicted)
        {
            return;
        }

        entry.Evicted = true;
        _entries.Remove(entry.Key);
        if (entry.Node is not null)
        {
            _recency.Remove(entry.Node);
        }

        if (entry.Model is not null)
        {
            _loadedBytes -= entry.Bytes;
            if (entry.Leases == 0)
            {
                var model = entry.Model;
                entry.Model = null;
                model.Dispose();
            }
        }
    }

    internal sealed class Entry((string Model, string Version) key)
    {
        public (string Model, string Version) Key { get; } = key;

        public Task<LoadedModel>? Loading { get; set; }

        public LoadedModel? Model { get; set; }

        public LinkedListNode<Entry>? Node { get; set; }

        public int Leases { get; set; }

        public bool Evicted { get; set; }

        public long Bytes { get; set; }

        public Exception? Failure { get; set; }

        public DateTimeOffset FailedAt { get; set; }
    }
}
