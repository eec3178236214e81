namespace ServerlessML.Deployment;

/// <summary>Limits of the deployment pipeline; bound from the "Deployment" configuration section.</summary>
public sealed class DeploymentOptions
{
    public const string SectionName = "Deployment";

    /// <summary>Largest uploaded blob (.onnx or .zip) accepted.</summary>
    public long MaxPackageBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Largest total size of the files unpacked from a .zip, counted as they are written (a zip's headers may lie).</summary>
    public long MaxUnpackedBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Most entries in a .zip; a package has a handful of files.</summary>
    public int MaxZipEntries { get; set; } = 64;

    /// <summary>Most data rows of reference.csv; a drift baseline needs a sample, not all the training data.</summary>
    public int MaxReferenceRows { get; set; } = 1_000_000;

    /// <summary>Absolute tolerance of the smoke test's number comparison, unless smoke/expected.json sets its own.</summary>
    public double SmokeTestAbsoluteTolerance { get; set; } = 1e-4;

    /// <summary>Relative tolerance of the smoke test's number comparison, unless smoke/expected.json sets its own.</summary>
    public double SmokeTestRelativeTolerance { get; set; } = 1e-4;

    /// <summary>
    /// How long a version may stay "validating" before another upload of it may take over: longer than the
    /// function timeout, so only a deployment that died mid-way (not one still running) is taken over.
    /// </summary>
    public TimeSpan ValidatingClaimTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Where packages are downloaded and unpacked; the system's temporary folder when null.</summary>
    public string? WorkingDirectory { get; set; }
}
