using System.Text;
using System.Text.RegularExpressions;

namespace ServerlessML.DevHost.Blobs;

/// <summary>
/// A blob trigger path such as <c>models/{model}/{name}</c>: a literal container and a blob name
/// pattern whose <c>{token}</c>s capture parts of the name. Matching follows the WebJobs binding
/// templates: each token is a greedy <c>.*</c>, <c>{{</c> and <c>}}</c> are literal braces, and a path
/// that is only a container matches every blob in it.
/// </summary>
public sealed class BlobPathPattern
{
    private readonly Regex _regex;

    private BlobPathPattern(string path, string container, string blobPattern, Regex regex, IReadOnlyList<string> tokens, string literalPrefix)
    {
        Path = path;
        Container = container;
        BlobPattern = blobPattern;
        _regex = regex;
        Tokens = tokens;
        LiteralPrefix = literalPrefix;
    }

    public string Path { get; }

    public string Container { get; }

    public string BlobPattern { get; }

    /// <summary>The token names in order, e.g. ["model", "name"].</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>The blob name text before the first token: the listing prefix.</summary>
    public string LiteralPrefix { get; }

    /// <summary>Parses a path whose %settings% are already resolved; throws naming what is wrong.</summary>
    public static BlobPathPattern Parse(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string trimmed = path.Trim().TrimStart('/');
        int slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        string container = slash < 0 ? trimmed : trimmed[..slash];
        string blobPattern = slash < 0 ? "" : trimmed[(slash + 1)..];
        if (container.Contains('{', StringComparison.Ordinal) || container.Contains('}', StringComparison.Ordinal))
        {
            throw new FormatException($"Blob path '{path}': the container part '{container}' must be a fixed name; tokens are allowed only in the blob name.");
        }

        if (!Regex.IsMatch(container, "^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$"))
        {
            throw new FormatException($"Blob path '{path}': '{container}' is not a valid container name (3-63 lower-case letters, digits and single hyphens).");
        }

        var regex = new StringBuilder("^");
        var literalPrefix = new StringBuilder();
        var tokens = new List<string>();
        var literal = new StringBuilder();
        for (int i = 0; i < blobPattern.Length; i++)
        {
            char c = blobPattern[i];
            if ((c == '{' || c == '}') && i + 1 < blobPattern.Length && blobPattern[i + 1] == c)
            {
                literal.Append(c);
                i++;
            }
            else if (c == '{')
            {
                int end = blobPattern.IndexOf('}', i + 1);
                if (end < 0)
                {
                    throw new FormatException($"Blob path '{path}': '{{' at position {slash + 1 + i} has no closing '}}'.");
                }

                string token = blobPattern[(i + 1)..end];
                if (!Regex.IsMatch(token, "^[A-Za-z_][A-Za-z0-9_]*$"))
                {
                    throw new FormatException($"Blob path '{path}': '{{{token}}}' is not a valid token name (letters, digits and '_').");
                }

                if (tokens.Contains(token, StringComparer.OrdinalIgnoreCase))
                {
                    throw new FormatException($"Blob path '{path}': token '{{{token}}}' appears twice.");
                }

                if (tokens.Count == 0)
                {
                    literalPrefix.Append(literal);
                }

                regex.Append(Regex.Escape(literal.ToString())).Append("(?<").Append(token).Append(">.*)");
                literal.Clear();
                tokens.Add(token);
                i = end;
            }
            else if (c == '}')
            {
                throw new FormatException($"Blob path '{path}': '}}' at position {slash + 1 + i} has no opening '{{' (write '}}}}' for a literal brace).");
            }
            else
            {
                literal.Append(c);
            }
        }

        if (tokens.Count == 0)
        {
            literalPrefix.Append(literal);
        }

        // A container-only path matches every blob in the container.
        regex.Append(blobPattern.Length == 0 ? ".*" : Regex.Escape(literal.ToString())).Append('$');
        return new BlobPathPattern(path, container, blobPattern, new Regex(regex.ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline), tokens, literalPrefix.ToString());
    }

    /// <summary>The token values when <paramref name="blobName"/> matches; null when it does not.</summary>
    public IReadOnlyDictionary<string, string>? Match(string blobName)
    {
        var match = _regex.Match(blobName);
        if (!match.Success)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string token in Tokens)
        {
            values[token] = match.Groups[token].Value;
        }

        return values;
    }
}
