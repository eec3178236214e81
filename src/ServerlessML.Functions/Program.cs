using Microsoft.ApplicationInsights.Extensibility;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessML.Functions.Logging;
using ServerlessML.Functions.Monitoring;
using ServerlessML.Functions.Storage;
using ServerlessML.Functions.Telemetry;
using ServerlessML.Inference;
using ServerlessML.Logging;
using ServerlessML.Reports;

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
builder.Services.Configure<PredictionLogOptions>(builder.Configuration.GetSection(PredictionLogOptions.SectionName));
builder.Services.Configure<FeedbackOptions>(builder.Configuration.GetSection(FeedbackOptions.SectionName));
builder.Services.AddPredictionLog();
builder.Services.AddSingleton<IPredictionLogMetrics, PredictionLogTelemetry>();
builder.Services.AddHostedService<PredictionLogService>();
builder.Services.Configure<ReportOptions>(builder.Configuration.GetSection(ReportOptions.SectionName));
// The window has its own top-level setting, next to MonitoringSchedule, as the design names it.
builder.Services.Configure<ReportOptions>(o => o.Window = builder.Configuration.GetValue(ReportOptions.WindowSetting, o.Window));
builder.Services.AddMonitoringReports();
builder.Services.AddSingleton<IReportObserver, ReportTelemetry>();

builder.Build().Run();
