using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessML.Functions.Http;
using ServerlessML.Inference;
using ServerlessML.Registry;
using ServerlessML.Reports;

namespace ServerlessML.Functions.Monitoring;

/// <summary>Runs a model's monitoring report now, writes it like the timer does, and answers it.</summary>
public sealed class RunReport(ReportGenerator reports, TimeProvider clock)
{
    [Function(nameof(RunReport))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Admin, "post", Route = "management/models/{model}/reports")] HttpRequest request, string model)
        => ServingHttp.RespondJsonAsync(request, async () =>
        {
            if (!ModelNames.IsValidModel(model))
            {
                throw new ServingException(ServingErrorCode.BadRequest, $"Model name '{model}' does not match {ModelNames.ModelPattern}.");
            }

            return await reports.RunModelAsync(model, clock.GetUtcNow(), request.HttpContext.RequestAborted)
                ?? throw new ServingException(ServingErrorCode.NotFound, $"Model '{model}' has no record: deploy it first.");
        });
}
