namespace ServerlessML.Inference;

/// <summary>
/// A successful serving answer: a JSON body (followed by binary tensor data when <see cref="BinaryJsonLength"/>
/// is set), with the version that produced it and the request id.
/// </summary>
public sealed class ServingResponse
{
    public ServingResponse(ReadOnlyMemory<byte> body, string? modelVersion, string? requestId, bool ok = true)
    {
        Body = body;
        ModelVersion = modelVersion;
        RequestId = requestId;
        Ok = ok;
    }

    /// <summary>UTF-8 JSON, then binary tensor data when <see cref="BinaryJsonLength"/> is set.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    public string? ModelVersion { get; }

    public string? RequestId { get; }

    /// <summary>False for a readiness answer of "not ready", which is a well-formed answer but not a 200.</summary>
    public bool Ok { get; }

    /// <summary>
    /// Set when outputs are returned as binary tensor data: the byte length of the JSON at the start of
    /// <see cref="Body"/> (header <see cref="BinaryTensorData.HeaderName"/>); null for a JSON-only body.
    /// </summary>
    public int? BinaryJsonLength { get; private init; }

    /// <summary>Writes JSON with Newtonsoft's streaming writer into a buffer and wraps it.</summary>
    public static ServingResponse Write(Action<Newtonsoft.Json.JsonWriter> write, string? modelVersion, string? requestId, bool ok = true)
    {
        ArgumentNullException.ThrowIfNull(write);
        var buffer = WriteJson(write);
        return new ServingResponse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), modelVersion, requestId, ok);
    }

    /// <summary>Writes JSON, then the binary tensor data that <paramref name="binary"/> writes after it.</summary>
    public static ServingResponse WriteWithBinary(Action<Newtonsoft.Json.JsonWriter> json, Action<Stream> binary, string? modelVersion, string? requestId)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(binary);
        var buffer = WriteJson(json);
        int jsonLength = (int)buffer.Length;
        binary(buffer);
        return new ServingResponse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), modelVersion, requestId) { BinaryJsonLength = jsonLength };
    }

    private static MemoryStream WriteJson(Action<Newtonsoft.Json.JsonWriter> write)
    {
        var buffer = new MemoryStream();
        using (var text = new StreamWriter(buffer, new System.Text.UTF8Encoding(false), 4096, leaveOpen: true))
        using (var writer = new Newtonsoft.Json.JsonTextWriter(text) { ArrayPool = JsonCharPool.Instance, CloseOutput = false })
        {
            write(writer);
        }

        return buffer;
    }
}
