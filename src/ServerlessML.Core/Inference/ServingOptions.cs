namespace ServerlessML.Inference;

/// <summary>Limits and budgets of the serving path; bound from the "Serving" configuration section.</summary>
public sealed class ServingOptions
{
    public const string SectionName = "Serving";

    /// <summary>Largest accepted request body; larger bodies get 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>Most elements in one request, over all inputs; guards against huge shapes.</summary>
    public long MaxElementsPerRequest { get; set; } = 16 * 1024 * 1024;

    /// <summary>Deepest JSON nesting accepted (nested tensor data counts).</summary>
    public int MaxJsonDepth { get; set; } = 32;

    /// <summary>Most instances in one V1 predict request.</summary>
    public int MaxInstances { get; set; } = 10_000;

    /// <summary>Memory that loaded sessions may take together, by estimate; least recently used are unloaded beyond it.</summary>
    public long SessionMemoryBudgetBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>Estimated resident memory of a session as a multiple of its ONNX file size (model.onnx plus its external-data files).</summary>
    public double SessionMemoryPerModelByte { get; set; } = 2.0;

    /// <summary>How long a request waits for its model to load before it gets 503 with Retry-After.</summary>
    public TimeSpan ModelLoadWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How often an instance re-reads record.json (a conditional request) to see traffic changes.</summary>
    public TimeSpan RecordRefreshInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>After a version failed to load, how long before a request may try again.</summary>
    public TimeSpan FailedLoadRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Shadow runs in flight at once per instance; beyond it shadow copies are dropped and counted.</summary>
    public int MaxConcurrentShadowRuns { get; set; } = 4;

    /// <summary>
    /// Local folder where this instance copies the external-data files of the versions it loads, as
    /// {folder}/{model}/{version}/, for ONNX Runtime to read; a copy is deleted when its session is unloaded.
    /// Must be writable: the default, under the temp folder, is on Azure Functions Flex Consumption.
    /// </summary>
    public string LocalModelsFolder { get; set; } = Path.Combine(Path.GetTempPath(), "serverlessml", "models");

    /// <summary>
    /// Whether a worker, when it starts, loads the production version (and the canary version) of the registry's
    /// models in the background, so that its first requests find their sessions loaded. Requests are served meanwhile.
    /// </summary>
    public bool WarmUpOnStart { get; set; } = true;

    /// <summary>
    /// Most models whose versions a starting worker loads, in name order; the memory budget may stop it sooner
    /// (warm-up never unloads a session to load another). 0 loads none.
    /// </summary>
    public int WarmUpMaxModels { get; set; } = 20;

    /// <summary>ONNX Runtime threads per Run; 1 keeps small models fast when many requests run at once. 0 lets ORT choose.</summary>
    public int IntraOpThreads { get; set; } = 1;
}
