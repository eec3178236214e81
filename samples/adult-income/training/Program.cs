using System.Globalization;
using AdultIncome.Training;
using Microsoft.ML;

// Trains the ServerlessML Adult sample: a FastTree binary classifier of "income over 50K" on UCI Adult,
// exports it to ONNX, checks the export against ML.NET with ONNX Runtime, and writes the manifest,
// two sample requests and their expected outputs.
// Usage: dotnet run --project samples/adult-income/training [-- <sample folder>]
const int Seed = 20240601;
var sampleFolder = args.Length > 0 ? Path.GetFullPath(args[0]) : SampleFolder.Find();
var dataPath = Path.Combine(sampleFolder, "data", "adult.data");
var records = AdultRecord.ReadAll(dataPath);
Console.WriteLine($"Read {records.Count} rows from {dataPath}.");

var mlContext = new MLContext(seed: Seed);
var split = mlContext.Data.TrainTestSplit(mlContext.Data.LoadFromEnumerable(records), testFraction: 0.2, seed: Seed);

var categorical = AdultFeatures.CategoricalColumns.Select(column => column.Name).ToArray();
var pipeline = mlContext.Transforms.Categorical
    .OneHotEncoding([.. categorical.Select(column => new InputOutputColumnPair($"{column}_onehot", column))])
    .Append(mlContext.Transforms.Concatenate(
        "Features",
        [.. AdultFeatures.NumericColumns.Select(column => column.Name), .. categorical.Select(column => $"{column}_onehot")]))
    .Append(mlContext.BinaryClassification.Trainers.FastTree(
        labelColumnName: AdultRecord.LabelColumn,
        numberOfLeaves: 16,
        numberOfTrees: 100,
        minimumExampleCountPerLeaf: 20,
        learningRate: 0.1));
var model = pipeline.Fit(split.TrainSet);

var heldOut = mlContext.Data.CreateEnumerable<AdultRecord>(split.TestSet, reuseRowObject: false).ToList();
var metrics = mlContext.BinaryClassification.Evaluate(model.Transform(split.TestSet), labelColumnName: AdultRecord.LabelColumn);
Console.WriteLine(string.Create(
    CultureInfo.InvariantCulture,
    $"Held-out 20% ({heldOut.Count} rows): accuracy {metrics.Accuracy:F4}, AUC {metrics.AreaUnderRocCurve:F4}, F1 {metrics.F1Score:F4}, log loss {metrics.LogLoss:F4}."));

// The export's input schema holds the 14 features only, so the label does not become an ONNX input.
var modelPath = Path.Combine(sampleFolder, "model.onnx");
using (var stream = File.Create(modelPath))
{
    var featuresOnly = mlContext.Data.LoadFromEnumerable(records.Take(1).Select(record => record.FeaturesOnly()));
    mlContext.Model.ConvertToOnnx(model, featuresOnly, stream, "PredictedLabel", "Score", "Probability");
}

Console.WriteLine($"Wrote {modelPath} ({new FileInfo(modelPath).Length:N0} bytes).");

var engine = mlContext.Model.CreatePredictionEngine<AdultFeatures, AdultPrediction>(model);
var heldOutFeatures = heldOut.Select(row => row.FeaturesOnly()).ToList();
var heldOutPredictions = heldOutFeatures.Select(engine.Predict).ToList();
var comparison = OnnxExportCheck.Compare(modelPath, heldOutFeatures, heldOutPredictions);
Console.WriteLine(string.Create(
    CultureInfo.InvariantCulture,
    $"ONNX Runtime vs ML.NET on {comparison.Rows} held-out rows: {comparison.LabelDisagreements} label disagreements, max |score difference| {comparison.MaxScoreDifference:G3}, max |probability difference| {comparison.MaxProbabilityDifference:G3}."));
if (comparison.LabelDisagreements > 0 || comparison.MaxProbabilityDifference > 1e-5)
{
    Console.Error.WriteLine("The ONNX export does not reproduce ML.NET's predictions; the manifest and requests were not written.");
    return 1;
}

var outputs = (comparison.LabelOutput, comparison.ScoreOutput, comparison.ProbabilityOutput);
var manifestPath = Path.Combine(sampleFolder, "serverlessml.json");
File.WriteAllText(manifestPath, SampleManifest.Create(records, outputs));
Console.WriteLine($"Wrote {manifestPath}.");

// Two held-out people the model classifies correctly, one of each class. Their expected outputs are
// ML.NET's, so the sample's test checks the ONNX export against the trained model, not against itself.
int[] sampleIndexes =
[
    Enumerable.Range(0, heldOut.Count).First(i => !heldOut[i].IncomeOver50K && !heldOutPredictions[i].PredictedLabel),
    Enumerable.Range(0, heldOut.Count).First(i => heldOut[i].IncomeOver50K && heldOutPredictions[i].PredictedLabel),
];
SampleRequests.Write(
    Path.Combine(sampleFolder, "requests"),
    [.. sampleIndexes.Select(index => heldOut[index])],
    [.. sampleIndexes.Select(index => heldOutPredictions[index])],
    outputs);
Console.WriteLine($"Wrote requests/v1-predict.json, requests/v2-infer.json and requests/expected.json under {sampleFolder}.");
return 0;

internal static class SampleFolder
{
    /// <summary>samples/adult-income: the first folder above the program's own that holds data/adult.data.</summary>
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "data", "adult.data")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No data/adult.data above {AppContext.BaseDirectory}; pass the sample folder as the first argument.");
    }
}
