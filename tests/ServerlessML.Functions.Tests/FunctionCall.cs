using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace ServerlessML.Functions.Tests;

/// <summary>What an HTTP function answered: status, headers and body, as a client would see them.</summary>
/// <param name="Bytes">The body as sent: a binary tensor or compressed answer is not text.</param>
public sealed record FunctionAnswer(int Status, IHeaderDictionary Headers, byte[] Bytes)
{
    public string Body => Encoding.UTF8.GetString(Bytes);

    public JObject Json => JObject.Parse(Body);

    public string Error => (string?)Json["error"] ?? throw new InvalidOperationException($"No \"error\" in {Body}");
}

/// <summary>Calls a function method directly with a real ASP.NET Core request and runs its result.</summary>
public static class FunctionCall
{
    private static readonly IServiceProvider Services = new ServiceCollection().AddLogging().BuildServiceProvider();

    /// <summary>A request with a body of bytes (binary tensor data, compressed data) and its content type.</summary>
    public static HttpRequest Request(byte[] body, string contentType, params (string Name, string Value)[] headers)
    {
        var request = Request("POST", null, headers);
        request.Body = new MemoryStream(body);
        request.ContentLength = body.Length;
        request.ContentType = contentType;
        return request;
    }

    public static HttpRequest Request(string method, string? body = null, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext { RequestServices = Services };
        context.Request.Method = method;
        if (body is not null)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(body);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
            context.Request.ContentType = "application/json";
        }

        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        context.Response.Body = new MemoryStream();
        return context.Request;
    }

    public static async Task<FunctionAnswer> RunAsync(HttpRequest request, Func<HttpRequest, Task<IActionResult>> function)
    {
        var result = await function(request);
        var context = request.HttpContext;
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
        return new FunctionAnswer(context.Response.StatusCode, context.Response.Headers, ((MemoryStream)context.Response.Body).ToArray());
    }
}
