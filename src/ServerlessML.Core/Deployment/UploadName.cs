using System.Diagnostics.CodeAnalysis;
using ServerlessML.Registry;

namespace ServerlessML.Deployment;

/// <summary>The kind of an uploaded package, from its name's extension.</summary>
public enum PackageKind
{
    /// <summary>A bare ONNX model: the schema comes from the graph, rollout is immediate.</summary>
    Onnx,

    /// <summary>A zip with model.onnx, optional manifest, reference data and smoke test.</summary>
    Zip,
}

/// <summary>An upload's blob name inside the <c>models</c> container, <c>{model}/{version}.onnx</c> or <c>{model}/{version}.zip</c>, once checked.</summary>
public sealed record UploadName(string Model, string Version, PackageKind Kind)
{
    /// <summary>
    /// Splits and checks a blob name. On failure, <paramref name="error"/> says what is wrong, and
    /// <paramref name="model"/> holds the model part if it is an allowed name (so the failure can be
    /// recorded under it), else null.
    /// </summary>
    public static bool TryParse(string blobName, [NotNullWhen(true)] out UploadName? name, out string? model, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(blobName);
        name = null;
        model = null;
        int slash = blobName.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            error = $"Blob '{blobName}' is not inside a model folder: upload it as {{model}}/{{version}}.onnx or {{model}}/{{version}}.zip.";
            return false;
        }

        string modelPart = blobName[..slash];
        string file = blobName[(slash + 1)..];
        if (!ModelNames.IsValidModel(modelPart))
        {
            error = $"Model name '{modelPart}' is not allowed: model names match {ModelNames.ModelPattern} (lower-case letters, digits and '-').";
            return false;
        }

        model = modelPart;
        if (file.Contains('/', StringComparison.Ordinal))
        {
            error = $"Blob '{blobName}' is in a sub-folder of model '{modelPart}': upload it directly as {modelPart}/{{version}}.onnx or .zip.";
            return false;
        }

        PackageKind kind;
        string version;
        if (file.EndsWith(".onnx", StringComparison.Ordinal))
        {
            kind = PackageKind.Onnx;
            version = file[..^".onnx".Length];
        }
        else if (file.EndsWith(".zip", StringComparison.Ordinal))
        {
            kind = PackageKind.Zip;
            version = file[..^".zip".Length];
        }
        else
        {
            error = $"Blob name '{file}' does not end in .onnx or .zip: upload a model as {modelPart}/{{version}}.onnx, or a package as {modelPart}/{{version}}.zip.";
            return false;
        }

        if (!ModelNames.IsValidVersion(version))
        {
            error = $"Version '{version}' (from blob name '{file}') is not allowed: versions match {ModelNames.VersionPattern}.";
            return false;
        }

        name = new UploadName(modelPart, version, kind);
        error = null;
        return true;
    }
}
