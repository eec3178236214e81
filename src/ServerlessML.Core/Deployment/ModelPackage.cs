using System.IO.Compression;
using System.Text.RegularExpressions;
using ServerlessML.Registry;

namespace ServerlessML.Deployment;

/// <summary>
/// An uploaded package on local disk, unpacked: model.onnx and whatever else a .zip brought. A .zip
/// entry is never used as a path; only the allowed names are accepted, each written to a file name
/// chosen here, so no entry can reach outside the package folder.
/// </summary>
public sealed partial class ModelPackage
{
    public const string ReferenceFileName = "reference.csv";
    public const string SmokeRequestName = "smoke/request.json";
    public const string SmokeExpectedName = "smoke/expected.json";

    private static readonly string[] ExternalDataExtensions = [".data", ".bin", ".onnx_data", ".weights"];

    private ModelPackage(string directory, string modelPath)
    {
        Directory = directory;
        ModelPath = modelPath;
    }

    /// <summary>The folder the package was unpacked into.</summary>
    public string Directory { get; }

    public string ModelPath { get; }

    /// <summary>serverlessml.json, when the package has one.</summary>
    public string? ManifestPath { get; private set; }

    public string? ReferencePath { get; private set; }

    public string? SmokeRequestPath { get; private set; }

    public string? SmokeExpectedPath { get; private set; }

    /// <summary>External-data files of model.onnx, by their names in the package (the top folder).</summary>
    public IReadOnlyList<string> ExternalDataFiles { get; private set; } = [];

    /// <summary>The folder holding the external-data files (and nothing else), where ONNX Runtime reads them; null for a bare .onnx upload.</summary>
    public string? ExternalDataDirectory { get; private set; }

    /// <summary>The names of all files in the package, as the package lists them.</summary>
    public IReadOnlyList<string> Files { get; private set; } = [];

    public long UnpackedBytes { get; private set; }

    /// <summary>A bare .onnx upload: the downloaded file is the model.</summary>
    public static ModelPackage FromOnnx(string packageFile)
    {
        ArgumentNullException.ThrowIfNull(packageFile);
        if (StartsWithZipSignature(packageFile))
        {
            throw new DeploymentRefusedException(DeploymentSteps.Unpack,
                "The .onnx blob is a zip archive: upload a package as {model}/{version}.zip, or upload the bare model.onnx as {model}/{version}.onnx.");
        }

        return new ModelPackage(Path.GetDirectoryName(packageFile)!, packageFile)
        {
            Files = [RegistryPaths.ModelFileName],
            UnpackedBytes = new FileInfo(packageFile).Length,
        };
    }

    /// <summary>Checks every entry of a .zip and unpacks the allowed ones into <paramref name="directory"/>.</summary>
    public static ModelPackage FromZip(string packageFile, string directory, DeploymentOptions options)
    {
        ArgumentNullException.ThrowIfNull(packageFile);
        ArgumentNullException.ThrowIfNull(options);
        System.IO.Directory.CreateDirectory(directory);
        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(packageFile);
        }
        catch (InvalidDataException e)
        {
            throw Refused($"The .zip blob is not a zip archive ({e.Message}): build it with any zip tool, holding model.onnx at its top level.", e);
        }

        using (archive)
        {
            if (archive.Entries.Count > options.MaxZipEntries)
            {
                throw Refused($"The zip has {archive.Entries.Count} entries, more than the limit of {options.MaxZipEntries}: a package holds {AllowedNames}.");
            }

            var files = new List<(ZipArchiveEntry Entry, string Target)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var external = new List<string>();
            foreach (var entry in archive.Entries)
            {
                string name = CheckEntryName(entry.FullName);
                if (!seen.Add(name))
                {
                    throw Refused($"The zip holds '{name}' twice: each file may appear once.");
                }

                if (name.EndsWith('/'))
                {
                    continue; // the "smoke/" folder entry that zip tools add
                }

                string target = name switch
                {
                    RegistryPaths.ModelFileName or RegistryPaths.ManifestFileName or ReferenceFileName => name,
                    SmokeRequestName => "smoke-request.json",
                    SmokeExpectedName => "smoke-expected.json",
                    _ => "external/" + name,
                };
                if (target.StartsWith("external/", StringComparison.Ordinal))
                {
                    external.Add(name);
                }

                files.Add((entry, target));
            }

            if (!seen.Contains(RegistryPaths.ModelFileName))
            {
                string? nested = seen.FirstOrDefault(n => n.EndsWith("/" + RegistryPaths.ModelFileName, StringComparison.Ordinal));
                throw Refused(nested is null
                    ? $"The zip has no {RegistryPaths.ModelFileName}: it holds {Listing(seen)}; put the model at the top level as {RegistryPaths.ModelFileName}."
                    : $"The zip holds '{nested}', but {RegistryPaths.ModelFileName} must be at the top level of the zip: zip the files, not the folder that holds them.");
            }

            if (seen.Contains(SmokeExpectedName) && !seen.Contains(SmokeRequestName))
            {
                throw Refused($"The zip has {SmokeExpectedName} but no {SmokeRequestName}: the smoke test needs the request to run.");
            }

            System.IO.Directory.CreateDirectory(Path.Combine(directory, "external"));
            long total = 0;
            foreach (var (entry, target) in files)
            {
                if (entry.Length > options.MaxUnpackedBytes - total)
                {
                    throw Refused($"The zip unpacks to more than the limit of {options.MaxUnpackedBytes} bytes ('{entry.FullName}' alone declares {entry.Length}).");
                }

                total += Extract(entry, Path.Combine(directory, target), options.MaxUnpackedBytes - total, options.MaxUnpackedBytes);
            }

            var package = new ModelPackage(directory, Path.Combine(directory, RegistryPaths.ModelFileName))
            {
                Files = files.Select(f => f.Entry.FullName).ToList(),
                ExternalDataFiles = external,
                ExternalDataDirectory = Path.Combine(directory, "external"),
                UnpackedBytes = total,
            };
            package.ManifestPath = seen.Contains(RegistryPaths.ManifestFileName) ? Path.Combine(directory, RegistryPaths.ManifestFileName) : null;
            package.ReferencePath = seen.Contains(ReferenceFileName) ? Path.Combine(directory, ReferenceFileName) : null;
            package.SmokeRequestPath = seen.Contains(SmokeRequestName) ? Path.Combine(directory, "smoke-request.json") : null;
            package.SmokeExpectedPath = seen.Contains(SmokeExpectedName) ? Path.Combine(directory, "smoke-expected.json") : null;
            return package;
        }
    }

    /// <summary>The local file of an external-data file, by its name in the package.</summary>
    public string ExternalDataPath(string name) => Path.Combine(Directory, "external", name);

    /// <summary>Where and how external-data files go in a package, for messages.</summary>
    internal static string ExternalDataNaming =>
        $"at the top level of the zip, beside {RegistryPaths.ModelFileName}, with a name ending in {string.Join(", ", ExternalDataExtensions)}";

    private static string AllowedNames =>
        $"{RegistryPaths.ModelFileName}, {RegistryPaths.ManifestFileName}, {ReferenceFileName}, {SmokeRequestName}, {SmokeExpectedName} " +
        $"and external-data files of the model at the top level (names ending in {string.Join(", ", ExternalDataExtensions)})";

    /// <summary>Refuses any entry name that could point outside the package, then any name that is not allowed.</summary>
    private static string CheckEntryName(string name)
    {
        if (name.Length == 0)
        {
            throw Refused("The zip has an entry with an empty name.");
        }

        if (name.Contains('\\', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
        {
            throw Refused($"Zip entry '{name}' has a backslash or NUL in its name: entry names use '/' between folders.");
        }

        if (name.StartsWith('/') || (name.Length >= 2 && name[1] == ':'))
        {
            throw Refused($"Zip entry '{name}' is an absolute path: entries must be relative to the top of the zip.");
        }

        string[] segments = name.TrimEnd('/').Split('/');
        if (segments.Any(s => s is ".." or "." or ""))
        {
            throw Refused($"Zip entry '{name}' points outside the package (path traversal): entries must be relative paths without '.', '..' or empty folder names.");
        }

        if (name is RegistryPaths.ModelFileName or RegistryPaths.ManifestFileName or ReferenceFileName or SmokeRequestName or SmokeExpectedName or "smoke/")
        {
            return name;
        }

        if (segments.Length == 1 && ExternalDataName().IsMatch(name)
            && ExternalDataExtensions.Any(x => name.EndsWith(x, StringComparison.OrdinalIgnoreCase)))
        {
            return name;
        }

        if (name.EndsWith("/" + RegistryPaths.ModelFileName, StringComparison.Ordinal))
        {
            throw Refused($"Zip entry '{name}' is in a folder, but {RegistryPaths.ModelFileName} must be at the top level of the zip: zip the files, not the folder that holds them.");
        }

        throw Refused($"Zip entry '{name}' is not part of a model package: a package holds only {AllowedNames}.");
    }

    private static long Extract(ZipArchiveEntry entry, string path, long budget, long limit)
    {
        try
        {
            using var source = entry.Open();
            using var target = File.Create(path);
            byte[] buffer = new byte[81920];
            long written = 0;
            int read;
            while ((read = source.Read(buffer, 0, buffer.Length)) > 0)
            {
                written += read;
                if (written > budget)
                {
                    throw Refused($"The zip unpacks to more than the limit of {limit} bytes: '{entry.FullName}' decompresses past it.");
                }

                target.Write(buffer, 0, read);
            }

            return written;
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException)
        {
            throw Refused($"Zip entry '{entry.FullName}' cannot be unpacked ({e.Message}): use plain deflate or stored entries, without encryption.", e);
        }
    }

    private static bool StartsWithZipSignature(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var file = File.OpenRead(path);
        return file.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4;
    }

    private static string Listing(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 0 ? "no files" : string.Join(", ", list.Select(n => $"'{n}'"));
    }

    private static DeploymentRefusedException Refused(string message, Exception? inner = null) => new(DeploymentSteps.Unpack, message, inner);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex ExternalDataName();
}
