using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessML.Inference;
using ServerlessML.Registry;
using ServerlessML.Testing;

namespace ServerlessML.Benchmarks;

/// <summary>
/// What a new instance's first request costs with and without warm-up: every iteration builds the serving
/// services afresh (record cache, loader, session cache, as a new worker has them) over the Adult sample
/// published in Azurite, and times one V2 infer request of one row: the first one on the fresh cache
/// (download and session creation on the request path), the first one after <see cref="ModelWarmup"/> ran,
/// and one after a first request (steady state).
/// </summary>
[Config(typeof(FreshInstances))]
public class ColdStartBenchmarks
{
    private RegistryStore _store = null!;
    private ServingOptions _options = null!;
    private string _model = "";
    private byte[] _body = [];
    private FreshInstance? _instance;

    [GlobalSetup]
    public void Setup()
    {
        // No record refresh within an iteration: the steady-state request must not pay a storage round trip the others do not.
        _options = new ServingOptions { RecordRefreshInterval = TimeSpan.FromHours(1) };
        _store = new RegistryStore(TestStorage.ServiceClientAsync().GetAwaiter().GetResult());
        _model = TestStorage.UniqueName("adult");
        string sample = RepositoryRoot.Combine("samples", "adult-income");
        _store.PublishAsync(_model, "1", BinaryData.FromBytes(File.ReadAllBytes(Path.Combine(sample, "model.onnx"))),
            File.ReadAllText(Path.Combine(sample, "serverlessml.json"))).GetAwaiter().GetResult();
        _body = Encoding.UTF8.GetBytes(FirstRow(File.ReadAllText(Path.Combine(sample, "requests", "v2-infer.json"))));
    }

    [IterationSetup(Target = nameof(FirstRequestWithoutWarmUp))]
    public void StartCold() => _instance = new FreshInstance(_store, _options);

    [IterationSetup(Target = nameof(FirstRequestAfterWarmUp))]
    public void StartWarmedUp()
    {
        _instance = new FreshInstance(_store, _options);
        var summary = _instance.Warmup.WarmAsync().GetAwaiter().GetResult();
        if (summary.Find(_model, "1")?.Result != WarmupResult.Loaded)
        {
            throw new InvalidOperationException($"The warm-up did not load {_model} 1: {summary.Find(_model, "1")?.Reason}");
        }
    }

    [IterationSetup(Target = nameof(SteadyStateRequest))]
    public void StartServing()
    {
        _instance = new FreshInstance(_store, _options);
        Infer();
    }

    [IterationCleanup]
    public void EndIteration()
    {
        _instance?.Dispose();
        _instance = null;
    }

    [Benchmark(Baseline = true)]
    public int FirstRequestWithoutWarmUp() => Infer();

    [Benchmark]
    public int FirstRequestAfterWarmUp() => Infer();

    [Benchmark]
    public int SteadyStateRequest() => Infer();

    private int Infer()
    {
        var response = _instance!.Service.InferAsync(new ServingRequest(_model, new MemoryStream(_body, writable: false))).GetAwaiter().GetResult();
        return response.Body.Length;
    }

    private static string FirstRow(string v2Request)
    {
        // The sample request has two rows; keep the first of each input.
        var json = Newtonsoft.Json.Linq.JObject.Parse(v2Request);
        foreach (var input in json["inputs"]!)
        {
            input["shape"] = new Newtonsoft.Json.Linq.JArray(1, 1);
            input["data"] = new Newtonsoft.Json.Linq.JArray(input["data"]![0]!);
        }

        return json.ToString(Newtonsoft.Json.Formatting.None);
    }

    /// <summary>The serving services of a worker that has just started.</summary>
    private sealed class FreshInstance : IDisposable
    {
        public FreshInstance(RegistryStore store, ServingOptions options)
        {
            var loader = new ModelLoader(store, options);
            Sessions = new SessionCache(options, loader.LoadAsync, NullLogger<SessionCache>.Instance);
            Warmup = new ModelWarmup(store, Sessions, options, NullLogger<ModelWarmup>.Instance);
            Service = new InferenceService(new ModelRouter(new RecordCache(store, options.RecordRefreshInterval)), Sessions, store,
                Options.Create(options), [], NullLogger<InferenceService>.Instance);
        }

        public SessionCache Sessions { get; }

        public ModelWarmup Warmup { get; }

        public InferenceService Service { get; }

        public void Dispose() => Sessions.Dispose();
    }

    private sealed class FreshInstances : ManualConfig
    {
        public FreshInstances()
        {
            // One request per iteration, each on a new instance; the warm-up iteration takes ONNX Runtime's one-off process start.
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithStrategy(RunStrategy.Monitoring)
                .WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(15));
            AddColumn(StatisticColumn.Median, StatisticColumn.Min, StatisticColumn.Max);
        }
    }
}
