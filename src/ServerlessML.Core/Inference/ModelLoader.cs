using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs.Models;
using ServerlessML.Registry;

namespace ServerlessML.Inference;

/// <summary>
/// Loads a served version from the registry's immutable copy: model.onnx, its external-data files when
/// it has any (copied to <see cref="ServingOptions.LocalModelsFolder"/> for ONNX Runtime to read), and,
/// when present, its manifest.
/// </summary>
public sealed class ModelLoader
{
    private readonly RegistryStore _store;
    private readonly ServingOptions _options;

    public ModelLoader(RegistryStore store, ServingOptions options)
    {
        _store = store;
        _options = options;
    }

    public async Task<LoadedModel> LoadAsync(string model, string version, CancellationToken cancellationToken = default)
    {
        var onnx = await _store.DownloadVersionFileAsync(model, version, RegistryPaths.ModelFileName, cancellationToken).ConfigureAwait(false)
            ?? throw new ServingException(ServingErrorCode.Unavailable,
                $"Model '{model}' version '{version}' is in the record but {RegistryPaths.VersionModel(model, version)} is missing from the registry container.",
                _options.FailedLoadRetryDelay);
        var manifestJson = await _store.DownloadVersionFileAsync(model, version, RegistryPaths.ManifestFileName, cancellationToken).ConfigureAwait(false);
        var manifest = manifestJson is null ? null : ModelManifest.Parse(manifestJson.ToString());
        byte[] bytes = onnx.ToArray();
        var files = ExternalFiles(bytes);
        if (files.Count == 0)
        {
            return new LoadedModel(OnnxModel.Load(model, version, bytes, _options), manifest);
        }

        var copy = await LocalVersionCopy.CreateAsync(_store, _options, model, version, files, cancellationToken).ConfigureAwait(false);
        try
        {
            return new LoadedModel(OnnxModel.Load(model, version, bytes, _options, copy.Folder, ownedFiles: copy), manifest);
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    private static IReadOnlyList<string> ExternalFiles(byte[] onnx)
    {
        try
        {
            return ExternalDataReferences.FileNames(ExternalDataReferences.Read(onnx));
        }
        catch (InvalidDataException)
        {
            return []; // not protobuf: OnnxModel.Load lets ONNX Runtime say why
        }
    }
}

/// <summary>
/// A local copy of a version's external-data files, at {LocalModelsFolder}/{model}/{version}/{content key}/.
/// The key is a hash of the registry blobs' names and ETags, so a copy is reused only for the very same
/// blobs (never for a same-named version of another registry). Files are downloaded into a temporary
/// folder that is renamed into place once complete, so a crashed download is never used. Loads of this
/// process share a copy, and the last to be disposed deletes it. Another process on the same machine
/// deleting a copy this one is about to load only fails that load, which is retried.
/// </summary>
internal sealed class LocalVersionCopy : IDisposable
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, int> Users = new(StringComparer.Ordinal);

    private int _disposed;

    private LocalVersionCopy(string folder) => Folder = folder;

    public string Folder { get; }

    public static async Task<LocalVersionCopy> CreateAsync(RegistryStore store, ServingOptions options, string model, string version,
        IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        string prefix = RegistryPaths.VersionFolder(model, version);
        var blobs = new Dictionary<string, BlobItemProperties>(StringComparer.Ordinal);
        await foreach (var item in store.Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken).ConfigureAwait(false))
        {
            blobs[item.Name[prefix.Length..]] = item.Properties;
        }

        var key = new StringBuilder();
        foreach (string file in files.Order(StringComparer.Ordinal))
        {
            if (!blobs.TryGetValue(file, out var properties))
            {
                throw new ServingException(ServingErrorCode.Unavailable,
                    $"Model '{model}' version '{version}' reads external data from {prefix}{file}, which is missing from the registry container.",
                    options.FailedLoadRetryDelay);
            }

            key.Append(file).Append('\n').Append(properties.ETag).Append('\n');
        }

        string versionFolder = Path.Combine(options.LocalModelsFolder, model, version);
        string folder = Path.Combine(versionFolder, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString())))[..16]);

        // Counted before looking, so that a session of this process unloading now does not delete the copy under this load.
        lock (Gate)
        {
            Users[folder] = Users.GetValueOrDefault(folder) + 1;
        }

        var copy = new LocalVersionCopy(folder);
        try
        {
            if (!IsComplete(folder, files, blobs))
            {
                await DownloadAsync(store, prefix, versionFolder, folder, files, blobs, cancellationToken).ConfigureAwait(false);
            }

            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        lock (Gate)
        {
            int users = Users[Folder] - 1;
            if (users > 0)
            {
                Users[Folder] = users;
                return;
            }

            Users.Remove(Folder);
            DeleteQuietly(Folder);
            RemoveIfEmpty(Path.GetDirectoryName(Folder)!); // {model}/{version}/
            RemoveIfEmpty(Path.GetDirectoryName(Path.GetDirectoryName(Folder))!); // {model}/
        }
    }

    private static async Task DownloadAsync(RegistryStore store, string prefix, string versionFolder, string folder, IReadOnlyList<string> files,
        Dictionary<string, BlobItemProperties> blobs, CancellationToken cancellationToken)
    {
        string partial = Path.Combine(versionFolder, $".partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(partial);
        try
        {
            foreach (string file in files)
            {
                // Pinned to the listed ETag: the copy holds exactly the blobs its key names.
                await store.Container.GetBlobClient(prefix + file).DownloadToAsync(Path.Combine(partial, file),
                    new BlobDownloadToOptions { Conditions = new Azure.Storage.Blobs.Models.BlobRequestConditions { IfMatch = blobs[file].ETag } },
                    cancellationToken).ConfigureAwait(false);
            }

            lock (Gate)
            {
                if (Directory.Exists(folder))
                {
                    if (IsComplete(folder, files, blobs))
                    {
                        return; // another load finished the same copy first
                    }

                    Directory.Delete(folder, recursive: true); // an older copy that lost files (a temp-folder cleaner)
                }

                Directory.Move(partial, folder);
            }
        }
        finally
        {
            DeleteQuietly(partial);
        }
    }

    private static bool IsComplete(string folder, IReadOnlyList<string> files, Dictionary<string, BlobItemProperties> blobs) =>
        files.All(file => new FileInfo(Path.Combine(folder, file)) is { Exists: true } local && local.Length == blobs[file].ContentLength);

    private static void RemoveIfEmpty(string folder)
    {
        try
        {
            if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder); // not recursive: fails, harmlessly, if a load has just started writing there
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An empty folder left behind costs nothing.
        }
    }

    private static void DeleteQuietly(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover copy costs only disk; the next load of the version replaces or reuses it.
        }
    }
}
