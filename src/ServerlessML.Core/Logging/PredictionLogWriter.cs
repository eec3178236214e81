using System.Globalization;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using ServerlessML.Inference;

namespace ServerlessML.Logging;

/// <summary>
/// The background half of the prediction log: takes what <see cref="PredictionLog"/> buffered, formats
/// the records as JSON Lines, and writes one blob per model and hour at each flush (every
/// <see cref="PredictionLogOptions.FlushInterval"/>, or sooner once <see cref="PredictionLogOptions.MaxBatchRecords"/>
/// are waiting), until the log is completed and drained.
/// </summary>
/// <remarks>
/// Each blob is a block blob written once, create-only (If-None-Match: *): a reader never sees half a
/// batch, no lease or append position is shared between instances, and a name already taken moves on
/// to the next sequence number instead of overwriting. Append blobs would save blobs but need one
/// writer per blob and leave readers with batches in progress.
/// </remarks>
public sealed class PredictionLogWriter
{
    private const int MaxNameConflicts = 8;

    private readonly PredictionLog _log;
    private readonly BlobContainerClient _container;
    private readonly LogBlobSequence _sequence;
    private readonly ILogger _logger;
    private bool _containerChecked;

    public PredictionLogWriter(PredictionLog log, BlobServiceClient blobs, LogBlobSequence sequence, ILogger<PredictionLogWriter> logger)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(blobs);
        _log = log;
        _container = blobs.GetBlobContainerClient(LogPaths.PredictionsContainer);
        _sequence = sequence;
        _logger = logger;
    }

    /// <summary>Blobs written since the start.</summary>
    public long BlobsWritten { get; private set; }

    /// <summary>
    /// Writes batches until <see cref="PredictionLog.Complete"/> has been called and everything buffered
    /// is written. Cancelling abandons what is not written yet, counted as dropped.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        var options = _log.Options;
        var reader = _log.Entries;
        var batch = new Batch();
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                // The first record starts the clock: the batch is written when it is full or the interval is up.
                long deadline = _log.Clock.GetTimestamp() + (long)(options.FlushInterval.TotalSeconds * _log.Clock.TimestampFrequency);
                while (batch.Records < options.MaxBatchRecords)
                {
                    while (batch.Records < options.MaxBatchRecords && reader.TryRead(out var entry))
                    {
                        Add(batch, entry);
                    }

                    if (batch.Records >= options.MaxBatchRecords)
                    {
                        break;
                    }

                    var remaining = _log.Clock.GetElapsedTime(_log.Clock.GetTimestamp(), deadline);
                    if (remaining <= TimeSpan.Zero || !await WaitForMoreAsync(reader, remaining, cancellationToken).ConfigureAwait(false))
                    {
                        break;
                    }
                }

                await FlushAsync(batch, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            int lost = batch.Records;
            foreach (var (key, group) in batch.Groups)
            {
                _log.Drop(key.Model, group.Records, "the writer was stopped before it could write them");
            }

            while (reader.TryRead(out var entry))
            {
                _log.Release(entry);
                _log.Drop(entry.Prediction.Model, entry.Records, "the writer was stopped before it could write them");
                lost += entry.Records;
            }

            _logger.LogWarning("The prediction log writer was stopped with {Lost} records not written.", lost);
        }
        finally
        {
            _log.ReportDrops();
        }
    }

    private void Add(Batch batch, PredictionLogEntry entry)
    {
        try
        {
            batch.Add(entry);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogError(e, "Could not format the prediction log records of request {RequestId} to model {Model}; they are dropped.", entry.Prediction.RequestId, entry.Prediction.Model);
            _log.Drop(entry.Prediction.Model, entry.Records, "its records could not be formatted");
        }
        finally
        {
            _log.Release(entry);
        }
    }

    /// <summary>True when more entries arrived (or the log completed) before the time ran out.</summary>
    private async Task<bool> WaitForMoreAsync(System.Threading.Channels.ChannelReader<PredictionLogEntry> reader, TimeSpan remaining, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(remaining);
        try
        {
            // False once the log is completed and empty: write what there is and finish.
            return await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task FlushAsync(Batch batch, CancellationToken cancellationToken)
    {
        _log.ReportDrops();
        foreach (var key in batch.Groups.Keys.ToList())
        {
            var group = batch.Groups[key];
            long drops = _log.UnwrittenDrops(key.Model);
            try
            {
                await UploadAsync(key, group, drops, cancellationToken).ConfigureAwait(false);
                _log.DropsWritten(key.Model, drops);
                BlobsWritten++;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _logger.LogError(e, "Could not write {Records} prediction log records of model {Model} for {Hour:yyyy-MM-dd HH}:00 UTC to container '{Container}'; they are dropped.",
                    group.Records, key.Model, key.Hour, _container.Name);
                _log.Drop(key.Model, group.Records, "a write to the predictions container failed");
            }

            // Written or counted as dropped: either way no longer this batch's to account for.
            batch.Remove(key);
        }

        _log.ReportDrops();
    }

    private async Task UploadAsync(BatchKey key, BatchGroup group, long drops, CancellationToken cancellationToken)
    {
        var content = BinaryData.FromBytes(group.Buffer.GetBuffer().AsMemory(0, (int)group.Buffer.Length));
        var options = new BlobUploadOptions
        {
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-ndjson; charset=utf-8" },
            Metadata = new Dictionary<string, string>
            {
                [PredictionLogSchema.RecordsMetadata] = group.Records.ToString(CultureInfo.InvariantCulture),
                [PredictionLogSchema.DroppedMetadata] = drops.ToString(CultureInfo.InvariantCulture),
                [PredictionLogSchema.InstanceMetadata] = _sequence.Instance,
            },
        };
        for (int attempt = 1; ; attempt++)
        {
            string name = LogPaths.PredictionBlob(key.Model, key.Hour, _sequence.Instance, _sequence.Next());
            try
            {
                await _container.GetBlobClient(name).UploadAsync(content, options, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound && !_containerChecked)
            {
                _containerChecked = true;
                await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 409 && e.ErrorCode == BlobErrorCode.BlobAlreadyExists && attempt < MaxNameConflicts)
            {
                // Another process of this instance name took the number: take the next one.
            }
        }
    }

    private readonly record struct BatchKey(string Model, DateTimeOffset Hour);

    /// <summary>The records of one flush, one buffer per model and hour: each becomes one blob.</summary>
    private sealed class Batch
    {
        public Dictionary<BatchKey, BatchGroup> Groups { get; } = [];

        public int Records { get; private set; }

        public void Add(PredictionLogEntry entry)
        {
            var key = new BatchKey(entry.Prediction.Model, LogPaths.HourOf(entry.Time));
            if (!Groups.TryGetValue(key, out var group))
            {
                Groups[key] = group = new BatchGroup();
            }

            long before = group.Buffer.Length;
            try
            {
                PredictionRecordWriter.WriteRecords(group.Text, entry);
                group.Text.Flush();
            }
            catch
            {
                // Take back the part of the entry that was written, so that the blob holds whole lines only.
                group.Text.Flush();
                group.Buffer.SetLength(before);
                throw;
            }

            group.Records += entry.Records;
            Records += entry.Records;
        }

        public void Remove(BatchKey key)
        {
            if (Groups.Remove(key, out var group))
            {
                Records -= group.Records;
                group.Text.Dispose();
            }
        }
    }

    private sealed class BatchGroup
    {
        public BatchGroup()
        {
            Buffer = new MemoryStream();
            Text = new StreamWriter(Buffer, new UTF8Encoding(false), 16 * 1024, leaveOpen: true);
        }

        public MemoryStream Buffer { get; }

        public StreamWriter Text { get; }

        public int Records { get; set; }
    }
}
