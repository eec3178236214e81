using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessML.Functions.Http;
using ServerlessML.Inference;
using ServerlessML.Registry;
using ServerlessML.Reports;

namespace ServerlessML.Functions.Monitoring;

/// <summary>Answers a model's latest.json: the last monitoring report written.</summary>
public sealed class LatestReport(ReportGenerator reports)
{
    [Function(nameof(LatestReport))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Admin, "get", Route = "management/models/{model}/reports/latest")] HttpRequest request, string model)
        => ServingHttp.RespondJsonAsync(request, async () =>
        {
            if (!ModelNames.IsValidModel(model))
            {
                throw new ServingException(ServingErrorCode.BadRequest, $"Model name '{model}' does not match {ModelNames.ModelPattern}.");
            }

            return await reports.ReadLatestAsync(model, request.HttpContext.RequestAborted)
                ?? throw new ServingException(ServingErrorCode.NotFound, $"Model '{model}' has no report yet: POST management/models/{model}/reports to run one.");
        });
}
