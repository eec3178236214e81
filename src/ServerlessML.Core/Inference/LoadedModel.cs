using ServerlessML.Registry;

namespace ServerlessML.Inference;

/// <summary>A served model version in memory: its session and its manifest.</summary>
public sealed class LoadedModel : IDisposable
{
    public LoadedModel(OnnxModel onnx, ModelManifest? manifest)
    {
        Onnx = onnx;
        Manifest = manifest;
    }

    public OnnxModel Onnx { get; }

    public ModelManifest? Manifest { get; }

    public string Name => Onnx.Name;

    public string Version => Onnx.Version;

    public void Dispose() => Onnx.Dispose();
}
