namespace ServerlessML.Deployment;

/// <summary>The steps of a deployment, in order; a failure names the step it happened in.</summary>
public static class DeploymentSteps
{
    /// <summary>The blob's name: models/{model}/{version}.onnx or .zip, with allowed names.</summary>
    public const string Name = "name";

    /// <summary>The blob's size against <see cref="DeploymentOptions.MaxPackageBytes"/>.</summary>
    public const string Size = "size";

    /// <summary>SHA-256 of the blob, computed while it downloads.</summary>
    public const string Hash = "hash";

    /// <summary>Versions are immutable: a repeat is skipped, changed content for a registered version refused.</summary>
    public const string VersionCheck = "version-check";

    /// <summary>A .zip's entries, checked and unpacked.</summary>
    public const string Unpack = "unpack";

    /// <summary>model.onnx loaded into an ONNX Runtime session.</summary>
    public const string Load = "load";

    /// <summary>serverlessml.json read, validated and checked against the graph.</summary>
    public const string Manifest = "manifest";

    /// <summary>The signature compared with the production version's.</summary>
    public const string Signature = "signature";

    /// <summary>smoke/request.json run through the serving code and compared with smoke/expected.json.</summary>
    public const string SmokeTest = "smoke-test";

    /// <summary>reference.csv profiled into reference-profile.json.</summary>
    public const string ReferenceProfile = "reference-profile";

    /// <summary>The files written into registry/{model}/versions/{version}/.</summary>
    public const string Copy = "copy";

    /// <summary>record.json: the version marked ready and its rollout applied.</summary>
    public const string Register = "register";
}
