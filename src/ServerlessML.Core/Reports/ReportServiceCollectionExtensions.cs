using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessML.Inference;
using ServerlessML.Logging;
using ServerlessML.Registry;

namespace ServerlessML.Reports;

public static class ReportServiceCollectionExtensions
{
    /// <summary>
    /// Registers the monitoring report (<see cref="ReportGenerator"/>). Expects the model storage
    /// <see cref="Azure.Storage.Blobs.BlobServiceClient"/>, the registry and the prediction log readers
    /// (<see cref="PredictionLogServiceCollectionExtensions.AddPredictionLog"/>); the host may register
    /// <see cref="IReportObserver"/>s.
    /// </summary>
    public static IServiceCollection AddMonitoringReports(this IServiceCollection services)
    {
        services.AddOptions<ReportOptions>();
        services.TryAddSingleton(sp => new RegistryStore(sp.GetRequiredService<Azure.Storage.Blobs.BlobServiceClient>()));
        services.TryAddSingleton<PredictionLogReader>();
        services.TryAddSingleton<FeedbackReader>();
        services.AddSingleton<ReportGenerator>();
        return services;
    }
}
