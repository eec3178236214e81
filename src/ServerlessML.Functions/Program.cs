using Microsoft.ApplicationInsights.Extensibility;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessML.Functions.Logging;
using ServerlessML.Functions.Monitoring;
using ServerlessML.Functions.Serving;
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
builder.Services.AddHostedService<ModelWarmupService>();
builder.Services.Configure<ReportOptions>(builder.Configuration.GetSection(ReportOptions.SectionName));
builder.Services.Configure<ReportOptions>(o =>
{
    // The window has its own top-level setting, next to MonitoringSchedule, as the design names it. Durations are read
    // so that 24:00:00 is 24 hours (the binder's TimeSpan.Parse makes it 24 days).
    string horizonSetting = $"{ReportOptions.SectionName}:{nameof(ReportOptions.LabelHorizon)}";
    if (builder.Configuration[ReportOptions.WindowSetting] is { Length: > 0 } window)
    {
        o.Window = ReportOptions.ParseDuration(ReportOptions.WindowSetting, window);
    }

    if (builder.Configuration[horizonSetting] is { Length: > 0 } horizon)
    {
        o.LabelHorizon = ReportOptions.ParseDuration(horizonSetting, horizon);
    }
});
builder.Services.AddMonitoringReports();
builder.Services.AddSingleton<IReportObserver, ReportTelemetry>();

builder.Build().Run();
