using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML.OnnxRuntime;

namespace ServerlessML.Inference;

/// <summary>
/// The Open Inference Protocol's binary tensor data extension (KServe V2, Triton): a body is the JSON
/// object, whose length header <see cref="HeaderName"/> gives, followed by the elements of each binary
/// tensor in the order of the JSON, little-endian, row-major and without padding. BOOL is one byte
/// (0 or 1); BYTES elements are a 4-byte little-endian length followed by that many bytes.
/// </summary>
public static class BinaryTensorData
{
    /// <summary>The byte length of the JSON at the start of a body that carries binary tensor data.</summary>
    public const string HeaderName = "Inference-Header-Content-Length";

    /// <summary>The name server metadata lists among its extensions.</summary>
    public const string ExtensionName = "binary_tensor_data";

    /// <summary>The content type of a response that carries binary tensor data.</summary>
    public const string ContentType = "application/octet-stream";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Bytes per element of <paramref name="type"/>; 0 for BYTES, whose elements carry their own length.</summary>
    public static int ElementSize(TensorDataType type) => type switch
    {
        TensorDataType.Bool or TensorDataType.Int8 or TensorDataType.UInt8 => 1,
        TensorDataType.Int16 or TensorDataType.UInt16 or TensorDataType.Fp16 => 2,
        TensorDataType.Int32 or TensorDataType.UInt32 or TensorDataType.Fp32 => 4,
        TensorDataType.Int64 or TensorDataType.UInt64 or TensorDataType.Fp64 => 8,
        TensorDataType.Bytes => 0,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>
    /// The JSON length that header <see cref="HeaderName"/> gives, checked against the body: a 400
    /// naming the header when it is not a whole number or is longer than the body.
    /// </summary>
    public static int ParseJsonLength(string header, long bodyLength)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (!long.TryParse(header.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long length))
        {
            string shown = header.Length <= 40 ? header : header[..40] + "...";
            throw ServingException.BadRequest($"Header {HeaderName} is \"{shown}\": expected the byte length of the JSON at the start of the body, a whole number 0 or more.");
        }

        if (length > bodyLength)
        {
            throw ServingException.BadRequest($"Header {HeaderName} is {length}, but the body has only {bodyLength} bytes: the header gives the length of the JSON alone, which the binary tensor data follows.");
        }

        return (int)length;
    }

    /// <summary>
    /// The <paramref name="count"/> elements of a binary input in an array of the type's .NET element type,
    /// the same arrays the JSON reader fills. <paramref name="bytes"/> has exactly the input's
    /// binary_data_size; for fixed-size types the caller has checked it against the shape.
    /// </summary>
    internal static Array Decode(TensorDataType type, ReadOnlySpan<byte> bytes, int count, string input) => type switch
    {
        TensorDataType.Bool => DecodeBool(bytes, count, input),
        TensorDataType.Int8 => Copy<sbyte>(bytes, count),
        TensorDataType.Int16 => Copy<short>(bytes, count),
        TensorDataType.Int32 => Copy<int>(bytes, count),
        TensorDataType.Int64 => Copy<long>(bytes, count),
        TensorDataType.UInt8 => Copy<byte>(bytes, count),
        TensorDataType.UInt16 => Copy<ushort>(bytes, count),
        TensorDataType.UInt32 => Copy<uint>(bytes, count),
        TensorDataType.UInt64 => Copy<ulong>(bytes, count),
        TensorDataType.Fp16 => CheckFinite(Copy<Float16>(bytes, count), input),
        TensorDataType.Fp32 => CheckFinite(Copy<float>(bytes, count), input),
        TensorDataType.Fp64 => CheckFinite(Copy<double>(bytes, count), input),
        TensorDataType.Bytes => DecodeStrings(bytes, count, input),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>Writes one BYTES element: its 4-byte little-endian length, then its bytes.</summary>
    internal static void WriteString(Stream body, ReadOnlySpan<byte> utf8)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)utf8.Length);
        body.Write(length);
        body.Write(utf8);
    }

    // Copied as they are: the hosts this app runs on (x64, Arm64) are little-endian like the protocol.
    private static T[] Copy<T>(ReadOnlySpan<byte> bytes, int count)
        where T : unmanaged
    {
        var items = GC.AllocateUninitializedArray<T>(count);
        bytes.CopyTo(MemoryMarshal.AsBytes(items.AsSpan()));
        return items;
    }

    private static bool[] DecodeBool(ReadOnlySpan<byte> bytes, int count, string input)
    {
        // Any other byte would make a bool that is neither true nor false in .NET and ONNX Runtime.
        int bad = bytes.IndexOfAnyExcept((byte)0, (byte)1);
        if (bad >= 0)
        {
            throw ServingException.BadRequest($"{input} element {bad} is the byte {bytes[bad]}: BOOL binary data is one byte an element, 0 (false) or 1 (true).");
        }

        var items = new bool[count];
        bytes.CopyTo(MemoryMarshal.AsBytes(items.AsSpan()));
        return items;
    }

    // The JSON path refuses NaN and Infinity; binary data is held to the same rule.
    private static float[] CheckFinite(float[] items, string input)
    {
        for (int i = 0; i < items.Length; i++)
        {
            if (!float.IsFinite(items[i]))
            {
                throw NotFinite(input, i, items[i].ToString(CultureInfo.InvariantCulture), "FP32");
            }
        }

        return items;
    }

    private static double[] CheckFinite(double[] items, string input)
    {
        for (int i = 0; i < items.Length; i++)
        {
            if (!double.IsFinite(items[i]))
            {
                throw NotFinite(input, i, items[i].ToString(CultureInfo.InvariantCulture), "FP64");
            }
        }

        return items;
    }

    private static Float16[] CheckFinite(Float16[] items, string input)
    {
        for (int i = 0; i < items.Length; i++)
        {
            Half half = BitConverter.UInt16BitsToHalf(items[i].value);
            if (!Half.IsFinite(half))
            {
                throw NotFinite(input, i, half.ToString(CultureInfo.InvariantCulture), "FP16");
            }
        }

        return items;
    }

    private static ServingException NotFinite(string input, int index, string value, string type) =>
        ServingException.BadRequest($"{input} element {index} is {value}: {type} data is not a finite number (NaN and Infinity are not accepted).");

    private static string[] DecodeStrings(ReadOnlySpan<byte> bytes, int count, string input)
    {
        var items = new string[count];
        int offset = 0;
        for (int i = 0; i < count; i++)
        {
            if (bytes.Length - offset < 4)
            {
                throw ServingException.BadRequest($"{input} has binary BYTES data that ends after {i} of its {count} elements: each element is a 4-byte little-endian length followed by that many bytes, and binary_data_size must cover them all.");
            }

            uint length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);
            offset += 4;
            if (length > (uint)(bytes.Length - offset))
            {
                throw ServingException.BadRequest($"{input} element {i} has a length of {length} bytes, but only {bytes.Length - offset} bytes of its binary_data_size of {bytes.Length} are left.");
            }

            try
            {
                items[i] = StrictUtf8.GetString(bytes.Slice(offset, (int)length));
            }
            catch (DecoderFallbackException)
            {
                throw ServingException.BadRequest($"{input} element {i} is not UTF-8 text: BYTES inputs are read as strings.");
            }

            offset += (int)length;
        }

        if (offset != bytes.Length)
        {
            throw ServingException.BadRequest($"{input} has {bytes.Length - offset} bytes of binary BYTES data left after its {count} elements: binary_data_size must cover exactly the elements of its shape.");
        }

        return items;
    }
}
