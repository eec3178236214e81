using Newtonsoft.Json;
using ServerlessML.Inference;

namespace ServerlessML.Registry;

/// <summary>One line of the model list: the model and where its traffic goes.</summary>
public sealed record ModelSummary(
    [property: JsonProperty("name")] string Name,
    [property: JsonProperty("traffic")] TrafficPolicy Traffic,
    [property: JsonProperty("versions")] int Versions,
    [property: JsonProperty("ready")] int Ready,
    [property: JsonProperty("failed")] int Failed);

/// <summary>Reads the registry for the management API: the models, and one model's record.</summary>
public sealed class ModelCatalog
{
    private readonly RegistryStore _store;
    private readonly RegistryEvents _events;

    public ModelCatalog(RegistryStore store)
    {
        _store = store;
        _events = new RegistryEvents(store);
    }

    public async Task<IReadOnlyList<ModelSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        var models = new List<ModelSummary>();
        await foreach (string model in _store.ListModelsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await _store.ReadRecordAsync(model, cancellationToken).ConfigureAwait(false) is { Record: var record })
            {
                models.Add(new ModelSummary(model, record.Traffic, record.Versions.Count,
                    record.Versions.Count(v => v.State == ModelVersionStates.Ready),
                    record.Versions.Count(v => v.State == ModelVersionStates.Failed)));
            }
        }

        return models;
    }

    public async Task<ModelRecord> GetAsync(string model, CancellationToken cancellationToken = default)
    {
        if (ModelNames.IsValidModel(model) && await _store.ReadRecordAsync(model, cancellationToken).ConfigureAwait(false) is { Record: var record })
        {
            return record;
        }

        throw new ServingException(ServingErrorCode.NotFound, $"There is no model '{model}'.");
    }

    /// <summary>The model's deployment and traffic history, oldest first.</summary>
    public async Task<IReadOnlyList<RegistryEvent>> EventsAsync(string model, CancellationToken cancellationToken = default)
    {
        // Refuse names that are not models, so the rejected-uploads folder is not listed by accident.
        await GetAsync(model, cancellationToken).ConfigureAwait(false);
        return await _events.ListAsync(model, cancellationToken).ConfigureAwait(false);
    }
}
