using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/ServerlessML.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(ServerlessML.Benchmarks.InferenceOverheadBenchmarks).Assembly).Run(args);
