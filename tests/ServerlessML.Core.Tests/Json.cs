using System.Text;
using Newtonsoft.Json.Linq;
using ServerlessML.Inference;

namespace ServerlessML.Tests;

/// <summary>Test-side conveniences: request bodies as streams, answers as JSON trees.</summary>
internal static class Json
{
    public static MemoryStream Body(string json) => new(Encoding.UTF8.GetBytes(json));

    public static JObject Parse(ServingResponse response) => JObject.Parse(Encoding.UTF8.GetString(response.Body.Span));

    public static float[] Floats(JToken data) => data.Values<float>().ToArray();
}
