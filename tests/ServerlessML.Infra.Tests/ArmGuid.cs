using System.Security.Cryptography;
using System.Text;

namespace ServerlessML.Infra.Tests;

/// <summary>
/// ARM's guid() template function: a name-based (version 5) UUID over the arguments joined with '-'.
/// Lets a test check that a role assignment is named from exactly (scope, identity, role).
/// </summary>
public static class ArmGuid
{
    private static readonly Guid Namespace = Guid.Parse("11fb06fb-712d-4ddd-98c7-e71bbd588830");

    public static Guid Create(params string[] arguments)
    {
        var name = Encoding.UTF8.GetBytes(string.Join("-", arguments));
        // RFC 4122 version 5 is defined over SHA-1; this is naming, not security.
#pragma warning disable CA5350
        var hash = SHA1.HashData([.. Namespace.ToByteArray(bigEndian: true), .. name]);
#pragma warning restore CA5350
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
