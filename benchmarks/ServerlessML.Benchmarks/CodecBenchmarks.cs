using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ServerlessML.Inference;

namespace ServerlessML.Benchmarks;

/// <summary>
/// Where the serving overhead goes: reading an infer request (Newtonsoft streaming reader into a
/// typed array) against float.Parse of the same numbers, which is the floor any JSON reader pays.
/// </summary>
[Config(typeof(InProcess))]
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private readonly ServingOptions _options = new();
    private byte[] _body = [];
    private string[] _numbers = [];

    [Params(4, 1024)]
    public int Elements { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _numbers = Enumerable.Range(0, Elements).Select(i => Math.Sin(i).ToString("R", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        _body = Encoding.UTF8.GetBytes($$"""{"inputs":[{"name":"input","shape":[{{Elements / 4}},4],"datatype":"FP32","data":[{{string.Join(",", _numbers)}}]}]}""");
    }

    [Benchmark(Baseline = true)]
    public float ParseNumbersOnly()
    {
        float sum = 0;
        foreach (string n in _numbers)
        {
            sum += float.Parse(n, System.Globalization.CultureInfo.InvariantCulture);
        }

        return sum;
    }

    [Benchmark]
    public int ReadInferRequest()
    {
        using var text = new StreamReader(new MemoryStream(_body), Encoding.UTF8);
        return V2RequestReader.Read(text, _options).Inputs[0].Data.Length;
    }

    private sealed class InProcess : ManualConfig
    {
        public InProcess() => AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(15));
    }
}
