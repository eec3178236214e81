using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using ServerlessML.Inference;
using ServerlessML.Registry;

namespace ServerlessML.Deployment;

/// <summary>
/// Turns an uploaded blob (<c>models/{model}/{version}.onnx</c> or <c>.zip</c>) into a registered, immutable
/// version (design section 6): checks the name and size, hashes the blob, refuses a changed re-upload,
/// unpacks, loads with ONNX Runtime, checks the manifest against the graph, compares the signature with
/// production, runs the smoke test, profiles the reference data, copies the files into the version folder,
/// and then, in one compare-and-swap of record.json, marks the version ready and applies its rollout.
/// Every step's end is an event in <c>registry/{model}/events/</c>.
/// <para>
/// A bad upload never throws: it is recorded as failed (record and event) and nothing served changes.
/// Only storage errors throw, so the host retries; a retry of the same content resumes the deployment.
/// </para>
/// </summary>
public sealed class ModelDeployer
{
    private static readonly JsonSerializerSettings FileJson = new() { Formatting = Formatting.Indented };

    private readonly RegistryStore _store;
    private readonly RegistryEvents _events;
    private readonly DeploymentOptions _options;
    private readonly ServingOptions _serving;
    private readonly IEnumerable<IDeploymentObserver> _observers;
    private readonly ILogger _logger;
    private readonly SessionCache? _sessions;
    private readonly RecordCache? _records;
    private readonly TimeProvider _time;
    private int _registryReady;

    public ModelDeployer(RegistryStore store, RegistryEvents events, IOptions<DeploymentOptions> options, IOptions<ServingOptions> serving,
        IEnumerable<IDeploymentObserver> observers, ILogger<ModelDeployer> logger,
        SessionCache? sessions = null, RecordCache? records = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(serving);
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _events = events ?? throw new ArgumentNullException(nameof(events));
        _options = options.Value;
        _serving = serving.Value;
        _observers = observers ?? [];
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _sessions = sessions;
        _records = records;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Deploys the uploaded blob. Returns what happened; throws only for storage errors (and cancellation),
    /// which are worth a retry.
    /// </summary>
    public async Task<DeploymentOutcome> DeployAsync(BlobClient upload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(upload);
        string source = $"{upload.BlobContainerName}/{upload.Name}";
        if (Interlocked.CompareExchange(ref _registryReady, 1, 0) == 0)
        {
            try
            {
                await _store.EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                _registryReady = 0;
                throw;
            }
        }

        if (!UploadName.TryParse(upload.Name, out var name, out string? validModel, out string? error))
        {
            return await RejectNameAsync(source, validModel ?? upload.Name.Split('/')[0], error, cancellationToken).ConfigureAwait(false);
        }

        var run = new DeploymentRun(name, source, _time.GetUtcNow());
        string workDirectory = Path.Combine(_options.WorkingDirectory ?? Path.GetTempPath(), "serverlessml-deploy", Guid.NewGuid().ToString("N"));
        try
        {
            return await RunAsync(upload, run, workDirectory, cancellationToken).ConfigureAwait(false);
        }
        catch (DeploymentRefusedException refused)
        {
            return await FailAsync(run, refused, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            DeleteQuietly(workDirectory);
        }
    }

    private async Task<DeploymentOutcome> RunAsync(BlobClient upload, DeploymentRun run, string workDirectory, CancellationToken cancellationToken)
    {
        var (model, version) = (run.Name.Model, run.Name.Version);
        run.Pass(DeploymentSteps.Name, 0, $"model '{model}', version '{version}', {run.Name.Kind.ToString().ToLowerInvariant()} package");

        // Size: from the blob's properties, before any byte is downloaded.
        long step = Stopwatch.GetTimestamp();
        BlobProperties properties;
        try
        {
            properties = (await upload.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return Superseded(run, "The blob was deleted before it could be deployed.");
        }

        run.SizeBytes = properties.ContentLength;
        if (properties.ContentLength == 0)
        {
            throw new DeploymentRefusedException(DeploymentSteps.Size, "The blob is empty (0 bytes): upload the model file itself.");
        }

        if (properties.ContentLength > _options.MaxPackageBytes)
        {
            throw new DeploymentRefusedException(DeploymentSteps.Size,
                $"The blob is {properties.ContentLength} bytes, over the limit of {_options.MaxPackageBytes} bytes (setting {DeploymentOptions.SectionName}:{nameof(DeploymentOptions.MaxPackageBytes)}).");
        }

        run.Pass(DeploymentSteps.Size, step, $"{properties.ContentLength} bytes");

        // Hash: streamed into a local file, pinned to the ETag read above so the bytes are one upload's.
        step = Stopwatch.GetTimestamp();
        Directory.CreateDirectory(workDirectory);
        string packageFile = Path.Combine(workDirectory, run.Name.Kind == PackageKind.Zip ? "package.zip" : RegistryPaths.ModelFileName);
        try
        {
            run.Sha256 = await DownloadAndHashAsync(upload, properties.ETag, packageFile, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.NotFound)
        {
            // Overwritten or deleted while downloading: the newer upload has its own event and is deployed by it.
            return Superseded(run, "The blob changed while it was being read; the newer upload is deployed by its own event.");
        }

        run.Pass(DeploymentSteps.Hash, step, $"sha256 {run.Sha256}");

        // Version check: immutable versions; a repeat is a no-op; then claim the version as validating.
        step = Stopwatch.GetTimestamp();
        var current = await _store.ReadRecordAsync(model, cancellationToken).ConfigureAwait(false);
        var decision = Decide(current?.Record, run);
        if (decision == Claim.Proceed)
        {
            var claimed = await _store.UpdateRecordAsync(model, record =>
            {
                decision = Decide(record, run);
                if (decision == Claim.Proceed)
                {
                    MarkValidating(record, run);
                }
            }, cancellationToken).ConfigureAwait(false);
            current = claimed;
        }

        switch (decision)
        {
            case Claim.Duplicate:
                return await SkipDuplicateAsync(run, cancellationToken).ConfigureAwait(false);
            case Claim.Changed:
                var registered = current!.Record.FindVersion(version)!;
                throw new DeploymentRefusedException(DeploymentSteps.VersionCheck,
                    $"Version '{version}' of model '{model}' is already registered with different content (sha256 {registered.Sha256}, this upload {run.Sha256}): " +
                    "versions are immutable, so upload the new content under a new version name.");
            case Claim.Busy:
                var other = current!.Record.FindVersion(version)!;
                throw new DeploymentRefusedException(DeploymentSteps.VersionCheck,
                    $"Version '{version}' of model '{model}' is being validated from another upload (sha256 {other.Sha256}) since {other.UpdatedUtc ?? other.RegisteredUtc:u}: " +
                    "wait for it to finish, or upload this content under a new version name.");
        }

        run.Claimed = true;
        run.Pass(DeploymentSteps.VersionCheck, step, "new version, marked validating");
        await AppendAsync(run, RegistryEventKinds.Uploaded, DeploymentSteps.VersionCheck, null, null, cancellationToken).ConfigureAwait(false);

        string? production = current?.Record.Traffic.Production;
        return await ValidateAndRegisterAsync(run, packageFile, workDirectory, production, cancellationToken).ConfigureAwait(false);
    }

    private async Task<DeploymentOutcome> ValidateAndRegisterAsync(DeploymentRun run, string packageFile, string workDirectory, string? production,
        CancellationToken cancellationToken)
    {
        var (model, version) = (run.Name.Model, run.Name.Version);
        var report = new ValidationReport
        {
            Model = model,
            Version = version,
            Source = run.Source,
            Sha256 = run.Sha256!,
            SizeBytes = run.SizeBytes ?? 0,
            StartedUtc = run.StartedUtc,
            Steps = run.Steps,
        };

        var package = Content(run, DeploymentSteps.Unpack, () => run.Name.Kind == PackageKind.Zip
            ? ModelPackage.FromZip(packageFile, Path.Combine(workDirectory, "unpacked"), _options)
            : ModelPackage.FromOnnx(packageFile),
            p => $"{p.Files.Count} file(s): {string.Join(", ", p.Files)}; {p.UnpackedBytes} bytes unpacked");
        report.Files = [.. package.Files];

        // The manifest's own fields first: they need no graph, and a typo should not wait for a large model to load.
        string? manifestJson = package.ManifestPath is { } manifestPath
            ? Content(run, DeploymentSteps.Manifest, () => File.ReadAllText(manifestPath), null, record: false)
            : null;
        var parsedManifest = manifestJson is null ? null : Content(run, DeploymentSteps.Manifest, () => ManifestValidation.Parse(manifestJson), _ => "fields valid");

        byte[] onnx = Content(run, DeploymentSteps.Load, () => File.ReadAllBytes(package.ModelPath), null, record: false);
        report.ModelSha256 = Convert.ToHexStringLower(SHA256.HashData(onnx));
        using var loaded = new LoadedModel(Content(run, DeploymentSteps.Load, () => LoadOnnx(run, onnx, package),
            m => $"{m.Signature.Inputs.Count} input(s) {m.Signature.InputNames}; {m.Signature.Outputs.Count} output(s) {m.Signature.OutputNames}"),
            parsedManifest);
        var signature = loaded.Onnx.Signature;
        report.Signature = SignatureDocument.From(signature);
        if (loaded.Manifest is { } manifest)
        {
            Content(run, DeploymentSteps.Manifest, () =>
            {
                ManifestValidation.CheckAgainstGraph(model, manifest, signature);
                return manifest;
            }, m => $"matches the graph: task {m.Task ?? "(none)"}, {m.Features.Count} feature(s), rollout {m.Strategy}");
        }
        else
        {
            run.Skip(DeploymentSteps.Manifest, $"no {RegistryPaths.ManifestFileName}: the schema comes from the graph, rollout {RolloutStrategies.Immediate}");
        }

        report.Rollout = loaded.Manifest?.Strategy ?? RolloutStrategies.Immediate;

        // Signature: compared with the production version's, so clients hear of breaking changes.
        long step = Stopwatch.GetTimestamp();
        if (production is not null && production != version)
        {
            var previous = await ProductionSignatureAsync(model, production, cancellationToken).ConfigureAwait(false);
            if (previous is null)
            {
                run.Skip(DeploymentSteps.Signature, $"the production version '{production}' has no readable model to compare with");
            }
            else
            {
                report.ComparedWith = production;
                report.BreakingChanges = SignatureComparison.BreakingChanges(previous, signature);
                run.Pass(DeploymentSteps.Signature, step, report.BreakingChanges.Count == 0
                    ? $"compatible with production version '{production}'"
                    : $"{report.BreakingChanges.Count} breaking change(s) from production version '{production}': {string.Join(" ", report.BreakingChanges)}");
            }
        }
        else
        {
            run.Skip(DeploymentSteps.Signature, "no production version to compare with");
        }

        if (package.SmokeRequestPath is { } smokeRequest)
        {
            report.SmokeTest = Content(run, DeploymentSteps.SmokeTest, () => SmokeTest.Run(model, version, loaded,
                File.ReadAllText(smokeRequest), package.SmokeExpectedPath is { } expected ? File.ReadAllText(expected) : null,
                _serving, _options.SmokeTestAbsoluteTolerance, _options.SmokeTestRelativeTolerance),
                r => r.Compared
                    ? $"{r.Protocol} request answered as expected: {r.ValuesCompared} value(s) compared, largest difference {r.MaxAbsoluteDifference:G3}"
                    : $"{r.Protocol} request ran; no {ModelPackage.SmokeExpectedName} to compare with");
        }
        else
        {
            run.Skip(DeploymentSteps.SmokeTest, $"no {ModelPackage.SmokeRequestName} in the package");
        }

        ReferenceProfile? profile = null;
        if (package.ReferencePath is { } reference)
        {
            profile = Content(run, DeploymentSteps.ReferenceProfile,
                () => ReferenceProfiler.Profile(model, version, reference, loaded.Manifest, signature, _options.MaxReferenceRows, _time),
                p => $"{p.Rows} row(s); {p.Features.Count} feature(s){(p.Label is null ? "" : $", label '{p.Label.Column}'")}");
        }
        else
        {
            run.Skip(DeploymentSteps.ReferenceProfile, $"no {ModelPackage.ReferenceFileName} in the package");
        }

        // Copy: the immutable version folder; nothing reads it until record.json says the version is ready.
        step = Stopwatch.GetTimestamp();
        string folder = RegistryPaths.VersionFolder(model, version);
        await UploadFileAsync(folder + RegistryPaths.ModelFileName, package.ModelPath, "application/octet-stream", report.ModelSha256, cancellationToken).ConfigureAwait(false);
        foreach (string external in package.ExternalDataFiles)
        {
            await UploadFileAsync(folder + external, package.ExternalDataPath(external), "application/octet-stream", null, cancellationToken).ConfigureAwait(false);
        }

        if (manifestJson is not null)
        {
            await UploadTextAsync(folder + RegistryPaths.ManifestFileName, manifestJson, cancellationToken).ConfigureAwait(false);
        }

        if (profile is not null)
        {
            await UploadTextAsync(folder + ReferenceProfile.FileName, JsonConvert.SerializeObject(profile, FileJson), cancellationToken).ConfigureAwait(false);
        }

        run.Pass(DeploymentSteps.Copy, step, $"registry/{folder}");
        await UploadTextAsync(folder + ValidationReport.FileName, JsonConvert.SerializeObject(report, FileJson), cancellationToken).ConfigureAwait(false);

        var summary = new VersionSummary
        {
            Task = loaded.Manifest?.Task,
            Inputs = signature.Inputs.Count,
            Outputs = signature.Outputs.Count,
            Features = loaded.Manifest?.Features.Count ?? 0,
            HasManifest = loaded.Manifest is not null,
            HasReferenceProfile = profile is not null,
            SmokeTested = report.SmokeTest is not null,
            ComparedWith = report.ComparedWith,
        };
        await AppendAsync(run, RegistryEventKinds.Validated, DeploymentSteps.Copy, null, JObject.FromObject(new
        {
            modelSha256 = report.ModelSha256,
            files = report.Files,
            rollout = report.Rollout,
            comparedWith = report.ComparedWith,
            breakingChanges = report.BreakingChanges,
            smokeTest = report.SmokeTest,
            steps = run.Steps,
        }), cancellationToken).ConfigureAwait(false);

        return await RegisterAsync(run, report, summary, loaded.Manifest?.Rollout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The one compare-and-swap that makes the version ready and gives it its traffic.</summary>
    private async Task<DeploymentOutcome> RegisterAsync(DeploymentRun run, ValidationReport report, VersionSummary summary, RolloutSpec? rollout,
        CancellationToken cancellationToken)
    {
        var (model, version) = (run.Name.Model, run.Name.Version);
        long step = Stopwatch.GetTimestamp();
        RolloutResult? result = null;
        bool alreadyReady = false;
        bool claimLost = false;
        await _store.UpdateRecordAsync(model, record =>
        {
            (result, alreadyReady, claimLost) = (null, false, false);
            var entry = record.FindVersion(version);
            if (entry is { State: ModelVersionStates.Ready } && entry.Sha256 == run.Sha256)
            {
                alreadyReady = true; // a duplicate delivery of the same upload finished first
                return;
            }

            if (entry is null || entry.Sha256 != run.Sha256)
            {
                claimLost = true;
                return;
            }

            var now = _time.GetUtcNow();
            entry.State = ModelVersionStates.Ready;
            entry.UpdatedUtc = now;
            entry.Reason = null;
            entry.FailedStep = null;
            entry.ModelSha256 = report.ModelSha256;
            entry.Rollout = report.Rollout;
            entry.BreakingChanges = report.BreakingChanges.Count > 0 ? [.. report.BreakingChanges] : null;
            entry.Summary = summary;
            result = ApplyRollout(record, version, report.Rollout, rollout, now);
        }, cancellationToken).ConfigureAwait(false);

        if (alreadyReady)
        {
            return await SkipDuplicateAsync(run, cancellationToken).ConfigureAwait(false);
        }

        if (claimLost)
        {
            run.Claimed = false; // the version's record is another upload's now: leave it alone
            throw new DeploymentRefusedException(DeploymentSteps.Register,
                $"Version '{version}' of model '{model}' was taken over by another upload while this one was validating: upload this content under a new version name.");
        }

        run.Pass(DeploymentSteps.Register, step, result!.Traffic);
        await AppendAsync(run, result.EventKind, DeploymentSteps.Register, result.Reason, result.Details, cancellationToken).ConfigureAwait(false);
        _records?.Invalidate(model);
        if (result.EventKind != RegistryEventKinds.AwaitingApproval)
        {
            await WarmUpAsync(model, version, cancellationToken).ConfigureAwait(false);
        }

        var outcome = new DeploymentOutcome
        {
            Status = DeploymentStatus.Deployed,
            Source = run.Source,
            Model = model,
            Version = version,
            Sha256 = run.Sha256,
            SizeBytes = run.SizeBytes,
            Strategy = report.Rollout,
            Traffic = result.Traffic,
            BreakingChanges = report.BreakingChanges,
            Duration = Stopwatch.GetElapsedTime(run.Started),
        };
        _logger.LogInformation("Deployed model {Model} version {Version} ({Strategy}: {Traffic}) in {DurationMs:F0} ms; {BreakingChanges} breaking change(s).",
            model, version, outcome.Strategy, outcome.Traffic, outcome.Duration.TotalMilliseconds, report.BreakingChanges.Count);
        Notify(o => o.OnDeployed(outcome));
        return outcome;
    }

    private sealed record RolloutResult(string EventKind, string Traffic, string? Reason, JObject Details);

    /// <summary>Applies the strategy to the traffic policy. A canary or shadow needs a production to stand beside; without one it is promoted.</summary>
    private static RolloutResult ApplyRollout(ModelRecord record, string version, string strategy, RolloutSpec? rollout, DateTimeOffset now)
    {
        var traffic = record.Traffic;
        string? production = traffic.Production;
        if (strategy == RolloutStrategies.Manual)
        {
            return new RolloutResult(RegistryEventKinds.AwaitingApproval, "none until promoted", "rollout strategy manual: promote it through the management API",
                JObject.FromObject(new { strategy, production }));
        }

        if (strategy == RolloutStrategies.Canary && production is not null)
        {
            double percent = rollout?.Percent ?? RolloutSpec.DefaultCanaryPercent;
            string? replaced = traffic.Canary?.Version;
            traffic.Canary = new CanaryPolicy { Version = version, Percent = percent, StartedUtc = now };
            return new RolloutResult(RegistryEventKinds.CanaryStarted, $"canary {percent}%", null,
                JObject.FromObject(new { strategy, percent, production, replacedCanary = replaced, promoteAfter = rollout?.PromoteAfter }));
        }

        if (strategy == RolloutStrategies.Shadow && production is not null)
        {
            string? replaced = traffic.Shadow;
            traffic.Shadow = version;
            return new RolloutResult(RegistryEventKinds.ShadowStarted, "shadow", null,
                JObject.FromObject(new { strategy, production, replacedShadow = replaced }));
        }

        if (production is not null && production != version)
        {
            record.ProductionHistory.Add(production);
        }

        traffic.Production = version;
        string? reason = strategy == RolloutStrategies.Immediate
            ? null
            : $"rollout strategy {strategy} needs a production version beside it and there was none, so this version became production";
        return new RolloutResult(RegistryEventKinds.Promoted, "production", reason, JObject.FromObject(new { strategy, previousProduction = production }));
    }

    private enum Claim
    {
        Proceed,
        Duplicate,
        Changed,
        Busy,
    }

    /// <summary>What the record says about deploying this upload's version.</summary>
    private Claim Decide(ModelRecord? record, DeploymentRun run)
    {
        var entry = record?.FindVersion(run.Name.Version);
        return entry?.State switch
        {
            null => Claim.Proceed,
            ModelVersionStates.Ready => entry.Sha256 == run.Sha256 ? Claim.Duplicate : Claim.Changed,
            // Same content: a retry of this upload (or a second delivery of it) resumes.
            ModelVersionStates.Validating when entry.Sha256 == run.Sha256 => Claim.Proceed,
            ModelVersionStates.Validating when !IsStale(entry) => Claim.Busy,
            // Failed versions were never served, and stale claims belong to deployments that died: start over.
            _ => Claim.Proceed,
        };
    }

    private bool IsStale(ModelVersionRecord entry) =>
        _time.GetUtcNow() - (entry.UpdatedUtc ?? entry.RegisteredUtc) > _options.ValidatingClaimTimeout;

    private void MarkValidating(ModelRecord record, DeploymentRun run)
    {
        var now = _time.GetUtcNow();
        var entry = record.FindVersion(run.Name.Version);
        if (entry is null)
        {
            entry = new ModelVersionRecord { Version = run.Name.Version };
            record.Versions.Add(entry);
        }

        entry.State = ModelVersionStates.Validating;
        entry.Sha256 = run.Sha256;
        entry.SizeBytes = run.SizeBytes;
        entry.Source = run.Source;
        entry.RegisteredUtc = now;
        entry.UpdatedUtc = now;
        entry.Reason = null;
        entry.FailedStep = null;
        entry.ModelSha256 = null;
        entry.Rollout = null;
        entry.BreakingChanges = null;
        entry.Summary = null;
    }

    /// <summary>Records a refusal: the version (unless it is served or another upload's) becomes failed, and a failed event is written.</summary>
    private async Task<DeploymentOutcome> FailAsync(DeploymentRun run, DeploymentRefusedException refused, CancellationToken cancellationToken)
    {
        var (model, version) = (run.Name.Model, run.Name.Version);
        run.Fail(refused.Step, refused.Message);
        _logger.LogWarning("Deployment of {Source} failed at step {Step}: {Reason}", run.Source, refused.Step, refused.Message);
        var current = await _store.ReadRecordAsync(model, cancellationToken).ConfigureAwait(false);
        if (MayMarkFailed(current?.Record, run))
        {
            await _store.UpdateRecordAsync(model, record =>
            {
                if (!MayMarkFailed(record, run))
                {
                    return;
                }

                var entry = record.FindVersion(version);
                if (entry is null)
                {
                    entry = new ModelVersionRecord { Version = version, RegisteredUtc = _time.GetUtcNow() };
                    record.Versions.Add(entry);
                }

                entry.State = ModelVersionStates.Failed;
                entry.Sha256 = run.Sha256;
                entry.SizeBytes = run.SizeBytes;
                entry.Source = run.Source;
                entry.UpdatedUtc = _time.GetUtcNow();
                entry.Reason = refused.Message;
                entry.FailedStep = refused.Step;
            }, cancellationToken).ConfigureAwait(false);
        }

        await AppendAsync(run, RegistryEventKinds.Failed, refused.Step, refused.Message, JObject.FromObject(new { steps = run.Steps }), cancellationToken).ConfigureAwait(false);
        var outcome = new DeploymentOutcome
        {
            Status = DeploymentStatus.Failed,
            Source = run.Source,
            Model = model,
            Version = version,
            Sha256 = run.Sha256,
            SizeBytes = run.SizeBytes,
            Step = refused.Step,
            Reason = refused.Message,
            Duration = Stopwatch.GetElapsedTime(run.Started),
        };
        Notify(o => o.OnFailed(outcome));
        return outcome;
    }

    /// <summary>A served (ready) version, and a version another upload is validating right now, are never marked failed by this upload.</summary>
    private bool MayMarkFailed(ModelRecord? record, DeploymentRun run)
    {
        var entry = record?.FindVersion(run.Name.Version);
        return entry?.State switch
        {
            null => true,
            ModelVersionStates.Ready => false,
            ModelVersionStates.Validating => run.Claimed ? entry.Sha256 == run.Sha256 : entry.Sha256 == run.Sha256 || IsStale(entry),
            _ => true,
        };
    }

    private async Task<DeploymentOutcome> RejectNameAsync(string source, string model, string error, CancellationToken cancellationToken)
    {
        _logger.LogWarning("Upload {Source} refused: {Reason}", source, error);
        await _events.AppendAsync(new RegistryEvent
        {
            Time = _time.GetUtcNow(),
            Model = model,
            Kind = RegistryEventKinds.Failed,
            Source = source,
            Step = DeploymentSteps.Name,
            Reason = error,
        }, cancellationToken).ConfigureAwait(false);
        var outcome = new DeploymentOutcome { Status = DeploymentStatus.Failed, Source = source, Model = model, Step = DeploymentSteps.Name, Reason = error };
        Notify(o => o.OnFailed(outcome));
        return outcome;
    }

    private async Task<DeploymentOutcome> SkipDuplicateAsync(DeploymentRun run, CancellationToken cancellationToken)
    {
        const string reason = "this version is already registered with the same content (sha256): nothing to do";
        run.Pass(DeploymentSteps.VersionCheck, 0, reason);
        _logger.LogInformation("Upload {Source} repeats version {Version} of model {Model} byte for byte; skipped.", run.Source, run.Name.Version, run.Name.Model);
        await AppendAsync(run, RegistryEventKinds.SkippedDuplicate, DeploymentSteps.VersionCheck, reason, null, cancellationToken).ConfigureAwait(false);
        return new DeploymentOutcome
        {
            Status = DeploymentStatus.Skipped,
            Source = run.Source,
            Model = run.Name.Model,
            Version = run.Name.Version,
            Sha256 = run.Sha256,
            SizeBytes = run.SizeBytes,
            Step = DeploymentSteps.VersionCheck,
            Reason = reason,
            Duration = Stopwatch.GetElapsedTime(run.Started),
        };
    }

    private DeploymentOutcome Superseded(DeploymentRun run, string reason)
    {
        _logger.LogInformation("Upload {Source} skipped: {Reason}", run.Source, reason);
        return new DeploymentOutcome
        {
            Status = DeploymentStatus.Skipped,
            Source = run.Source,
            Model = run.Name.Model,
            Version = run.Name.Version,
            Step = DeploymentSteps.Hash,
            Reason = reason,
            Duration = Stopwatch.GetElapsedTime(run.Started),
        };
    }

    private Task AppendAsync(DeploymentRun run, string kind, string step, string? reason, JObject? details, CancellationToken cancellationToken) =>
        _events.AppendAsync(new RegistryEvent
        {
            Time = _time.GetUtcNow(),
            Model = run.Name.Model,
            Version = run.Name.Version,
            Kind = kind,
            Sha256 = run.Sha256,
            SizeBytes = run.SizeBytes,
            Source = run.Source,
            Step = step,
            Reason = reason,
            Details = details,
        }, cancellationToken);

    /// <summary>
    /// Runs a step that works on the package alone (no storage): anything it throws is a problem of the
    /// package, so it becomes a refusal of that step, with the exception's message.
    /// </summary>
    private static T Content<T>(DeploymentRun run, string step, Func<T> body, Func<T, string>? detail, bool record = true)
    {
        long started = Stopwatch.GetTimestamp();
        T result;
        try
        {
            result = body();
        }
        catch (DeploymentRefusedException)
        {
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new DeploymentRefusedException(step, $"Step {step} failed: {e.Message}", e);
        }

        if (record)
        {
            run.Pass(step, started, detail?.Invoke(result));
        }

        return result;
    }

    private OnnxModel LoadOnnx(DeploymentRun run, byte[] onnx, ModelPackage package)
    {
        CheckExternalDataInPackage(onnx, package);
        try
        {
            return OnnxModel.Load(run.Name.Model, run.Name.Version, onnx, _serving, package.ExternalDataDirectory);
        }
        catch (ExternalDataException e)
        {
            throw new DeploymentRefusedException(DeploymentSteps.Load, e.Message, e);
        }
        catch (OnnxRuntimeException e)
        {
            throw new DeploymentRefusedException(DeploymentSteps.Load,
                $"ONNX Runtime cannot load {RegistryPaths.ModelFileName}: {e.Message.TrimEnd('.')}. " +
                "Check that the file is an ONNX model (not zipped, not truncated) and that its operators and opsets are supported by ONNX Runtime.", e);
        }
    }

    /// <summary>
    /// Refuses a model whose external-data locations are not plain names, or name files the package does not
    /// hold, with what to do about it; before ONNX Runtime opens any file.
    /// </summary>
    private static void CheckExternalDataInPackage(byte[] onnx, ModelPackage package)
    {
        IReadOnlyList<ExternalDataReference> references;
        try
        {
            references = ExternalDataReferences.Read(onnx);
        }
        catch (ExternalDataException e)
        {
            throw new DeploymentRefusedException(DeploymentSteps.Load, e.Message, e);
        }
        catch (InvalidDataException)
        {
            return; // not protobuf: ONNX Runtime refuses it next, with its own message
        }

        var missing = references.FirstOrDefault(r => !package.ExternalDataFiles.Contains(r.Location, StringComparer.Ordinal));
        if (missing is null)
        {
            return;
        }

        string start = $"Tensor '{missing.Tensor}' of {RegistryPaths.ModelFileName} keeps its data in the external file '{missing.Location}', ";
        throw new DeploymentRefusedException(DeploymentSteps.Load, package.ExternalDataDirectory is null
            ? start + $"but a bare .onnx upload carries no other file: upload a .zip holding {RegistryPaths.ModelFileName} and its external-data files."
            : start + $"which the package does not hold (its external-data files: {(package.ExternalDataFiles.Count == 0 ? "none" : string.Join(", ", package.ExternalDataFiles))}): " +
                $"add '{missing.Location}' {ModelPackage.ExternalDataNaming}.");
    }

    private async Task<ModelSignature?> ProductionSignatureAsync(string model, string production, CancellationToken cancellationToken)
    {
        var validation = await _store.DownloadVersionFileAsync(model, production, ValidationReport.FileName, cancellationToken).ConfigureAwait(false);
        if (validation is not null)
        {
            try
            {
                var stored = JsonConvert.DeserializeObject<ValidationReport>(validation.ToString());
                if (stored is { Signature.Inputs.Count: > 0 })
                {
                    return stored.Signature.ToSignature();
                }
            }
            catch (JsonException e)
            {
                _logger.LogWarning(e, "validation.json of model {Model} version {Version} is not readable; reading the signature from its model.", model, production);
            }
        }

        // Versions registered without validation.json (published directly): read the graph itself.
        var onnx = await _store.DownloadVersionFileAsync(model, production, RegistryPaths.ModelFileName, cancellationToken).ConfigureAwait(false);
        if (onnx is null)
        {
            return null;
        }

        try
        {
            using var loaded = OnnxModel.Load(model, production, onnx.ToArray(), _serving);
            return loaded.Signature;
        }
        catch (Exception e) when (e is OnnxRuntimeException or ExternalDataException)
        {
            // A directly published model with external data: its files are not read for a mere comparison.
            _logger.LogWarning(e, "Production model {Model} version {Version} does not load; its signature is not compared.", model, production);
            return null;
        }
    }

    private async Task<string> DownloadAndHashAsync(BlobClient upload, ETag etag, string path, CancellationToken cancellationToken)
    {
        var response = await upload.DownloadStreamingAsync(new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = etag } }, cancellationToken).ConfigureAwait(false);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var content = response.Value.Content;
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        byte[] buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total > _options.MaxPackageBytes)
            {
                throw new DeploymentRefusedException(DeploymentSteps.Size, $"The blob is over the limit of {_options.MaxPackageBytes} bytes.");
            }

            hash.AppendData(buffer, 0, read);
            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private async Task UploadFileAsync(string blobName, string path, string contentType, string? sha256, CancellationToken cancellationToken)
    {
        var options = new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } };
        if (sha256 is not null)
        {
            options.Metadata = new Dictionary<string, string> { ["sha256"] = sha256 };
        }

        await _store.Container.GetBlobClient(blobName).UploadAsync(path, options, cancellationToken).ConfigureAwait(false);
    }

    private async Task UploadTextAsync(string blobName, string text, CancellationToken cancellationToken) =>
        await _store.Container.GetBlobClient(blobName).UploadAsync(BinaryData.FromString(text),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } }, cancellationToken).ConfigureAwait(false);

    /// <summary>Loads the new version into this instance's session cache, so its first request does not wait for the load.</summary>
    private async Task WarmUpAsync(string model, string version, CancellationToken cancellationToken)
    {
        if (_sessions is null)
        {
            return;
        }

        try
        {
            using var lease = await _sessions.AcquireAsync(model, version, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The version is deployed; a failed warm-up only means its first request loads it.
            _logger.LogWarning(e, "Warm-up of model {Model} version {Version} failed; it loads on its first request instead.", model, version);
        }
    }

    private void Notify(Action<IDeploymentObserver> notify)
    {
        foreach (var observer in _observers)
        {
            try
            {
                notify(observer);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Deployment observer {Observer} failed.", observer.GetType().Name);
            }
        }
    }

    private void DeleteQuietly(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException e)
        {
            _logger.LogWarning(e, "Could not delete the deployment's working folder {Directory}.", directory);
        }
        catch (UnauthorizedAccessException e)
        {
            _logger.LogWarning(e, "Could not delete the deployment's working folder {Directory}.", directory);
        }
    }

    /// <summary>One deployment in progress: the upload, what is known of it so far, and its step results.</summary>
    private sealed class DeploymentRun(UploadName name, string source, DateTimeOffset startedUtc)
    {
        public UploadName Name { get; } = name;

        public string Source { get; } = source;

        public DateTimeOffset StartedUtc { get; } = startedUtc;

        public long Started { get; } = Stopwatch.GetTimestamp();

        public string? Sha256 { get; set; }

        public long? SizeBytes { get; set; }

        /// <summary>True once this upload holds the version's "validating" claim in the record.</summary>
        public bool Claimed { get; set; }

        public List<StepResult> Steps { get; } = [];

        public void Pass(string step, long startedTimestamp, string? detail) => Steps.Add(new StepResult
        {
            Step = step,
            Outcome = StepOutcomes.Passed,
            DurationMs = startedTimestamp == 0 ? 0 : Math.Round(Stopwatch.GetElapsedTime(startedTimestamp).TotalMilliseconds, 1),
            Detail = detail,
        });

        public void Skip(string step, string detail) => Steps.Add(new StepResult { Step = step, Outcome = StepOutcomes.Skipped, Detail = detail });

        public void Fail(string step, string detail) => Steps.Add(new StepResult { Step = step, Outcome = StepOutcomes.Failed, Detail = detail });
    }
}
