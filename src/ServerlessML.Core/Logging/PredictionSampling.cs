using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ServerlessML.Logging;

/// <summary>
/// Sampling by a stable hash of the request id: a request is kept whole or not at all, the same answer
/// on every instance and for its shadow copy, so production and shadow records of a request pair up.
/// </summary>
public static class PredictionSampling
{
    /// <summary>
    /// True when the request is in the sample: the first 8 bytes of SHA-256(UTF-8 request id), read as a
    /// big-endian fraction of 2^64, are below <paramref name="rate"/>.
    /// </summary>
    public static bool Keeps(string requestId, double rate)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        if (rate >= 1)
        {
            return true;
        }

        if (!(rate > 0))
        {
            return false;
        }

        int length = Encoding.UTF8.GetByteCount(requestId);
        Span<byte> bytes = length <= 512 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(requestId, bytes);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, hash);
        double position = BinaryPrimitives.ReadUInt64BigEndian(hash) / 18446744073709551616.0;
        return position < rate;
    }
}
