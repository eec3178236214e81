using System.Globalization;
using Microsoft.ApplicationInsights;
using ServerlessML.Deployment;

namespace ServerlessML.Functions.Deployment
{
    /// <summary>
    /// Sends every deployment's end to Application Insights as a custom event: <c>ModelDeployed</c> or
    /// <c>ModelDeploymentFailed</c> (the Bicep alert rule fires on the latter), with the model, version,
    /// step and reason as properties, and the duration as a metric.
    /// </summary>
    public sealed class DeploymentTelemetry(TelemetryClient telemetry) : IDeploymentObserver
    {
        public const string DeployedEvent = "ModelDeployed";
        public const string FailedEvent = "ModelDeploymentFailed";

        public void OnDeployed(DeploymentOutcome outcome)
        {
            ArgumentNullException.ThrowIfNull(outcome);
            var properties = Properties(outcome);
            properties["Strategy"] = outcome.Strategy ?? "";
            properties["Traffic"] = outcome.Traffic ?? "";
            properties["BreakingChanges"] = string.Join(" | ", outcome.BreakingChanges);
            telemetry.TrackEvent(DeployedEvent, properties, Metrics(outcome));
        }

        public void OnFailed(DeploymentOutcome outcome)
        {
            ArgumentNullException.ThrowIfNull(outcome);
            var properties = Properties(outcome);
            properties["Step"] = outcome.Step ?? "";
            properties["Reason"] = outcome.Reason ?? "";
            telemetry.TrackEvent(FailedEvent, properties, Metrics(outcome));
        }

        private static Dictionary<string, string> Properties(DeploymentOutcome outcome) => new()
        {
            ["Model"] = outcome.Model,
            ["Version"] = outcome.Version ?? "",
            ["Source"] = outcome.Source,
            ["Sha256"] = outcome.Sha256 ?? "",
            ["SizeBytes"] = outcome.SizeBytes?.ToString(CultureInfo.InvariantCulture) ?? "",
        };

        private static Dictionary<string, double> Metrics(DeploymentOutcome outcome) => new()
        {
            ["DurationMs"] = outcome.Duration.TotalMilliseconds,
            ["BreakingChanges"] = outcome.BreakingChanges.Count,
        };
    }
}

namespace Microsoft.Extensions.DependencyInjection
{
    using ServerlessML.Deployment;
    using ServerlessML.Functions.Deployment;

    // In the DI namespace (as Microsoft's own Add* methods are) so Program.cs needs one line and no using.
    public static class ModelDeploymentServiceCollectionExtensions
    {
        /// <summary>
        /// Registers the deployment pipeline behind <see cref="DeployModel"/>, binds <see cref="DeploymentOptions"/>
        /// to the "Deployment" configuration section (app settings <c>Deployment__MaxPackageBytes</c>, ...),
        /// and sends deployment events to Application Insights.
        /// </summary>
        public static IServiceCollection AddModelDeployment(this IServiceCollection services)
        {
            services.AddDeploymentPipeline();
            services.AddOptions<DeploymentOptions>().BindConfiguration(DeploymentOptions.SectionName);
            services.AddSingleton<IDeploymentObserver, DeploymentTelemetry>();
            return services;
        }
    }
}
