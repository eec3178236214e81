using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessML.Functions.Http;
using ServerlessML.Registry;

namespace ServerlessML.Functions.Management;

public sealed class ListModels(ModelCatalog catalog)
{
    [Function(nameof(ListModels))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Admin, "get", Route = "management/models")] HttpRequest request)
        => ServingHttp.RespondJsonAsync(request, () => catalog.ListAsync(request.HttpContext.RequestAborted));
}
