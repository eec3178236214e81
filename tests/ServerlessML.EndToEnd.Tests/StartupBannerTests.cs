using ServerlessML.DevHost;
using ServerlessML.Testing;

namespace ServerlessML.EndToEnd.Tests;

/// <summary>What `dotnet run --project src/ServerlessML.DevHost` prints about the real app.</summary>
[Collection(ServerlessMLAppCollection.Name)]
public sealed class StartupBannerTests(ServerlessMLApp app)
{
    [Fact]
    public void Example_is_the_sample_inference_request_with_the_function_key()
    {
        string curl = StartupBanner.ExampleCurl(app.Run.Host, ServerlessMLApp.SampleModel, "samples/adult-income/requests/v2-infer.json");

        Assert.Equal(
            $"curl -s -X POST \"{app.Run.Host.BaseAddress.ToString().TrimEnd('/')}/v2/models/adult-income/infer\" -H \"x-functions-key: {DevHostRun.FunctionKey}\" -H \"Content-Type: application/json\" --data @samples/adult-income/requests/v2-infer.json",
            curl);
    }

    [Fact]
    public void Banner_lists_every_http_function_with_its_url_and_both_keys()
    {
        string banner = StartupBanner.Render(app.Run.Host, null, null);

        foreach (var route in app.Run.Host.Routes.Routes)
        {
            Assert.Contains($"/{route.Template}", banner, StringComparison.Ordinal);
        }

        Assert.Contains(DevHostRun.FunctionKey, banner, StringComparison.Ordinal);
        Assert.Contains(DevHostRun.MasterKey, banner, StringComparison.Ordinal);
    }
}
