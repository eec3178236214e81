namespace ServerlessML.Deployment;

/// <summary>
/// An upload that cannot become a version, for a reason in the upload itself (never a storage outage):
/// recorded as failed, not retried.
/// </summary>
public sealed class DeploymentRefusedException : Exception
{
    public DeploymentRefusedException(string step, string message, Exception? inner = null)
        : base(message, inner)
    {
        Step = step;
    }

    /// <summary>One of <see cref="DeploymentSteps"/>.</summary>
    public string Step { get; }
}
