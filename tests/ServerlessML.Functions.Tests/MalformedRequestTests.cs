using ServerlessML.Functions.Serving;

namespace ServerlessML.Functions.Tests;

/// <summary>
/// The malformed-request corpus: each request a client could get wrong gets the right 4xx and an
/// error that names the problem, never a 500.
/// </summary>
public class MalformedRequestTests(ServedModels models) : IClassFixture<ServedModels>
{
    private const string Row = "0.1,0.2,0.3,0.4";

    public static TheoryData<string, string, int, string> InferCases => new()
    {
        // name, body (for the dense model unless the name says otherwise), status, fragment of the error
        { "empty body", "", 400, "body is empty" },
        { "truncated JSON", """{"inputs":[{"name":"input" """, 400, "The request body ends inside an object" },
        { "not JSON at all", "hello", 400, "not valid JSON" },
        { "top-level array", "[]", 400, "expected an object" },
        { "no inputs", "{}", 400, "has no inputs" },
        { "empty inputs", """{"inputs":[]}""", 400, "has no inputs" },
        { "inputs is an object", """{"inputs":{}}""", 400, "\"inputs\" is an object: expected an array" },
        { "input without name", $$"""{"inputs":[{"shape":[1,4],"datatype":"FP32","data":[{{Row}}]}]}""", 400, "has no \"name\"" },
        { "input without shape", $$"""{"inputs":[{"name":"input","datatype":"FP32","data":[{{Row}}]}]}""", 400, "has no \"shape\"" },
        { "input without datatype", $$"""{"inputs":[{"name":"input","shape":[1,4],"data":[{{Row}}]}]}""", 400, "has no \"datatype\"" },
        { "input without data", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32"}]}""", 400, "has no \"data\"" },
        { "unknown datatype", $$"""{"inputs":[{"name":"input","shape":[1,4],"datatype":"FLOAT32","data":[{{Row}}]}]}""", 400, "datatype \"FLOAT32\": expected one of BOOL" },
        { "wrong datatype", $$"""{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP64","data":[{{Row}}]}]}""", 400, "has datatype FP64, but model" },
        { "wrong width", """{"inputs":[{"name":"input","shape":[1,5],"datatype":"FP32","data":[1,2,3,4,5]}]}""", 400, "has shape [1, 5], but model" },
        { "wrong rank", $$"""{"inputs":[{"name":"input","shape":[4],"datatype":"FP32","data":[{{Row}}]}]}""", 400, "expects [-1, 4]" },
        { "data shorter than shape", """{"inputs":[{"name":"input","shape":[2,4],"datatype":"FP32","data":[1,2,3,4,5,6,7]}]}""", 400, "holds 8 elements, but its data has 7" },
        { "data longer than shape", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,3,4,5]}]}""", 400, "holds 4 elements, but its data has 5" },
        { "extra input", $$"""{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[{{Row}}]},{"name":"bogus","shape":[1],"datatype":"FP32","data":[1]}]}""", 400, "Input 'bogus' is not an input of model" },
        { "same input twice", $$"""{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[{{Row}}]},{"name":"input","shape":[1,4],"datatype":"FP32","data":[{{Row}}]}]}""", 400, "appears twice" },
        { "NaN in FP32", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,NaN,3,4]}]}""", 400, "element 1 is the number NaN: FP32 data is not a finite number" },
        { "Infinity in FP32", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,Infinity,4]}]}""", 400, "element 2 is the number Infinity" },
        { "-Infinity in FP32", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[-Infinity,2,3,4]}]}""", 400, "element 0 is the number -Infinity" },
        { "FP32 overflow", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1e39,2,3,4]}]}""", 400, "outside the FP32 range" },
        { "string in FP32 data", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,"2",3,4]}]}""", 400, "element 1 is the string \"2\": FP32 data expected a number" },
        { "null in data", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,null,3,4]}]}""", 400, "element 1 is null" },
        { "boolean in FP32 data", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[true,2,3,4]}]}""", 400, "element 0 is true" },
        { "negative dimension", $$"""{"inputs":[{"name":"input","shape":[-1,4],"datatype":"FP32","data":[{{Row}}]}]}""", 400, "dimension that is the number -1: expected a whole number" },
        { "fractional dimension", $$"""{"inputs":[{"name":"input","shape":[1.5,4],"datatype":"FP32","data":[{{Row}}]}]}""", 400, "dimension that is the number 1.5" },
        { "huge dimensions", """{"inputs":[{"name":"input","shape":[4000000000,4000000000],"datatype":"FP32","data":[1]}]}""", 400, "more than the limit" },
        { "deeply nested data", "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":" + new string('[', 100) + "1" + new string(']', 100) + "}]}", 400, "MaxDepth" },
        { "data is a scalar", """{"inputs":[{"name":"input","shape":[1],"datatype":"FP32","data":1}]}""", 400, "data that is the number 1: expected an array" },
        { "object inside data", """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,{"a":1},3,4]}]}""", 400, "element 1 is an object" },
        { "shape is a string", """{"inputs":[{"name":"input","shape":"1,4","datatype":"FP32","data":[1,2,3,4]}]}""", 400, "shape is the string \"1,4\": expected an array" },
        { "id is a number", $$"""{"id":7,"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[{{Row}}]}]}""", 400, "\"id\" is the number 7: expected a string" },
        { "unknown output", $$"""{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[{{Row}}]}],"outputs":[{"name":"logits"}]}""", 400, "Requested output 'logits' is not an output" },
        { "content after the object", $$"""{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[{{Row}}]}]} {}""", 400, "not valid JSON: Additional text encountered after finished reading JSON content" },
    };

    [Theory]
    [MemberData(nameof(InferCases))]
    public async Task Infer_refuses_with_a_message_that_names_the_problem(string name, string body, int status, string fragment)
    {
        var answer = await FunctionCall.RunAsync(FunctionCall.Request("POST", body), r => new ModelInfer(models.Harness.Service).Run(r, models.Dense));

        Assert.True(status == answer.Status, $"{name}: expected {status}, got {answer.Status}: {answer.Body}");
        Assert.Contains(fragment, answer.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_input_is_named_with_its_type_and_shape()
    {
        var answer = await FunctionCall.RunAsync(
            FunctionCall.Request("POST", """{"inputs":[{"name":"color","shape":[1,1],"datatype":"BYTES","data":["red"]}]}"""),
            r => new ModelInfer(models.Harness.Service).Run(r, models.Strings));

        Assert.Equal(400, answer.Status);
        Assert.Contains("Input 'size' (FP32 [-1, 1]) is missing", answer.Error);
    }

    [Fact]
    public async Task Fraction_for_an_integer_input_is_refused()
    {
        var answer = await FunctionCall.RunAsync(
            FunctionCall.Request("POST", """{"inputs":[{"name":"in_int64","shape":[1,2],"datatype":"INT64","data":[1,2.5]}]}"""),
            r => new ModelInfer(models.Harness.Service).Run(r, models.AllTypes));

        Assert.Equal(400, answer.Status);
        Assert.Contains("element 1 is the number 2.5: INT64 data expected an integer, not a fraction", answer.Error);
    }

    [Fact]
    public async Task Number_for_a_BYTES_input_is_refused()
    {
        var answer = await FunctionCall.RunAsync(
            FunctionCall.Request("POST", """{"inputs":[{"name":"color","shape":[1,1],"datatype":"BYTES","data":[3]},{"name":"size","shape":[1,1],"datatype":"FP32","data":[1]}]}"""),
            r => new ModelInfer(models.Harness.Service).Run(r, models.Strings));

        Assert.Equal(400, answer.Status);
        Assert.Contains("element 0 is the number 3: BYTES data expected a string", answer.Error);
    }

    [Theory]
    [InlineData("no-such-model", null, "There is no model 'no-such-model'")]
    [InlineData("Bad_Name", null, "There is no model 'Bad_Name': model names match")]
    public async Task Unknown_or_invalid_model_is_404(string model, string? version, string fragment)
    {
        var answer = await FunctionCall.RunAsync(FunctionCall.Request("POST", $$"""{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[{{Row}}]}]}"""),
            r => version is null ? new ModelInfer(models.Harness.Service).Run(r, model) : new ModelInfer(models.Harness.Service).RunVersion(r, model, version));

        Assert.Equal(404, answer.Status);
        Assert.Contains(fragment, answer.Error);
    }

    [Fact]
    public async Task Unknown_version_is_404_and_lists_the_versions()
    {
        var answer = await FunctionCall.RunAsync(FunctionCall.Request("POST", $$"""{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[{{Row}}]}]}"""),
            r => new ModelInfer(models.Harness.Service).RunVersion(r, models.Dense, "9"));

        Assert.Equal(404, answer.Status);
        Assert.Contains("has no version '9'; its versions are '1' (ready)", answer.Error);
    }

    [Fact]
    public async Task Body_over_the_limit_is_413()
    {
        string rows = string.Join(",", Enumerable.Repeat(Row, 20_000));
        var answer = await FunctionCall.RunAsync(FunctionCall.Request("POST", $$"""{"inputs":[{"name":"input","shape":[20000,4],"datatype":"FP32","data":[{{rows}}]}]}"""),
            r => new ModelInfer(models.Harness.Service).Run(r, models.Dense));

        Assert.Equal(413, answer.Status);
        Assert.Contains($"{ServedModels.BodyLimit} bytes allowed", answer.Error);
    }

    public static TheoryData<string, string, string> PredictCases => new()
    {
        { "no instances", """{"instances":[]}""", "has no instances" },
        { "instances missing", """{"rows":[]}""", "has no instances" },
        { "instances is an object", """{"instances":{"color":"red"}}""", "\"instances\" is an object: expected an array" },
        { "instance is a number", """{"instances":[3]}""", "Instance 0 is the number 3: expected an object of features" },
        { "missing feature", """{"instances":[{"color":"red","size":1},{"color":"blue"}]}""", "Instance 1 has no feature 'size'" },
        { "number for a string feature", """{"instances":[{"color":5,"size":1}]}""", "Instance 0 feature 'color' is the number 5: BYTES data expected a string" },
        { "string for a number feature", """{"instances":[{"color":"red","size":"big"}]}""", "Instance 0 feature 'size' is the string \"big\": FP32 data expected a number" },
        { "row too short", """{"instances":[["red"]]}""", "Instance 0 has 1 values, but the model takes 2" },
        { "row too long", """{"instances":[["red",1,2]]}""", "Instance 0 has more than 2 values" },
        { "nested feature value", """{"instances":[{"color":["red"],"size":1}]}""", "Instance 0 feature 'color' is an array" },
        { "NaN feature", """{"instances":[{"color":"red","size":NaN}]}""", "feature 'size' is the number NaN" },
    };

    [Theory]
    [MemberData(nameof(PredictCases))]
    public async Task Predict_refuses_with_a_message_that_names_the_instance_and_feature(string name, string body, string fragment)
    {
        var answer = await FunctionCall.RunAsync(FunctionCall.Request("POST", body), r => new Predict(models.Harness.Service).Run(r, models.Strings));

        Assert.True(answer.Status == 400, $"{name}: expected 400, got {answer.Status}: {answer.Body}");
        Assert.Contains(fragment, answer.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_on_a_model_that_is_not_tabular_points_to_v2_infer()
    {
        var answer = await FunctionCall.RunAsync(FunctionCall.Request("POST", """{"instances":[[1]]}"""), r => new Predict(models.Harness.Service).Run(r, models.AllTypes));

        Assert.Equal(400, answer.Status);
        Assert.Contains("is not tabular", answer.Error);
        Assert.Contains("v2/models/{model}/infer", answer.Error);
    }
}
