using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessML.Registry;

namespace ServerlessML.Inference;

public static class ServingServiceCollectionExtensions
{
    /// <summary>
    /// Registers the serving services. Expects a <see cref="Azure.Storage.Blobs.BlobServiceClient"/> for
    /// the model storage account and <see cref="ServingOptions"/> configured by the host.
    /// </summary>
    public static IServiceCollection AddModelServing(this IServiceCollection services)
    {
        services.AddOptions<ServingOptions>();
        services.AddSingleton<RegistryStore>();
        services.AddSingleton(sp => new RecordCache(sp.GetRequiredService<RegistryStore>(), sp.GetRequiredService<IOptions<ServingOptions>>().Value.RecordRefreshInterval));
        services.AddSingleton<ModelRouter>();
        services.AddSingleton(sp => new ModelLoader(sp.GetRequiredService<RegistryStore>(), sp.GetRequiredService<IOptions<ServingOptions>>().Value));
        services.AddSingleton(sp =>
        {
            var loader = sp.GetRequiredService<ModelLoader>();
            return new SessionCache(
                sp.GetRequiredService<IOptions<ServingOptions>>().Value,
                loader.LoadAsync,
                sp.GetRequiredService<ILogger<SessionCache>>());
        });
        services.AddSingleton<InferenceService>();
        services.AddSingleton<TrafficSwitch>();
        services.AddSingleton<ModelCatalog>();
        return services;
    }
}
