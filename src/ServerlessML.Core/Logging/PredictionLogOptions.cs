namespace ServerlessML.Logging;

/// <summary>The prediction log's buffer, batching and hashing; bound from the "PredictionLog" configuration section.</summary>
public sealed class PredictionLogOptions
{
    public const string SectionName = "PredictionLog";

    /// <summary>False turns the log off: nothing is captured, buffered or written.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Records (rows) held in memory waiting for the writer; beyond it records are dropped and counted.</summary>
    public int Capacity { get; set; } = 10_000;

    /// <summary>
    /// Input tensor elements that buffered records may keep alive; beyond it records are dropped and
    /// counted. Bounds the memory of large tensors, which are summarized only when written.
    /// </summary>
    public long MaxBufferedElements { get; set; } = 16L * 1024 * 1024;

    /// <summary>The longest a record waits in memory before its batch is written.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A batch is written once it holds this many records, without waiting for the interval.</summary>
    public int MaxBatchRecords { get; set; } = 5_000;

    /// <summary>
    /// Key of the HMAC-SHA256 that stores the manifest's <c>logging.hash</c> fields (app setting
    /// <c>PredictionLog__HashSalt</c>). Without it those fields are a plain SHA-256 of the value, which a
    /// dictionary of likely values reverses: set it wherever hashed fields matter.
    /// </summary>
    public string? HashSalt { get; set; }

    /// <summary>The instance part of blob names; by default WEBSITE_INSTANCE_ID (or the machine name) and the process id.</summary>
    public string? InstanceName { get; set; }

    internal void Validate()
    {
        if (Capacity < 1)
        {
            throw new InvalidOperationException($"{SectionName}:{nameof(Capacity)} is {Capacity}: expected at least 1 record.");
        }

        if (MaxBufferedElements < 1)
        {
            throw new InvalidOperationException($"{SectionName}:{nameof(MaxBufferedElements)} is {MaxBufferedElements}: expected at least 1 element.");
        }

        if (MaxBatchRecords < 1)
        {
            throw new InvalidOperationException($"{SectionName}:{nameof(MaxBatchRecords)} is {MaxBatchRecords}: expected at least 1 record.");
        }

        if (FlushInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{SectionName}:{nameof(FlushInterval)} is {FlushInterval}: expected a positive time such as 00:00:30.");
        }
    }
}

/// <summary>Limits of the feedback API; bound from the "Feedback" configuration section.</summary>
public sealed class FeedbackOptions
{
    public const string SectionName = "Feedback";

    /// <summary>Largest accepted feedback body; larger bodies get 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Most labels in one feedback request.</summary>
    public int MaxLabels { get; set; } = 10_000;

    /// <summary>Longest request id a label may name.</summary>
    public int MaxRequestIdLength { get; set; } = 256;
}
