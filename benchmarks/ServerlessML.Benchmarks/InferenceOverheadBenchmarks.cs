using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.ML.OnnxRuntime;
using ServerlessML.Functions.Serving;
using ServerlessML.Inference;
using ServerlessML.Testing;
using ServerlessML.Testing.Onnx;

namespace ServerlessML.Benchmarks;

/// <summary>
/// What the serving path costs on top of ONNX Runtime: an infer request through the HTTP function
/// (JSON in, checks, session from the cache, run, JSON out; or binary tensor data in and out) against
/// InferenceSession.Run on the same model, session options and input, with the inputs already built.
/// The ratio is the overhead.
/// </summary>
[Config(typeof(InProcess))]
[MemoryDiagnoser]
public class InferenceOverheadBenchmarks
{
    private ServingHarness _harness = null!;
    private string _model = "";
    private byte[] _body = [];
    private string? _jsonLength;
    private InferenceSession _session = null!;
    private RunOptions _runOptions = null!;
    private string[] _inputNames = [];
    private OrtValue[] _inputs = [];
    private string[] _outputNames = [];

    public enum Workload
    {
        /// <summary>The dense network, 1 row of 4 floats.</summary>
        DenseRow,

        /// <summary>The dense network, 256 rows of 4 floats.</summary>
        DenseBatch256,

        /// <summary>The dense network, 256 rows of 4 floats, input and outputs as binary tensor data.</summary>
        DenseBatch256Binary,

        /// <summary>The ML.NET Adult model, 1 row: 14 inputs, 8 of them strings.</summary>
        AdultRow,
    }

    [Params(Workload.DenseRow, Workload.DenseBatch256, Workload.DenseBatch256Binary, Workload.AdultRow)]
    public Workload Case { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Refresh never within a run: the benchmark measures serving, not storage round trips.
        var options = new ServingOptions { RecordRefreshInterval = TimeSpan.FromHours(1) };
        _harness = ServingHarness.CreateAsync(options).GetAwaiter().GetResult();
        byte[] onnx;
        var request = new InferenceRequest();
        switch (Case)
        {
            case Workload.DenseRow:
            case Workload.DenseBatch256:
            case Workload.DenseBatch256Binary:
                int rows = Case == Workload.DenseRow ? 1 : 256;
                onnx = TestModels.DenseNetwork.Bytes();
                var values = Enumerable.Range(0, rows * 4).Select(i => (float)Math.Sin(i)).ToArray();
                request.Inputs.Add(new InferenceTensor("input", TensorDataType.Fp32, [rows, 4], values));
                break;
            default:
                onnx = File.ReadAllBytes(RepositoryRoot.Combine("samples", "adult-income", "model.onnx"));
                request = V2RequestReader.Read(new StringReader(SingleRow(File.ReadAllText(RepositoryRoot.Combine("samples", "adult-income", "requests", "v2-infer.json")))), options);
                break;
        }

        if (Case == Workload.DenseBatch256Binary)
        {
            var input = request.Inputs[0];
            byte[] binary = BinaryTensorBodies.Encode(input.Data);
            string json = $$$"""{"inputs":[{"name":"{{{input.Name}}}","shape":[{{{string.Join(",", input.Shape)}}}],"datatype":"FP32","parameters":{"binary_data_size":{{{binary.Length}}}}}],"parameters":{"binary_data_output":true}}""";
            (_body, int jsonLength) = BinaryTensorBodies.Compose(json, binary);
            _jsonLength = jsonLength.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            _body = Encoding.UTF8.GetBytes(ToJson(request));
        }

        _model = _harness.PublishAsync(onnx).GetAwaiter().GetResult();

        using var sessionOptions = new SessionOptions { IntraOpNumThreads = options.IntraOpThreads, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        _session = new InferenceSession(onnx, sessionOptions);
        _runOptions = new RunOptions();
        _inputNames = request.Inputs.Select(i => i.Name).ToArray();
        _inputs = request.Inputs.Select(ToOrtValue).ToArray();
        _outputNames = [.. _session.OutputNames];

        // Warm the cache so that both sides run a loaded session.
        int status = FunctionHandler();
        if (status != 200)
        {
            throw new InvalidOperationException($"The function answered {status} in setup.");
        }
    }

    [Benchmark(Baseline = true)]
    public int RawSessionRun()
    {
        using var results = _session.Run(_runOptions, _inputNames, _inputs, _outputNames);
        return results.Count;
    }

    [Benchmark]
    public int FunctionHandler()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Body = new MemoryStream(_body, writable: false);
        context.Request.ContentLength = _body.Length;
        if (_jsonLength is not null)
        {
            context.Request.Headers[BinaryTensorBodies.HeaderName] = _jsonLength;
        }
        context.Response.Body = Stream.Null;
        var result = new ModelInfer(_harness.Service).Run(context.Request, _model).GetAwaiter().GetResult();
        result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor())).GetAwaiter().GetResult();
        return context.Response.StatusCode;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var input in _inputs)
        {
            input.Dispose();
        }

        _runOptions.Dispose();
        _session.Dispose();
        _harness.Dispose();
    }

    private static string SingleRow(string v2Request)
    {
        // The sample request has two rows; keep the first of each input.
        var json = Newtonsoft.Json.Linq.JObject.Parse(v2Request);
        foreach (var input in json["inputs"]!)
        {
            input["shape"] = new Newtonsoft.Json.Linq.JArray(1, 1);
            input["data"] = new Newtonsoft.Json.Linq.JArray(input["data"]![0]!);
        }

        return json.ToString();
    }

    private static string ToJson(InferenceRequest request)
    {
        var inputs = new Newtonsoft.Json.Linq.JArray(request.Inputs.Select(i => new Newtonsoft.Json.Linq.JObject
        {
            ["name"] = i.Name,
            ["shape"] = new Newtonsoft.Json.Linq.JArray(i.Shape),
            ["datatype"] = i.DataType.ToProtocolName(),
            ["data"] = Newtonsoft.Json.Linq.JArray.FromObject(i.Data),
        }));
        return new Newtonsoft.Json.Linq.JObject { ["inputs"] = inputs }.ToString(Newtonsoft.Json.Formatting.None);
    }

    private static OrtValue ToOrtValue(InferenceTensor tensor)
    {
        if (tensor.Data is string[] strings)
        {
            var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, tensor.Shape);
            for (int i = 0; i < strings.Length; i++)
            {
                value.StringTensorSetElementAt(strings[i].AsSpan(), i);
            }

            return value;
        }

        return OrtValue.CreateTensorValueFromMemory((float[])tensor.Data, tensor.Shape);
    }

    private sealed class InProcess : ManualConfig
    {
        public InProcess()
        {
            // In process: the benchmark shares the harness's Azurite and needs no separate build of the Functions app.
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(15));
        }
    }
}
