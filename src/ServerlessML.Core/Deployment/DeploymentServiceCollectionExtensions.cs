using Microsoft.Extensions.DependencyInjection;
using ServerlessML.Registry;

namespace ServerlessML.Deployment;

public static class DeploymentServiceCollectionExtensions
{
    /// <summary>
    /// Registers the deployment pipeline: <see cref="ModelDeployer"/>, the registry event log and
    /// <see cref="DeploymentOptions"/>. Expects the registry services of <c>AddModelServing</c> (or a
    /// <see cref="RegistryStore"/>); it warms the session cache and refreshes the record cache when they
    /// are registered. Add <see cref="IDeploymentObserver"/> implementations for telemetry.
    /// </summary>
    public static IServiceCollection AddDeploymentPipeline(this IServiceCollection services)
    {
        services.AddOptions<DeploymentOptions>();
        services.AddSingleton<RegistryEvents>();
        services.AddSingleton<ModelDeployer>();
        return services;
    }
}
