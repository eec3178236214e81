using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace ServerlessML.DevHost.Http;

/// <summary>The Functions authorization levels, lowest first.</summary>
public enum AuthorizationLevel
{
    Anonymous = 0,

    /// <summary>Needs an App Service authentication token in Azure; DevHost treats it as <see cref="Function"/>.</summary>
    User = 1,
    Function = 2,
    System = 3,
    Admin = 4,
}

public static class AuthorizationLevels
{
    /// <summary>Reads a binding's authLevel; a missing one is Function, the Functions default.</summary>
    public static AuthorizationLevel Parse(string? value, string functionName) =>
        string.IsNullOrEmpty(value) ? AuthorizationLevel.Function
        : Enum.TryParse<AuthorizationLevel>(value, ignoreCase: true, out var level) && Enum.IsDefined(level) ? level
        : throw new InvalidDataException($"Function '{functionName}' has authLevel '{value}'; expected Anonymous, User, Function, System or Admin.");
}

/// <summary>
/// The keys of a local run: one function key, valid for every function, and the master key, valid for
/// everything including admin and system endpoints (as the Azure host's default function key and _master).
/// Keys come in the <c>x-functions-key</c> header or the <c>code</c> query parameter.
/// </summary>
public sealed class HostKeys
{
    public const string KeyHeader = "x-functions-key";

    public const string KeyQueryParameter = "code";

    public HostKeys(string functionKey, string masterKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(functionKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(masterKey);
        if (functionKey == masterKey)
        {
            throw new ArgumentException("The function key and the master key must differ, or function-level callers could call admin endpoints.");
        }

        FunctionKey = functionKey;
        MasterKey = masterKey;
    }

    public string FunctionKey { get; }

    public string MasterKey { get; }

    /// <summary>A random key in URL-safe characters, so it can be pasted into a query string as it is.</summary>
    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(30)).Replace('+', '-').Replace('/', '_');

    /// <summary>The key a request presents: the header first, then the query parameter.</summary>
    public static string? PresentedKey(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? header = request.Headers[KeyHeader].FirstOrDefault();
        return !string.IsNullOrEmpty(header) ? header : request.Query[KeyQueryParameter].FirstOrDefault();
    }

    /// <summary>The level a presented key grants.</summary>
    public AuthorizationLevel Grant(string? presentedKey) =>
        presentedKey is null ? AuthorizationLevel.Anonymous
        : FixedTimeEquals(presentedKey, MasterKey) ? AuthorizationLevel.Admin
        : FixedTimeEquals(presentedKey, FunctionKey) ? AuthorizationLevel.Function
        : AuthorizationLevel.Anonymous;

    /// <summary>True when <paramref name="granted"/> is enough for an endpoint that requires <paramref name="required"/>.</summary>
    public static bool Allows(AuthorizationLevel required, AuthorizationLevel granted) => required switch
    {
        AuthorizationLevel.Anonymous => true,
        AuthorizationLevel.User or AuthorizationLevel.Function => granted >= AuthorizationLevel.Function,
        // System endpoints (extension webhooks) take their system key or the master key; DevHost has only the master key.
        _ => granted == AuthorizationLevel.Admin,
    };

    private static bool FixedTimeEquals(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));
}
