using ServerlessML.Registry;

namespace ServerlessML.Inference;

/// <summary>Which version answers a request, and why.</summary>
public enum RouteKind
{
    /// <summary>The caller named the version.</summary>
    Explicit,

    /// <summary>The record's production version.</summary>
    Production,
}

public sealed record ModelRoute(string Model, string Version, RouteKind Kind);

/// <summary>
/// Resolves a model name and optional version to the version that serves the request, through the
/// model's record: an explicit version must be ready; otherwise the production version answers.
/// </summary>
public sealed class ModelRouter
{
    private readonly RecordCache _records;

    public ModelRouter(RecordCache records) => _records = records;

    public async Task<ModelRoute> RouteAsync(string model, string? version, CancellationToken cancellationToken = default)
    {
        var record = await GetRecordAsync(model, cancellationToken).ConfigureAwait(false);
        if (version is not null)
        {
            if (!ModelNames.IsValidVersion(version))
            {
                throw ServingException.BadRequest($"Version '{version}' is not a valid version: expected {ModelNames.VersionPattern}.");
            }

            var entry = record.FindVersion(version)
                ?? throw new ServingException(ServingErrorCode.NotFound, $"Model '{model}' has no version '{version}'; its versions are {VersionList(record)}.");
            return entry.State == ModelVersionStates.Ready
                ? new ModelRoute(model, version, RouteKind.Explicit)
                : throw new ServingException(ServingErrorCode.NotFound,
                    $"Model '{model}' version '{version}' is {entry.State}{(entry.Reason is null ? "" : $" ({entry.Reason})")}, not ready to serve.");
        }

        string production = record.Traffic.Production
            ?? throw new ServingException(ServingErrorCode.NotFound, $"Model '{model}' has no production version yet; its versions are {VersionList(record)}.");
        return new ModelRoute(model, production, RouteKind.Production);
    }

    public async Task<ModelRecord> GetRecordAsync(string model, CancellationToken cancellationToken = default)
    {
        if (!ModelNames.IsValidModel(model))
        {
            throw new ServingException(ServingErrorCode.NotFound, $"There is no model '{model}': model names match {ModelNames.ModelPattern}.");
        }

        return await _records.GetAsync(model, cancellationToken).ConfigureAwait(false)
            ?? throw new ServingException(ServingErrorCode.NotFound, $"There is no model '{model}': deploy it by uploading models/{model}/{{version}}.onnx.");
    }

    private static string VersionList(ModelRecord record) =>
        record.Versions.Count == 0 ? "none" : string.Join(", ", record.Versions.Select(v => $"'{v.Version}' ({v.State})"));
}
