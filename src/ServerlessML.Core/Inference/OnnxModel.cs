using Microsoft.ML.OnnxRuntime;
using ServerlessML.Registry;

namespace ServerlessML.Inference;

/// <summary>
/// One loaded model version: an ONNX Runtime session shared by all concurrent requests, with the
/// graph's signature. Checks inputs against the signature before ONNX Runtime sees them.
/// </summary>
public sealed class OnnxModel : IDisposable
{
    /// <summary>ONNX Runtime's session option for the folder of external-data files of a model loaded from memory.</summary>
    private const string ExternalDataFolderConfigKey = "session.model_external_initializers_file_folder_path";

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly IDisposable? _ownedFiles;

    private OnnxModel(string name, string version, InferenceSession session, long sizeBytes, IDisposable? ownedFiles)
    {
        Name = name;
        Version = version;
        _session = session;
        SizeBytes = sizeBytes;
        _ownedFiles = ownedFiles;
        Signature = ModelSignature.FromSession(session);
    }

    public string Name { get; }

    public string Version { get; }

    /// <summary>The size of model.onnx plus its external-data files.</summary>
    public long SizeBytes { get; }

    public ModelSignature Signature { get; }

    /// <summary>Creates a session from ONNX bytes; throws <see cref="OnnxRuntimeException"/> when ONNX Runtime refuses the model.</summary>
    public static OnnxModel Load(string name, string version, byte[] onnx, ServingOptions options) =>
        Load(name, version, onnx, options, externalDataFolder: null);

    /// <summary>
    /// Creates a session from ONNX bytes whose external-data files, if any, are in <paramref name="externalDataFolder"/>.
    /// Every external location is checked to be a plain file name present in that folder before ONNX Runtime
    /// opens anything (<see cref="ExternalDataException"/> otherwise). <paramref name="ownedFiles"/>, when given,
    /// is disposed with the model (the serving path's local copy of the files); if loading throws, the caller keeps it.
    /// </summary>
    public static OnnxModel Load(string name, string version, byte[] onnx, ServingOptions options, string? externalDataFolder, IDisposable? ownedFiles = null)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        ArgumentNullException.ThrowIfNull(options);
        long externalBytes = CheckExternalData(onnx, externalDataFolder);
        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = options.IntraOpThreads,
            // Exporters such as ML.NET declare shapes that ORT merges leniently, with a warning per node; errors still log.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (externalDataFolder is not null)
        {
            // A model loaded from bytes has no folder of its own: this tells ORT where its external files are.
            sessionOptions.AddSessionConfigEntry(ExternalDataFolderConfigKey, Path.GetFullPath(externalDataFolder));
        }

        var session = new InferenceSession(onnx, sessionOptions);
        try
        {
            return new OnnxModel(name, version, session, onnx.LongLength + externalBytes, ownedFiles);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the model. <paramref name="outputs"/> names the outputs wanted (empty: all). Inputs that do
    /// not match the graph get a 400 naming the input, the expected and the received.
    /// </summary>
    public ModelOutputs Run(IReadOnlyList<InferenceTensor> inputs, IReadOnlyList<string> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        CheckInputs(inputs);
        var outputSpecs = outputs.Count == 0 ? Signature.Outputs : outputs.Select(FindOutput).ToList();

        var names = new string[inputs.Count];
        var values = new OrtValue[inputs.Count];
        try
        {
            for (int i = 0; i < inputs.Count; i++)
            {
                names[i] = inputs[i].Name;
                values[i] = ToOrtValue(inputs[i]);
            }

            var results = _session.Run(_runOptions, names, values, outputSpecs.Select(o => o.Name).ToArray());
            return new ModelOutputs(outputSpecs, results);
        }
        catch (OnnxRuntimeException e)
        {
            // Inputs passed the signature checks, so what ONNX Runtime refuses now is about their values
            // (for example dimensions that do not fit each other inside the graph).
            throw ServingException.BadRequest($"Model '{Name}' version '{Version}' could not run on this input: {e.Message}");
        }
        finally
        {
            foreach (var value in values)
            {
                value?.Dispose();
            }
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
        _ownedFiles?.Dispose();
    }

    /// <summary>
    /// Refuses external data that has no folder, names a path outside it, or is missing there, before ONNX
    /// Runtime sees the model (which, from bytes and without a folder, would look in the working directory).
    /// Returns the external files' total size.
    /// </summary>
    private static long CheckExternalData(byte[] onnx, string? externalDataFolder)
    {
        IReadOnlyList<ExternalDataReference> references;
        try
        {
            references = ExternalDataReferences.Read(onnx);
        }
        catch (InvalidDataException)
        {
            // Not protobuf at all: ONNX Runtime refuses it too, with its own message.
            return 0;
        }

        if (references.Count == 0)
        {
            return 0;
        }

        if (externalDataFolder is null)
        {
            var first = references[0];
            throw new ExternalDataException(
                $"Tensor '{first.Tensor}' of {RegistryPaths.ModelFileName} keeps its data in the external file '{first.Location}', but the model was loaded without its external-data files.");
        }

        return ExternalDataReferences.CheckFiles(references, externalDataFolder);
    }

    private TensorSpec FindOutput(string name) =>
        Signature.FindOutput(name)
        ?? throw ServingException.BadRequest($"Requested output '{name}' is not an output of model '{Name}': its outputs are {Signature.OutputNames}.");

    private void CheckInputs(IReadOnlyList<InferenceTensor> inputs)
    {
        foreach (var input in inputs)
        {
            var spec = Signature.FindInput(input.Name)
                ?? throw ServingException.BadRequest($"Input '{input.Name}' is not an input of model '{Name}': its inputs are {Signature.InputNames}.");
            if (spec.Kind != ValueKind.Tensor || spec.DataType is null)
            {
                throw ServingException.BadRequest($"Input '{input.Name}' of model '{Name}' is {spec.OnnxType}, which the protocol cannot send.");
            }

            if (spec.DataType != input.DataType)
            {
                throw ServingException.BadRequest($"Input '{input.Name}' has datatype {input.DataType.ToProtocolName()}, but model '{Name}' expects {spec.DataTypeText}.");
            }

            if (!ShapeFits(spec.Shape, input.Shape))
            {
                throw ServingException.BadRequest($"Input '{input.Name}' has shape [{string.Join(", ", input.Shape)}], but model '{Name}' expects {spec.ShapeText} (-1 is any size).");
            }
        }

        foreach (var spec in Signature.Inputs)
        {
            bool present = false;
            foreach (var input in inputs)
            {
                present |= input.Name == spec.Name;
            }

            if (!present)
            {
                throw ServingException.BadRequest($"Input '{spec.Name}' ({spec.DataTypeText} {spec.ShapeText}) is missing: model '{Name}' needs {Signature.InputNames}.");
            }
        }
    }

    private static bool ShapeFits(long[] expected, long[] actual)
    {
        if (expected.Length != actual.Length)
        {
            return false;
        }

        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] >= 0 && expected[i] != actual[i])
            {
                return false;
            }
        }

        return true;
    }

    // Switch on the declared type, not the array's runtime type: the CLR lets byte[] pass as sbyte[]
    // (and ushort[] as short[], and so on), so a type pattern could pick the wrong ONNX type.
    private static OrtValue ToOrtValue(InferenceTensor tensor) => tensor.DataType switch
    {
        TensorDataType.Fp32 => OrtValue.CreateTensorValueFromMemory((float[])tensor.Data, tensor.Shape),
        TensorDataType.Fp64 => OrtValue.CreateTensorValueFromMemory((double[])tensor.Data, tensor.Shape),
        TensorDataType.Fp16 => OrtValue.CreateTensorValueFromMemory((Float16[])tensor.Data, tensor.Shape),
        TensorDataType.Int64 => OrtValue.CreateTensorValueFromMemory((long[])tensor.Data, tensor.Shape),
        TensorDataType.Int32 => OrtValue.CreateTensorValueFromMemory((int[])tensor.Data, tensor.Shape),
        TensorDataType.Int16 => OrtValue.CreateTensorValueFromMemory((short[])tensor.Data, tensor.Shape),
        TensorDataType.Int8 => OrtValue.CreateTensorValueFromMemory((sbyte[])tensor.Data, tensor.Shape),
        TensorDataType.UInt8 => OrtValue.CreateTensorValueFromMemory((byte[])tensor.Data, tensor.Shape),
        TensorDataType.UInt16 => OrtValue.CreateTensorValueFromMemory((ushort[])tensor.Data, tensor.Shape),
        TensorDataType.UInt32 => OrtValue.CreateTensorValueFromMemory((uint[])tensor.Data, tensor.Shape),
        TensorDataType.UInt64 => OrtValue.CreateTensorValueFromMemory((ulong[])tensor.Data, tensor.Shape),
        TensorDataType.Bool => OrtValue.CreateTensorValueFromMemory((bool[])tensor.Data, tensor.Shape),
        TensorDataType.Bytes => StringTensor((string[])tensor.Data, tensor.Shape),
        _ => throw new ArgumentException($"Unsupported datatype {tensor.DataType} for input '{tensor.Name}'.", nameof(tensor)),
    };

    private static OrtValue StringTensor(string[] strings, long[] shape)
    {
        var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
        for (int i = 0; i < strings.Length; i++)
        {
            value.StringTensorSetElementAt(strings[i].AsSpan(), i);
        }

        return value;
    }
}
