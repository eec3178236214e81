using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;

namespace ServerlessML.DevHost.TestWorker;

public sealed class HttpFunctions
{
    /// <summary>HttpRequestData / HttpResponseData: the shape that travels over gRPC.</summary>
    [Function("Echo")]
    public async Task<HttpResponseData> Echo(
        [HttpTrigger(AuthorizationLevel.Function, "get", "post", Route = "echo/{id?}")] HttpRequestData request,
        string? id)
    {
        string body = await new StreamReader(request.Body).ReadToEndAsync();
        var response = request.CreateResponse(HttpStatusCode.OK);
        response.Headers.Add("X-Echo", "data");
        response.Cookies.Append("echo", "cookie");
        await response.WriteAsJsonAsync(new
        {
            kind = "HttpRequestData",
            method = request.Method,
            id,
            q = request.Query["q"],
            header = request.Headers.TryGetValues("X-Test", out var values) ? string.Join(",", values) : null,
            body,
        });
        return response;
    }

    /// <summary>ASP.NET Core integration: HttpRequest / IActionResult, as the real app's functions are written.</summary>
    [Function("AspEcho")]
    public async Task<IActionResult> AspEcho(
        [HttpTrigger(AuthorizationLevel.Function, "get", "post", Route = "asp/echo/{id?}")] HttpRequest request,
        string? id)
    {
        string body = await new StreamReader(request.Body).ReadToEndAsync();
        request.HttpContext.Response.Headers["X-Echo"] = "asp";
        return new OkObjectResult(new { kind = "HttpRequest", method = request.Method, id, q = request.Query["q"].ToString(), header = request.Headers["X-Test"].ToString(), body });
    }

    /// <summary>A complex segment, as in the KServe V1 route.</summary>
    [Function("Predict")]
    public IActionResult Predict(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/models/{model}:predict")] HttpRequest request,
        string model) => new OkObjectResult(new { model });

    [Function("Health")]
    public IActionResult Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request) =>
        new OkObjectResult(new { live = true });

    [Function("AdminOnly")]
    public IActionResult AdminOnly([HttpTrigger(AuthorizationLevel.Admin, "get", Route = "manage/ping")] HttpRequest request) =>
        new OkObjectResult(new { admin = true });

    [Function("Throws")]
    public IActionResult Throws([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "throws")] HttpRequest request) =>
        throw new InvalidOperationException("This function always fails.");

    [Function("ThrowsData")]
    public HttpResponseData ThrowsData([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "throws-data")] HttpRequestData request) =>
        throw new InvalidOperationException("This function always fails.");

    /// <summary>Ends the worker process, so tests can watch DevHost restart it.</summary>
    [Function("Crash")]
    public IActionResult Crash([HttpTrigger(AuthorizationLevel.Admin, "post", Route = "crash")] HttpRequest request)
    {
        Environment.Exit(3);
        return new OkResult();
    }
}
