using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// TESTWORKER_HTTP=grpc runs without ASP.NET Core integration, so HTTP requests travel over gRPC as
// HttpRequestData; anything else uses ConfigureFunctionsWebApplication, like the real app.
var builder = FunctionsApplication.CreateBuilder(args);
if (!string.Equals(Environment.GetEnvironmentVariable("TESTWORKER_HTTP"), "grpc", StringComparison.OrdinalIgnoreCase))
{
    builder.ConfigureFunctionsWebApplication();
}

builder.Build().Run();
