namespace ServerlessML.Deployment;

public enum DeploymentStatus
{
    /// <summary>The version is registered and ready; its rollout strategy was applied.</summary>
    Deployed,

    /// <summary>The upload repeated a registered version byte for byte (or was superseded by a newer upload of the blob): nothing changed.</summary>
    Skipped,

    /// <summary>The upload was refused; nothing served changed.</summary>
    Failed,
}

/// <summary>What one deployment did, for the trigger's log and the telemetry.</summary>
public sealed record DeploymentOutcome
{
    public required DeploymentStatus Status { get; init; }

    /// <summary>The uploaded blob, as container/name.</summary>
    public required string Source { get; init; }

    /// <summary>The model name, or the refused text when the name was not allowed.</summary>
    public required string Model { get; init; }

    /// <summary>The version; null when the blob name held no valid version.</summary>
    public string? Version { get; init; }

    public string? Sha256 { get; init; }

    public long? SizeBytes { get; init; }

    /// <summary>For a failure, the step that failed; for a skip, the step that decided it.</summary>
    public string? Step { get; init; }

    /// <summary>Why it failed or was skipped.</summary>
    public string? Reason { get; init; }

    /// <summary>The rollout strategy applied (deployed only).</summary>
    public string? Strategy { get; init; }

    /// <summary>The traffic the version got: production, canary (with percent), shadow, or none (manual).</summary>
    public string? Traffic { get; init; }

    public IReadOnlyList<string> BreakingChanges { get; init; } = [];

    public TimeSpan Duration { get; init; }
}

/// <summary>
/// Told of every deployment's end, so the host can send telemetry (the Functions app sends Application
/// Insights events ModelDeployed and ModelDeploymentFailed). An observer's exception is logged, never
/// allowed to change the outcome.
/// </summary>
public interface IDeploymentObserver
{
    void OnDeployed(DeploymentOutcome outcome);

    void OnFailed(DeploymentOutcome outcome);
}
