using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ServerlessML.Functions.Serving;

public sealed class HealthLive
{
    [Function(nameof(HealthLive))]
    public IActionResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v2/health/live")] HttpRequest request)
        => new OkObjectResult(new { live = true });
}
