using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace ServerlessML.Registry;

/// <summary>
/// The allowed model names and versions (design section 3). Both are checked before they are
/// used in any blob path, so no name can reach outside its container.
/// </summary>
public static partial class ModelNames
{
    public const string ModelPattern = "^[a-z0-9][a-z0-9-]{0,62}$";

    public const string VersionPattern = "^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$";

    public static bool IsValidModel([NotNullWhen(true)] string? model) => model is not null && ModelRegex().IsMatch(model);

    // "." and ".." are excluded by the first character; a version may still hold dots, never path separators.
    public static bool IsValidVersion([NotNullWhen(true)] string? version) => version is not null && VersionRegex().IsMatch(version);

    [GeneratedRegex(ModelPattern, RegexOptions.CultureInvariant)]
    private static partial Regex ModelRegex();

    [GeneratedRegex(VersionPattern, RegexOptions.CultureInvariant)]
    private static partial Regex VersionRegex();
}
