using Microsoft.ApplicationInsights.Extensibility;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessML.Functions.Storage;
using ServerlessML.Functions.Telemetry;
using ServerlessML.Inference;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

builder.Services
    .AddApplicationInsightsTelemetryWorkerService()
    .ConfigureFunctionsApplicationInsights();
builder.Services.Configure<TelemetryConfiguration>(c =>
    TelemetryAuthentication.Apply(c, builder.Configuration[TelemetryAuthentication.Setting]));

builder.Services.Configure<ServingOptions>(builder.Configuration.GetSection(ServingOptions.SectionName));
builder.Services.AddSingleton(_ => ModelStorageClient.Create(builder.Configuration));
builder.Services.AddModelServing();
builder.Services.AddModelDeployment();
builder.Services.AddSingleton<IPredictionObserver, PredictionTelemetry>();

builder.Build().Run();
