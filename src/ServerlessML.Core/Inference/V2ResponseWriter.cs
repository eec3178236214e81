using Newtonsoft.Json;

namespace ServerlessML.Inference;

/// <summary>Writes Open Inference Protocol responses with Newtonsoft's streaming writer.</summary>
public static class V2ResponseWriter
{
    public const string Platform = "onnxruntime_onnx";

    /// <summary>Writes an inference response with every output's data in JSON.</summary>
    public static void WriteInferResponse(JsonWriter writer, string model, string version, string requestId, ModelOutputs outputs) =>
        WriteInferResponse(writer, model, version, requestId, outputs, static _ => false);

    /// <summary>
    /// Writes the JSON of an inference response; an output for which <paramref name="binary"/> is true gets
    /// parameters.binary_data_size instead of data, and its bytes follow the JSON (<see cref="WriteBinaryOutputs"/>).
    /// </summary>
    public static void WriteInferResponse(JsonWriter writer, string model, string version, string requestId, ModelOutputs outputs, Func<OutputValue, bool> binary)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(binary);
        writer.WriteStartObject();
        writer.WritePropertyName("model_name");
        writer.WriteValue(model);
        writer.WritePropertyName("model_version");
        writer.WriteValue(version);
        writer.WritePropertyName("id");
        writer.WriteValue(requestId);
        writer.WritePropertyName("outputs");
        writer.WriteStartArray();
        foreach (var output in outputs.All)
        {
            WriteOutput(writer, output, binary(output));
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// Writes the binary tensor data of the outputs for which <paramref name="binary"/> is true, in the order
    /// of the response's outputs: what follows the JSON that <see cref="WriteInferResponse(JsonWriter, string, string, string, ModelOutputs, Func{OutputValue, bool})"/> wrote.
    /// </summary>
    public static void WriteBinaryOutputs(Stream body, ModelOutputs outputs, Func<OutputValue, bool> binary)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(binary);
        foreach (var output in outputs.All)
        {
            if (!binary(output))
            {
                continue;
            }

            if (output.IsTensor)
            {
                output.WriteBinary(body);
            }
            else
            {
                var (_, scores) = ClassScoreMatrix(output);
                body.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(scores.AsSpan()));
            }
        }
    }

    public static void WriteModelMetadata(JsonWriter writer, string model, IEnumerable<string> versions, string version, ModelSignature signature)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(signature);
        writer.WriteStartObject();
        writer.WritePropertyName("name");
        writer.WriteValue(model);
        writer.WritePropertyName("versions");
        writer.WriteStartArray();
        foreach (string v in versions)
        {
            writer.WriteValue(v);
        }

        writer.WriteEndArray();
        writer.WritePropertyName("model_version");
        writer.WriteValue(version);
        writer.WritePropertyName("platform");
        writer.WriteValue(Platform);
        writer.WritePropertyName("inputs");
        WriteSpecs(writer, signature.Inputs);
        writer.WritePropertyName("outputs");
        WriteSpecs(writer, signature.Outputs);
        writer.WriteEndObject();
    }

    private static void WriteSpecs(JsonWriter writer, IReadOnlyList<TensorSpec> specs)
    {
        writer.WriteStartArray();
        foreach (var spec in specs)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("name");
            writer.WriteValue(spec.Name);
            writer.WritePropertyName("datatype");
            writer.WriteValue(spec.DataTypeText);
            writer.WritePropertyName("shape");
            writer.WriteStartArray();
            foreach (long dim in spec.Shape)
            {
                writer.WriteValue(dim);
            }

            writer.WriteEndArray();
            if (spec.Kind != ValueKind.Tensor)
            {
                // The protocol has only tensors: say what the graph really holds.
                writer.WritePropertyName("parameters");
                writer.WriteStartObject();
                writer.WritePropertyName("onnx_type");
                writer.WriteValue(spec.OnnxType);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteOutput(JsonWriter writer, OutputValue output, bool binary)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("name");
        writer.WriteValue(output.Spec.Name);
        if (output.IsTensor)
        {
            writer.WritePropertyName("datatype");
            writer.WriteValue(output.DataType?.ToProtocolName() ?? output.ElementType.ToString());
            WriteShape(writer, output.Shape);
            if (binary)
            {
                WriteBinarySize(writer, output.BinaryByteSize(), null);
            }
            else
            {
                writer.WritePropertyName("data");
                writer.WriteStartArray();
                output.WriteElements(writer, 0, output.ElementCount);
                writer.WriteEndArray();
            }
        }
        else if (output.Spec.Kind == ValueKind.SequenceOfMaps && binary)
        {
            // As binary, the ZipMap tensor is plain FP32 data; its classes stay in parameters.
            var (classes, scores) = ClassScoreMatrix(output);
            writer.WritePropertyName("datatype");
            writer.WriteValue("FP32");
            WriteShape(writer, [output.ReadClassScores().Count, classes.Length]);
            WriteBinarySize(writer, scores.Length * sizeof(float), classes);
        }
        else if (output.Spec.Kind == ValueKind.SequenceOfMaps)
        {
            // A ZipMap output becomes an FP32 [rows, classes] tensor; the class of each column is in parameters.classes.
            var rows = output.ReadClassScores();
            string[] classes = rows.Count > 0 ? rows[0].Classes : [];
            writer.WritePropertyName("datatype");
            writer.WriteValue("FP32");
            WriteShape(writer, [rows.Count, classes.Length]);
            writer.WritePropertyName("parameters");
            writer.WriteStartObject();
            writer.WritePropertyName("classes");
            writer.WriteStartArray();
            foreach (string c in classes)
            {
                writer.WriteValue(c);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WritePropertyName("data");
            writer.WriteStartArray();
            foreach (var row in rows)
            {
                foreach (string c in classes)
                {
                    int i = Array.IndexOf(row.Classes, c);
                    writer.WriteValue(i < 0 ? 0f : row.Scores[i]);
                }
            }

            writer.WriteEndArray();
        }
        else
        {
            throw ServingException.BadRequest($"Output '{output.Spec.Name}' is {output.Spec.OnnxType}, which the protocol cannot return: ask only for tensor outputs with \"outputs\".");
        }

        writer.WriteEndObject();
    }

    private static void WriteBinarySize(JsonWriter writer, long size, string[]? classes)
    {
        writer.WritePropertyName("parameters");
        writer.WriteStartObject();
        if (classes is not null)
        {
            writer.WritePropertyName("classes");
            writer.WriteStartArray();
            foreach (string c in classes)
            {
                writer.WriteValue(c);
            }

            writer.WriteEndArray();
        }

        writer.WritePropertyName("binary_data_size");
        writer.WriteValue(size);
        writer.WriteEndObject();
    }

    /// <summary>A ZipMap output as the [rows, classes] FP32 tensor the JSON answer gives, classes in the first row's order.</summary>
    private static (string[] Classes, float[] Scores) ClassScoreMatrix(OutputValue output)
    {
        var rows = output.ReadClassScores();
        string[] classes = rows.Count > 0 ? rows[0].Classes : [];
        var scores = new float[rows.Count * classes.Length];
        for (int r = 0; r < rows.Count; r++)
        {
            for (int c = 0; c < classes.Length; c++)
            {
                int i = Array.IndexOf(rows[r].Classes, classes[c]);
                scores[(r * classes.Length) + c] = i < 0 ? 0f : rows[r].Scores[i];
            }
        }

        return (classes, scores);
    }

    private static void WriteShape(JsonWriter writer, long[] shape)
    {
        writer.WritePropertyName("shape");
        writer.WriteStartArray();
        foreach (long dim in shape)
        {
            writer.WriteValue(dim);
        }

        writer.WriteEndArray();
    }
}
