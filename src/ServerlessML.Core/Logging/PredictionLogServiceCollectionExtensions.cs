using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ServerlessML.Inference;

namespace ServerlessML.Logging;

public static class PredictionLogServiceCollectionExtensions
{
    /// <summary>
    /// Registers the prediction log (an <see cref="IPredictionObserver"/> of the serving path), its
    /// writer, the feedback API and both readers. The host runs <see cref="PredictionLogWriter.RunAsync"/>
    /// in the background and calls <see cref="PredictionLog.Complete"/> at shutdown; it may register an
    /// <see cref="IPredictionLogMetrics"/>. Expects the model storage <see cref="Azure.Storage.Blobs.BlobServiceClient"/>
    /// and the serving services (<see cref="ServingServiceCollectionExtensions.AddModelServing"/>).
    /// </summary>
    public static IServiceCollection AddPredictionLog(this IServiceCollection services)
    {
        services.AddOptions<PredictionLogOptions>();
        services.AddOptions<FeedbackOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => LogBlobSequence.ForThisProcess(
            sp.GetRequiredService<IOptions<PredictionLogOptions>>().Value.InstanceName, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<PredictionLog>();
        services.AddSingleton<IPredictionObserver>(sp => sp.GetRequiredService<PredictionLog>());
        services.AddSingleton<PredictionLogWriter>();
        services.AddSingleton<PredictionLogReader>();
        services.AddSingleton<FeedbackService>();
        services.AddSingleton<FeedbackReader>();
        return services;
    }
}
