namespace ServerlessML.Inference;

/// <summary>Reads a request body into memory, refusing it with 413 once it passes the size limit.</summary>
public static class RequestBody
{
    /// <summary>
    /// Reads <paramref name="body"/> to its end. <paramref name="declaredLength"/> (Content-Length, when
    /// sent) lets an oversized body be refused before any of it is read.
    /// </summary>
    public static async Task<MemoryStream> ReadAsync(Stream body, long? declaredLength, long maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (declaredLength > maxBytes)
        {
            throw TooLarge(declaredLength.Value, maxBytes);
        }

        var buffer = new MemoryStream(declaredLength is > 0 ? (int)declaredLength.Value : 4096);
        byte[] chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    throw TooLarge(buffer.Length + read, maxBytes);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }

        buffer.Position = 0;
        return buffer;
    }

    private static ServingException TooLarge(long received, long maxBytes) =>
        new(ServingErrorCode.PayloadTooLarge, $"The request body has {(received > maxBytes ? "more than " : "")}{maxBytes} bytes allowed (received at least {received}): send fewer rows per request.");
}
