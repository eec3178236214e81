using System.Security.Cryptography;
using System.Text;
using ServerlessML.Registry;

namespace ServerlessML.Logging;

/// <summary>
/// The manifest's <c>logging.exclude</c> and <c>logging.hash</c> applied to feature and context fields
/// by name: excluded fields are never stored; hashed fields are stored as HMAC-SHA256 of the value's
/// UTF-8 text keyed by the salt (lower-case hex), or without a salt as plain SHA-256 of it.
/// </summary>
internal sealed class LoggedFieldPolicy
{
    public static readonly LoggedFieldPolicy KeepAll = new(null, null);

    private readonly HashSet<string> _exclude;
    private readonly HashSet<string> _hash;
    private readonly byte[]? _key;

    public LoggedFieldPolicy(LoggingSpec? spec, string? salt)
    {
        _exclude = new HashSet<string>(spec?.Exclude ?? [], StringComparer.Ordinal);
        _hash = new HashSet<string>(spec?.Hash ?? [], StringComparer.Ordinal);
        _key = string.IsNullOrEmpty(salt) ? null : Encoding.UTF8.GetBytes(salt);
    }

    public bool HashesWithoutSalt => _hash.Count > 0 && _key is null;

    public bool Excludes(string field) => _exclude.Count > 0 && _exclude.Contains(field);

    public bool Hashes(string field) => _hash.Count > 0 && _hash.Contains(field);

    public string Hash(string text) => Hash(text, _key);

    /// <summary>The stored form of a hashed value, for whoever needs to find a value in the log.</summary>
    public static string Hash(string text, byte[]? key)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        return Convert.ToHexStringLower(key is null ? SHA256.HashData(bytes) : HMACSHA256.HashData(key, bytes));
    }
}
