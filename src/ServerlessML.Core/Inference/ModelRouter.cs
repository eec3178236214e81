using ServerlessML.Registry;

namespace ServerlessML.Inference;

/// <summary>Which version answers a request, and why.</summary>
public enum RouteKind
{
    /// <summary>The caller named the version.</summary>
    Explicit,

    /// <summary>The record's production version.</summary>
    Production,

    /// <summary>The canary version, for its share of the requests without a version.</summary>
    Canary,

    /// <summary>A copy of a production request sent to the shadow version; its answer is logged, never returned.</summary>
    Shadow,
}

/// <summary>The version that answers, why, and the shadow version that gets a copy of the request, if any.</summary>
public sealed record ModelRoute(string Model, string Version, RouteKind Kind, string? ShadowVersion = null);

/// <summary>
/// Resolves a model name and optional version to the version that serves the request, through the
/// model's record: an explicit version must be ready; otherwise the canary takes its share (by a
/// stable hash of the routing key when one is sent, so one caller sees one version, else at random)
/// and the production version the rest; a shadow version gets a copy of non-explicit requests.
/// </summary>
public sealed class ModelRouter
{
    private readonly RecordCache _records;

    public ModelRouter(RecordCache records) => _records = records;

    public async Task<ModelRoute> RouteAsync(string model, string? version, string? routingKey = null, CancellationToken cancellationToken = default)
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

        var traffic = record.Traffic;
        string production = traffic.Production
            ?? throw new ServingException(ServingErrorCode.NotFound, $"Model '{model}' has no production version yet; its versions are {VersionList(record)}.");
        string? shadow = traffic.Shadow is { } s && s != production ? s : null;
        if (traffic.Canary is { Percent: > 0 } canary && canary.Version != production && TakesCanary(model, routingKey, canary.Percent))
        {
            return new ModelRoute(model, canary.Version, RouteKind.Canary, shadow);
        }

        return new ModelRoute(model, production, RouteKind.Production, shadow);
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

    /// <summary>
    /// Whether a request goes to the canary. With a routing key the answer is a stable function of
    /// (model, key), so a caller stays on one version while the share is unchanged.
    /// </summary>
    public static bool TakesCanary(string model, string? routingKey, double percent)
    {
        if (percent >= 100)
        {
            return true;
        }

        if (routingKey is null)
        {
            return Random.Shared.NextDouble() * 100 < percent;
        }

        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{model}\n{routingKey}"), hash);
        // The first 4 bytes as a number in [0, 10000): hundredths of a percent.
        uint bucket = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(hash) % 10_000;
        return bucket < percent * 100;
    }

    private static string VersionList(ModelRecord record) =>
        record.Versions.Count == 0 ? "none" : string.Join(", ", record.Versions.Select(v => $"'{v.Version}' ({v.State})"));
}
