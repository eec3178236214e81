using System.Reflection;
using System.Runtime.ExceptionServices;
using Newtonsoft.Json;

namespace ServerlessML.Monitoring;

/// <summary>
/// JSON for stored aggregates, profiles and results. Deserializing validates each aggregate (counts that
/// disagree, bins of the wrong length) and throws <see cref="InvalidDataException"/> naming the problem,
/// unwrapped from the reflection exception Newtonsoft puts around validation callbacks.
/// </summary>
public static class MonitoringJson
{
    private static readonly JsonSerializerSettings Settings = new()
    {
        MissingMemberHandling = MissingMemberHandling.Ignore,
        FloatParseHandling = FloatParseHandling.Double,
        DateParseHandling = DateParseHandling.None,
    };

    public static string Serialize<T>(T value) => JsonConvert.SerializeObject(value, Formatting.None, Settings);

    public static T Deserialize<T>(string json)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonConvert.DeserializeObject<T>(json, Settings)
                ?? throw new InvalidDataException($"The stored {typeof(T).Name} is empty (JSON null).");
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The stored {typeof(T).Name} is not valid JSON of that shape: {e.Message}", e);
        }
    }
}
