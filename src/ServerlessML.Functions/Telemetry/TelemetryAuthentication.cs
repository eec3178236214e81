using Azure.Identity;
using Microsoft.ApplicationInsights.Extensibility;

namespace ServerlessML.Functions.Telemetry;

/// <summary>
/// Application Insights with local authentication off accepts only Entra ID tokens. The Functions
/// host reads APPLICATIONINSIGHTS_AUTHENTICATION_STRING itself; the worker's SDK does not, so this
/// applies the same setting ("Authorization=AAD;ClientId=...") to the worker's telemetry.
/// </summary>
public static class TelemetryAuthentication
{
    public const string Setting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    public static void Apply(TelemetryConfiguration configuration, string? authenticationString)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (string.IsNullOrWhiteSpace(authenticationString))
        {
            return;
        }

        var parts = authenticationString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var kind) || !kind.Equals("AAD", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        configuration.SetAzureTokenCredential(parts.TryGetValue("ClientId", out var clientId)
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned));
    }
}
