using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessML.Functions.Http;
using ServerlessML.Registry;

namespace ServerlessML.Functions.Management;

public sealed class ModelEvents(ModelCatalog catalog)
{
    [Function(nameof(ModelEvents))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Admin, "get", Route = "management/models/{model}/events")] HttpRequest request, string model)
        => ServingHttp.RespondJsonAsync(request, () => catalog.EventsAsync(model, request.HttpContext.RequestAborted));
}
