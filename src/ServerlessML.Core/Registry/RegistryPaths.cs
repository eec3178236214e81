namespace ServerlessML.Registry;

/// <summary>Containers and blob paths of design section 3; the one place that builds them.</summary>
public static class RegistryPaths
{
    public const string ModelsContainer = "models";
    public const string RegistryContainer = "registry";
    public const string PredictionsContainer = "predictions";
    public const string FeedbackContainer = "feedback";
    public const string ReportsContainer = "reports";

    public const string ModelFileName = "model.onnx";
    public const string ManifestFileName = "serverlessml.json";

    public static string Record(string model) => $"{Checked(model)}/record.json";

    public static string VersionFolder(string model, string version) => $"{Checked(model)}/versions/{CheckedVersion(version)}/";

    public static string VersionModel(string model, string version) => VersionFolder(model, version) + ModelFileName;

    public static string VersionManifest(string model, string version) => VersionFolder(model, version) + ManifestFileName;

    private static string Checked(string model) =>
        ModelNames.IsValidModel(model) ? model : throw new ArgumentException($"Model name '{model}' does not match {ModelNames.ModelPattern}.", nameof(model));

    private static string CheckedVersion(string version) =>
        ModelNames.IsValidVersion(version) ? version : throw new ArgumentException($"Model version '{version}' does not match {ModelNames.VersionPattern}.", nameof(version));
}
