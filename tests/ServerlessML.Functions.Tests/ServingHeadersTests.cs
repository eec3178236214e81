using ServerlessML.Functions.Serving;

namespace ServerlessML.Functions.Tests;

public class ServingHeadersTests(ServedModels models) : IClassFixture<ServedModels>
{
    [Fact]
    public async Task Infer_answer_carries_version_and_request_id_headers()
    {
        var answer = await FunctionCall.RunAsync(
            FunctionCall.Request("POST", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""", ("x-request-id", "req-42")),
            r => new ModelInfer(models.Harness.Service).Run(r, models.Dense));

        Assert.Equal(200, answer.Status);
        Assert.Equal("1", answer.Headers["x-model-version"].ToString());
        Assert.Equal("req-42", answer.Headers["x-request-id"].ToString());
        Assert.Equal("req-42", (string?)answer.Json["id"]);
        Assert.Equal("1", (string?)answer.Json["model_version"]);
    }

    [Fact]
    public async Task Error_answer_keeps_the_request_id_header()
    {
        var answer = await FunctionCall.RunAsync(FunctionCall.Request("POST", "{}", ("x-request-id", "req-43")),
            r => new ModelInfer(models.Harness.Service).Run(r, models.Dense));

        Assert.Equal(400, answer.Status);
        Assert.Equal("req-43", answer.Headers["x-request-id"].ToString());
    }

    [Fact]
    public async Task Error_answer_of_a_chosen_version_names_the_version_and_the_generated_request_id()
    {
        var answer = await FunctionCall.RunAsync(FunctionCall.Request("POST", """{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]}"""),
            r => new ModelInfer(models.Harness.Service).Run(r, models.Dense));

        Assert.Equal(400, answer.Status);
        Assert.Equal("1", answer.Headers["x-model-version"].ToString());
        Assert.Matches("^[0-9a-f]{32}$", answer.Headers["x-request-id"].ToString());
    }

    [Fact]
    public async Task Error_answer_for_an_unknown_model_names_no_version()
    {
        var answer = await FunctionCall.RunAsync(FunctionCall.Request("POST", "{}"),
            r => new ModelInfer(models.Harness.Service).Run(r, "no-such-model"));

        Assert.Equal(404, answer.Status);
        Assert.False(answer.Headers.ContainsKey("x-model-version"));
    }

    [Fact]
    public async Task Health_ready_is_200_when_storage_answers()
    {
        var answer = await FunctionCall.RunAsync(FunctionCall.Request("GET"), r => new HealthReady(models.Harness.Service).Run(r));

        Assert.Equal(200, answer.Status);
        Assert.True((bool)answer.Json["ready"]!);
    }

    [Fact]
    public async Task Server_metadata_names_the_server_and_its_extensions()
    {
        var answer = await FunctionCall.RunAsync(FunctionCall.Request("GET"), r => new ServerMetadata().Run(r));

        Assert.Equal(200, answer.Status);
        Assert.Equal("serverlessml", (string?)answer.Json["name"]);
        Assert.Contains("kserve_v1_predict", answer.Json["extensions"]!.Values<string>());
    }
}
