using Newtonsoft.Json.Linq;
using ServerlessML.Deployment;
using ServerlessML.Inference;
using ServerlessML.Registry;
using ServerlessML.Testing;
using ServerlessML.Testing.Onnx;

namespace ServerlessML.Tests.Deployment;

public class ManifestValidationTests
{
    [Fact]
    public void Adult_sample_manifest_is_valid_and_matches_its_graph()
    {
        var manifest = ManifestValidation.Parse(AdultSample.Manifest());
        using var model = OnnxModel.Load("adult", "1", AdultSample.Model(), new ServingOptions());

        Assert.Empty(ManifestValidation.GraphMismatches("adult", manifest, model.Signature));
        Assert.Equal(14, manifest.Features.Count);
        Assert.Equal(RolloutStrategies.Immediate, manifest.Strategy);
    }

    [Fact]
    public void Typed_rollout_monitoring_and_logging_are_read()
    {
        var manifest = ManifestValidation.Parse("""
            {"rollout": {"strategy": "canary", "percent": 20, "promoteAfter": {"minRequests": 500, "maxErrorRate": 0.01, "maxLatencyRatio": 1.5, "maxPredictionDrift": 0.1}},
             "monitoring": {"psi": 0.25, "pValue": 0.01, "customThreshold": 3},
             "logging": {"sampleRate": 0.5, "exclude": ["ssn"], "hash": ["email"]}}
            """);

        Assert.Equal((RolloutStrategies.Canary, 20.0, 500L, 1.5), (manifest.Strategy, manifest.Rollout!.Percent, manifest.Rollout.PromoteAfter!.MinRequests, manifest.Rollout.PromoteAfter.MaxLatencyRatio));
        Assert.Equal((0.25, 0.01, 3.0), (manifest.Monitoring!.Psi, manifest.Monitoring.PValue, (double)manifest.Monitoring.Other["customThreshold"]));
        Assert.Equal((0.5, "ssn", "email"), (manifest.Logging!.SampleRate, manifest.Logging.Exclude.Single(), manifest.Logging.Hash.Single()));
    }

    [Fact]
    public void Fairness_thresholds_reference_groups_and_decision_threshold_are_read_into_the_report_options()
    {
        var manifest = ManifestValidation.Parse("""
            {"task": "binary-classification", "sensitiveFeatures": ["sex", "race"],
             "monitoring": {"decisionThreshold": 0.7, "maxDemographicParityDifference": 0.05, "maxEqualizedOddsDifference": 0.2,
                            "maxEqualOpportunityDifference": 0.15, "minDisparateImpact": 0.9, "fairnessMinGroupSize": 12,
                            "disparateImpactReference": {"sex": "Male", "race": "White"}}}
            """);

        var options = ServerlessML.Reports.ReportBuilder.FairnessOptionsFor(manifest, bootstrapResamples: 200);

        Assert.Equal(0.7, manifest.Monitoring!.DecisionThreshold);
        Assert.Equal((0.05, 0.2, 0.15, 0.9), (options.Thresholds.MaxDemographicParityDifference, options.Thresholds.MaxEqualizedOddsDifference,
            options.Thresholds.MaxEqualOpportunityDifference, options.Thresholds.MinDisparateImpact));
        Assert.Equal((12, 200), (options.MinGroupSize, options.BootstrapResamples));
        Assert.Equal(["race=White", "sex=Male"], options.DisparateImpactReference.Select(r => $"{r.Key}={r.Value}").Order());
        Assert.Empty(manifest.Monitoring.Other);
    }

    [Fact]
    public void Fairness_options_without_monitoring_are_the_documented_defaults()
    {
        var options = ServerlessML.Reports.ReportBuilder.FairnessOptionsFor(ManifestValidation.Parse("""{"sensitiveFeatures": ["sex"]}"""), bootstrapResamples: 1000);

        Assert.Equal((0.1, 0.8, 30), (options.Thresholds.MaxDemographicParityDifference, options.Thresholds.MinDisparateImpact, options.MinGroupSize));
        Assert.Empty(options.DisparateImpactReference);
    }

    [Theory]
    [InlineData("""{"task": "clustering"}""", "task is the string \"clustering\": expected one of \"binary-classification\"")]
    [InlineData("""{"tsak": "regression"}""", "tsak is not a manifest field")]
    [InlineData("""{"Task": "regression"}""", "Task is not a manifest field (did you mean 'task'?)")]
    [InlineData("""{"features": {"age": "float"}}""", "features is an object: expected an array")]
    [InlineData("""{"features": [{"type": "float"}]}""", "features[0] has no \"name\"")]
    [InlineData("""{"features": [{"name": "a"}, {"name": "a"}]}""", "features[1].name 'a' appears more than once")]
    [InlineData("""{"features": [{"name": "a", "type": "double"}]}""", "features[0].type is the string \"double\": expected one of \"float\", \"int\", \"string\", \"bool\"")]
    [InlineData("""{"features": [{"name": "a", "min": 5, "max": 1}]}""", "features[0].min is 5, above features[0].max 1")]
    [InlineData("""{"features": [{"name": "a", "type": "string", "min": 0}]}""", "features[0].min is set on a 'string' feature")]
    [InlineData("""{"features": [{"name": "a", "categories": ["x"]}]}""", "features[0].categories is set on a float feature")]
    [InlineData("""{"features": [{"name": "a", "type": "int", "categories": ["x"]}]}""", "features[0].categories[0] is the string \"x\": the feature is 'int'")]
    [InlineData("""{"outputs": {"label": ""}}""", "outputs.label is the string \"\": expected a non-empty string")]
    [InlineData("""{"outputs": {"proba": "p"}}""", "outputs.proba is not a manifest field")]
    [InlineData("""{"positiveLabel": [1]}""", "positiveLabel is an array")]
    [InlineData("""{"sensitiveFeatures": "sex"}""", "sensitiveFeatures is the string \"sex\": expected an array of field names")]
    [InlineData("""{"rollout": {"strategy": "blue-green"}}""", "rollout.strategy is the string \"blue-green\": expected one of \"immediate\", \"canary\", \"shadow\", \"manual\"")]
    [InlineData("""{"rollout": {"strategy": "canary", "percent": -1}}""", "rollout.percent is -1: expected a number from 0 to 100")]
    [InlineData("""{"rollout": {"strategy": "canary", "percent": "10"}}""", "rollout.percent is the string \"10\": expected a number from 0 to 100")]
    [InlineData("""{"rollout": {"percent": 10}}""", "rollout.percent is set, but rollout.strategy is 'immediate'")]
    [InlineData("""{"rollout": {"strategy": "shadow", "promoteAfter": {}}}""", "rollout.promoteAfter is set, but rollout.strategy is 'shadow'")]
    [InlineData("""{"rollout": {"strategy": "canary", "promoteAfter": {"maxErrorRate": 2}}}""", "rollout.promoteAfter.maxErrorRate is 2: expected a number from 0 to 1")]
    [InlineData("""{"rollout": {"strategy": "canary", "promoteAfter": {"minRequests": 1.5}}}""", "rollout.promoteAfter.minRequests is the number 1.5: expected a whole number of at least 0")]
    [InlineData("""{"monitoring": {"psi": -0.2}}""", "monitoring.psi is -0.2: expected a number of at least 0")]
    [InlineData("""{"monitoring": {"pValue": 5}}""", "monitoring.pValue is 5: expected a number from 0 to 1")]
    [InlineData("""{"monitoring": {"minDisparateImpact": 80}}""", "monitoring.minDisparateImpact is 80: expected a number from 0 to 1")]
    [InlineData("""{"monitoring": {"decisionThreshold": -0.5}}""", "monitoring.decisionThreshold is -0.5: expected a number from 0 to 1")]
    [InlineData("""{"monitoring": {"fairnessMinGroupSize": 10.5}}""", "monitoring.fairnessMinGroupSize is the number 10.5: expected a whole number from 1 to 2147483647")]
    [InlineData("""{"monitoring": {"fairnessMinGroupSize": 99999999999}}""", "monitoring.fairnessMinGroupSize is the number 99999999999: expected a whole number from 1 to 2147483647")]
    [InlineData("""{"monitoring": {"fairnessMinGroupSize": 0}}""", "monitoring.fairnessMinGroupSize is the number 0: expected a whole number from 1 to 2147483647")]
    [InlineData("""{"monitoring": {"minSampleSize": 0}}""", "monitoring.minSampleSize is the number 0: expected a whole number of at least 1")]
    [InlineData("""{"sensitiveFeatures": ["sex"], "monitoring": {"disparateImpactReference": {"race": "White"}}}""", "monitoring.disparateImpactReference.race names a feature that is not in sensitiveFeatures [sex]")]
    [InlineData("""{"monitoring": {"disparateImpactReference": "Male"}}""", "monitoring.disparateImpactReference is the string \"Male\": expected an object")]
    [InlineData("""{"sensitiveFeatures": ["sex"], "monitoring": {"disparateImpactReference": {"sex": ["Male"]}}}""", "monitoring.disparateImpactReference.sex is an array: expected the reference group's value as text")]
    [InlineData("""{"logging": {"sampleRate": 1.5}}""", "logging.sampleRate is 1.5: expected a number from 0 to 1")]
    [InlineData("""{"logging": {"exclude": ["a"], "hash": ["a"]}}""", "logging.exclude and logging.hash both name 'a'")]
    [InlineData("""[1, 2]""", "The manifest is an array: expected a JSON object")]
    public void Invalid_field_is_refused_by_its_path(string json, string expected)
    {
        var refused = Assert.Throws<DeploymentRefusedException>(() => ManifestValidation.Parse(json));

        Assert.Equal(DeploymentSteps.Manifest, refused.Step);
        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_listed_not_only_the_first()
    {
        var refused = Assert.Throws<DeploymentRefusedException>(() => ManifestValidation.Parse("""{"task": "x", "logging": {"sampleRate": 7}}"""));

        Assert.Contains("(1) task", refused.Message, StringComparison.Ordinal);
        Assert.Contains("(2) logging.sampleRate", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"features": [{"name": "color", "type": "string"}, {"name": "size", "type": "int"}]}""", "features[1].type is 'int', but input 'size' is FP32: use 'float'")]
    [InlineData("""{"features": [{"name": "color", "type": "string"}]}""", "features lists 1 of the model's 2 inputs: add 'size'")]
    [InlineData("""{"outputs": {"label": "color_code"}, "positiveLabel": "red"}""", "positiveLabel is the string \"red\", but the label output 'color_code' is INT64")]
    [InlineData("""{"outputs": {"score": "nope"}}""", "outputs.score names 'nope', which is not an output of the model: its outputs are 'color_code', 'size_doubled'")]
    public void Manifest_that_does_not_match_the_graph_names_the_mismatch(string json, string expected)
    {
        var manifest = ManifestValidation.Parse(json);
        using var model = OnnxModel.Load("strings", "1", TestModels.StringFeatures.Bytes(), new ServingOptions());

        var refused = Assert.Throws<DeploymentRefusedException>(() => ManifestValidation.CheckAgainstGraph("strings", manifest, model.Signature));

        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Features_of_a_matrix_input_must_count_its_columns()
    {
        var manifest = ManifestValidation.Parse("""{"features": [{"name": "a"}, {"name": "b"}]}""");
        using var model = OnnxModel.Load("dense", "1", TestModels.DenseNetwork.Bytes(), new ServingOptions());

        var errors = ManifestValidation.GraphMismatches("dense", manifest, model.Signature);

        Assert.Equal(["features lists 2 features, but the model's one input 'input' has 4 columns ([-1, 4]): list one feature per column."], errors);
    }

    [Fact]
    public void Features_of_a_model_that_is_not_tabular_are_refused()
    {
        var manifest = ManifestValidation.Parse("""{"features": [{"name": "x"}]}""");
        using var model = OnnxModel.Load("fixed", "1", TestModels.AllTypesIdentity.Bytes(), new ServingOptions());

        var errors = ManifestValidation.GraphMismatches("fixed", manifest, model.Signature);

        Assert.Contains("are not tabular", Assert.Single(errors), StringComparison.Ordinal);
    }

    /// <summary>The JSON Schema users point their editors at says what the validator enforces.</summary>
    [Fact]
    public void Json_schema_names_the_same_fields_and_values_as_the_validator()
    {
        var schema = JObject.Parse(File.ReadAllText(RepositoryRoot.Combine("schemas", "serverlessml.schema.json")));
        var defs = (JObject)schema["$defs"]!;

        Assert.Equal("https://json-schema.org/draft/2020-12/schema", (string?)schema["$schema"]);
        Assert.Equal(ModelManifest.FieldNames.Order(), ((JObject)schema["properties"]!).Properties().Select(p => p.Name).Order());
        Assert.Equal(ModelTasks.All, schema["properties"]!["task"]!["enum"]!.Values<string>());
        Assert.Equal(FeatureTypes.All, defs["feature"]!["properties"]!["type"]!["enum"]!.Values<string>());
        Assert.Equal(RolloutStrategies.All, defs["rollout"]!["properties"]!["strategy"]!["enum"]!.Values<string>());
        Assert.Equal((0, 100), ((int)defs["rollout"]!["properties"]!["percent"]!["minimum"]!, (int)defs["rollout"]!["properties"]!["percent"]!["maximum"]!));
        Assert.Equal((0, 1), ((int)defs["logging"]!["properties"]!["sampleRate"]!["minimum"]!, (int)defs["logging"]!["properties"]!["sampleRate"]!["maximum"]!));
        Assert.Equal(["name", "type", "min", "max", "categories"], ((JObject)defs["feature"]!["properties"]!).Properties().Select(p => p.Name));
        Assert.Equal(["strategy", "percent", "promoteAfter"], ((JObject)defs["rollout"]!["properties"]!).Properties().Select(p => p.Name));
        Assert.Equal(["minRequests", "maxErrorRate", "maxLatencyRatio", "maxPredictionDrift"],
            ((JObject)defs["rollout"]!["properties"]!["promoteAfter"]!["properties"]!).Properties().Select(p => p.Name));
        Assert.Equal(["sampleRate", "exclude", "hash"], ((JObject)defs["logging"]!["properties"]!).Properties().Select(p => p.Name));
        Assert.Equal(["label", "score", "probabilities"], ((JObject)schema["properties"]!["outputs"]!["properties"]!).Properties().Select(p => p.Name));
        Assert.Equal(["pValue", "wasserstein", "jensenShannon", "psi", "driftShare", "minSampleSize", "decisionThreshold", "maxDemographicParityDifference",
            "maxEqualizedOddsDifference", "maxEqualOpportunityDifference", "minDisparateImpact", "fairnessMinGroupSize", "disparateImpactReference"],
            ((JObject)defs["monitoring"]!["properties"]!).Properties().Select(p => p.Name));
    }
}
