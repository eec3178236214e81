using Microsoft.Extensions.Options;
using ServerlessML.Functions.Feedback;
using ServerlessML.Inference;
using ServerlessML.Logging;
using ServerlessML.Testing;
using ServerlessML.Testing.Onnx;

namespace ServerlessML.Functions.Tests.Feedback;

/// <summary>A published model and the feedback service with small limits, shared by the test class.</summary>
public sealed class FeedbackModel : IAsyncLifetime
{
    public const long BodyLimit = 4 * 1024;
    public const int LabelLimit = 5;

    private ServingHarness? _harness;

    public string Model { get; private set; } = "";

    public FeedbackService Service { get; private set; } = null!;

    public FeedbackReader Reader { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _harness = await ServingHarness.CreateAsync();
        Model = await _harness.PublishAsync(TestModels.DenseNetwork.Bytes());
        var blobs = await TestStorage.ServiceClientAsync();
        Service = new FeedbackService(_harness.Router, blobs, new LogBlobSequence("functions-test", 1),
            Options.Create(new FeedbackOptions { MaxRequestBodyBytes = BodyLimit, MaxLabels = LabelLimit }), Options.Create(new ServingOptions()));
        Reader = new FeedbackReader(blobs);
    }

    public Task DisposeAsync()
    {
        _harness?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>POST v1/models/{model}/feedback through the function: the malformed-body corpus, the limits, and what is stored.</summary>
public class FeedbackFunctionTests(FeedbackModel fixture) : IClassFixture<FeedbackModel>
{
    private Task<FunctionAnswer> PostAsync(string body, string? model = null) =>
        FunctionCall.RunAsync(FunctionCall.Request("POST", body), r => new SubmitFeedback(fixture.Service).Run(r, model ?? fixture.Model));

    public static TheoryData<string, string, string> MalformedBodies => new()
    {
        // name, body, fragment of the error
        { "empty body", "", "The request body is empty: expected {\"labels\"" },
        { "not JSON", "labels please", "not valid JSON" },
        { "truncated", """{"labels":[{"id":"a","label":1}""", "The request body ends inside" },
        { "top-level array", """[{"id":"a","label":1}]""", "The request body is an array: expected an object" },
        { "no labels field", "{}", "The request has no labels" },
        { "empty labels", """{"labels":[]}""", "The request has no labels" },
        { "labels is an object", """{"labels":{"id":"a","label":1}}""", "\"labels\" is an object: expected an array" },
        { "unknown top-level field", """{"labels":[{"id":"a","label":1}],"model":"x"}""", "The request body has a field \"model\"" },
        { "labels twice", """{"labels":[{"id":"a","label":1}],"labels":[]}""", "has \"labels\" twice" },
        { "label entry is a string", """{"labels":["a"]}""", "Labels[0] is the string \"a\": expected an object" },
        { "missing id", """{"labels":[{"label":1}]}""", "Labels[0] has no \"id\"" },
        { "id is a number", """{"labels":[{"id":7,"label":1}]}""", "labels[0].id is the number 7: expected a string" },
        { "empty id", """{"labels":[{"id":"","label":1}]}""", "Labels[0].id has 0 characters" },
        { "missing label", """{"labels":[{"id":"a","label":1},{"id":"b"}]}""", "Labels[1] has no \"label\"" },
        { "null label", """{"labels":[{"id":"a","label":null}]}""", "Labels[0].label is null: expected a string, a finite number or a boolean" },
        { "object label", """{"labels":[{"id":"a","label":{"class":1}}]}""", "Labels[0].label is an object" },
        { "NaN label", """{"labels":[{"id":"a","label":NaN}]}""", "Labels[0].label is the number NaN" },
        { "negative row", """{"labels":[{"id":"a","label":1,"row":-1}]}""", "Labels[0].row is the number -1: expected the instance's index" },
        { "fractional row", """{"labels":[{"id":"a","label":1,"row":1.5}]}""", "Labels[0].row is the number 1.5" },
        { "row as a string", """{"labels":[{"id":"a","label":1,"row":"0"}]}""", "Labels[0].row is the string \"0\"" },
        { "misspelt field", """{"labels":[{"id":"a","lable":1}]}""", "Labels[0] has a field \"lable\": expected \"id\", \"label\" and optionally \"row\"" },
        { "more labels than the limit", """{"labels":[{"id":"1","label":1},{"id":"2","label":1},{"id":"3","label":1},{"id":"4","label":1},{"id":"5","label":1},{"id":"6","label":1}]}""", "more than the limit of 5 labels" },
        { "content after the object", """{"labels":[{"id":"a","label":1}]} []""", "not valid JSON: Additional text encountered" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task A_malformed_body_is_400_with_a_message_that_names_the_problem(string name, string body, string fragment)
    {
        var answer = await PostAsync(body);

        Assert.True(answer.Status == 400, $"{name}: expected 400, got {answer.Status}: {answer.Body}");
        Assert.Contains(fragment, answer.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-such-model", "There is no model 'no-such-model'")]
    [InlineData("Bad_Name", "model names match")]
    public async Task An_unknown_or_invalid_model_is_404(string model, string fragment)
    {
        var answer = await PostAsync("""{"labels":[{"id":"a","label":1}]}""", model);

        Assert.Equal(404, answer.Status);
        Assert.Contains(fragment, answer.Error);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413()
    {
        string body = $$"""{"labels":[{"id":"{{new string('x', (int)FeedbackModel.BodyLimit)}}","label":1}]}""";

        var answer = await PostAsync(body);

        Assert.Equal(413, answer.Status);
        Assert.Contains($"{FeedbackModel.BodyLimit} bytes allowed", answer.Error);
    }

    [Fact]
    public async Task Accepted_labels_are_answered_with_their_count_and_stored()
    {
        string id = Guid.NewGuid().ToString("N");
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var answer = await PostAsync($$"""{"labels":[{"id":"{{id}}","label":"yes","row":0},{"id":"{{id}}","label":false,"row":1}]}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal(2, (int)answer.Json["accepted"]!);
        var stored = new List<FeedbackLabel>();
        await foreach (var label in fixture.Reader.ReadAsync(fixture.Model, before, DateTimeOffset.UtcNow.AddMinutes(1)))
        {
            if (label.RequestId == id)
            {
                stored.Add(label);
            }
        }

        stored = [.. stored.OrderBy(l => l.Row)];
        Assert.Equal([0, 1], stored.Select(l => l.Row!.Value));
        Assert.Equal("yes", (string?)stored[0].Label);
        Assert.Equal(Newtonsoft.Json.Linq.JTokenType.Boolean, stored[1].Label.Type);
        Assert.False((bool)stored[1].Label);
    }
}
