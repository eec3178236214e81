using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using ServerlessML.Inference;
using ServerlessML.Registry;

namespace ServerlessML.Deployment;

/// <summary>
/// Checks serverlessml.json field by field (every problem named by its JSON path, with what was expected
/// and what was found), then against the ONNX graph it describes. Mirrors schemas/serverlessml.schema.json
/// and adds what a schema cannot say (references into the graph, min below max, unique names).
/// </summary>
public static class ManifestValidation
{
    private static readonly string[] FeatureFields = ["name", "type", "min", "max", "categories"];
    private static readonly string[] OutputRoleFields = ["label", "score", "probabilities"];
    private static readonly string[] RolloutFields = ["strategy", "percent", "promoteAfter"];
    private static readonly string[] PromoteAfterFields = ["minRequests", "maxErrorRate", "maxLatencyRatio", "maxPredictionDrift"];
    private static readonly string[] LoggingFields = ["sampleRate", "exclude", "hash"];

    /// <summary>Parses and validates a manifest; throws <see cref="DeploymentRefusedException"/> listing every problem.</summary>
    public static ModelManifest Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JToken root;
        try
        {
            using var reader = new JsonTextReader(new StringReader(json)) { DateParseHandling = DateParseHandling.None, MaxDepth = 32 };
            root = JToken.ReadFrom(reader);
            if (reader.Read())
            {
                throw new JsonReaderException($"Unexpected content after the manifest object at line {reader.LineNumber}, position {reader.LinePosition}.");
            }
        }
        catch (JsonException e)
        {
            throw new DeploymentRefusedException(DeploymentSteps.Manifest, $"{RegistryPaths.ManifestFileName} is not valid JSON: {e.Message}", e);
        }

        var errors = Check(root);
        ThrowIfAny(errors, "is not a valid manifest");
        try
        {
            return root.ToObject<ModelManifest>(JsonSerializer.Create(new JsonSerializerSettings { MissingMemberHandling = MissingMemberHandling.Ignore }))
                ?? new ModelManifest();
        }
        catch (JsonException e)
        {
            // Check() accepts only what deserializes; this is a safety net that still names the problem.
            throw new DeploymentRefusedException(DeploymentSteps.Manifest, $"{RegistryPaths.ManifestFileName} is not a valid manifest: {e.Message}", e);
        }
    }

    /// <summary>The field-level problems of a manifest, each naming its JSON path; empty when there are none.</summary>
    public static List<string> Check(JToken root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var errors = new List<string>();
        if (root is not JObject manifest)
        {
            errors.Add($"The manifest is {Describe(root)}: expected a JSON object such as {{\"task\": \"regression\"}}.");
            return errors;
        }

        CheckKnownFields(manifest, "", ModelManifest.FieldNames, errors);
        if (manifest["task"] is { } task)
        {
            CheckOneOf(task, "task", ModelTasks.All, errors);
        }

        if (manifest["features"] is { } features)
        {
            CheckFeatures(features, errors);
        }

        if (manifest["outputs"] is { } outputs && IsObject(outputs, "outputs", errors))
        {
            CheckKnownFields((JObject)outputs, "outputs.", OutputRoleFields, errors);
            foreach (var role in ((JObject)outputs).Properties())
            {
                CheckNonEmptyString(role.Value, $"outputs.{role.Name}", errors);
            }
        }

        if (manifest["positiveLabel"] is { } positive && positive.Type is not (JTokenType.String or JTokenType.Integer or JTokenType.Boolean))
        {
            errors.Add($"positiveLabel is {Describe(positive)}: expected the positive class as a string, an integer or a boolean.");
        }

        if (manifest["labelColumn"] is { } labelColumn)
        {
            CheckNonEmptyString(labelColumn, "labelColumn", errors);
        }

        var sensitiveFeatures = manifest["sensitiveFeatures"] is { } sensitive ? CheckNameList(sensitive, "sensitiveFeatures", errors) : [];

        if (manifest["rollout"] is { } rollout)
        {
            CheckRollout(rollout, errors);
        }

        if (manifest["monitoring"] is { } monitoring)
        {
            CheckMonitoring(monitoring, sensitiveFeatures, errors);
        }

        if (manifest["logging"] is { } logging)
        {
            CheckLogging(logging, errors);
        }

        return errors;
    }

    /// <summary>Checks the manifest against the graph; throws <see cref="DeploymentRefusedException"/> listing every mismatch.</summary>
    public static void CheckAgainstGraph(string model, ModelManifest manifest, ModelSignature signature)
    {
        var errors = GraphMismatches(model, manifest, signature);
        ThrowIfAny(errors, "does not match the model's graph");
    }

    /// <summary>Where the manifest names inputs or outputs the graph does not have, or types the graph does not take.</summary>
    public static List<string> GraphMismatches(string model, ModelManifest manifest, ModelSignature signature)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(signature);
        var errors = new List<string>();
        if (manifest.Features.Count > 0)
        {
            CheckFeaturesAgainstGraph(model, manifest, signature, errors);
        }

        if (manifest.Outputs is { } roles)
        {
            foreach (var (field, output) in new[] { ("label", roles.Label), ("score", roles.Score), ("probabilities", roles.Probabilities) })
            {
                if (output is not null && signature.FindOutput(output) is null)
                {
                    errors.Add($"outputs.{field} names '{output}', which is not an output of the model: its outputs are {signature.OutputNames}.");
                }
            }

            if (roles.Label is { } label && signature.FindOutput(label) is { DataType: { } labelType } && manifest.PositiveLabel is { } positive
                && !PositiveLabelFits(positive, labelType))
            {
                errors.Add($"positiveLabel is {Describe(positive)}, but the label output '{label}' is {labelType.ToProtocolName()}: give the positive class in the label's type.");
            }
        }

        return errors;
    }

    /// <summary>Whether a manifest feature type can carry the values of an ONNX input of this datatype.</summary>
    public static bool FeatureTypeFits(string featureType, TensorDataType dataType) => featureType switch
    {
        FeatureTypes.Float => dataType is TensorDataType.Fp16 or TensorDataType.Fp32 or TensorDataType.Fp64,
        FeatureTypes.Int => dataType is TensorDataType.Int8 or TensorDataType.Int16 or TensorDataType.Int32 or TensorDataType.Int64
            or TensorDataType.UInt8 or TensorDataType.UInt16 or TensorDataType.UInt32 or TensorDataType.UInt64,
        FeatureTypes.String => dataType == TensorDataType.Bytes,
        FeatureTypes.Bool => dataType == TensorDataType.Bool,
        _ => false,
    };

    private static void CheckFeaturesAgainstGraph(string model, ModelManifest manifest, ModelSignature signature, List<string> errors)
    {
        var inputs = signature.Inputs;
        bool perColumn = inputs.All(i => i.Kind == ValueKind.Tensor && i.DataType is not null && (i.Shape is [_] || i.Shape is [_, 1]));
        if (perColumn)
        {
            for (int i = 0; i < manifest.Features.Count; i++)
            {
                var feature = manifest.Features[i];
                var input = signature.FindInput(feature.Name);
                if (input is null)
                {
                    errors.Add($"features[{i}].name is '{feature.Name}', which is not an input of the model: its inputs are {signature.InputNames}.");
                }
                else if (!FeatureTypeFits(feature.Type, input.DataType!.Value))
                {
                    errors.Add($"features[{i}].type is '{feature.Type}', but input '{feature.Name}' is {input.DataTypeText}: use '{SuggestedType(input.DataType.Value)}'.");
                }
            }

            var missing = inputs.Where(i => manifest.Features.TrueForAll(f => f.Name != i.Name)).Select(i => $"'{i.Name}'").ToList();
            if (missing.Count > 0)
            {
                errors.Add($"features lists {manifest.Features.Count} of the model's {inputs.Count} inputs: add {string.Join(", ", missing)} (every input is a feature of the instances API).");
            }
        }
        else if (inputs is [{ Kind: ValueKind.Tensor, DataType: { } type, Shape: [_, > 0] } matrix])
        {
            if (manifest.Features.Count != matrix.Shape[1])
            {
                errors.Add($"features lists {manifest.Features.Count} features, but the model's one input '{matrix.Name}' has {matrix.Shape[1]} columns ({matrix.ShapeText}): list one feature per column.");
            }

            for (int i = 0; i < manifest.Features.Count; i++)
            {
                if (!FeatureTypeFits(manifest.Features[i].Type, type))
                {
                    errors.Add($"features[{i}].type is '{manifest.Features[i].Type}', but input '{matrix.Name}' is {matrix.DataTypeText}: use '{SuggestedType(type)}'.");
                }
            }
        }
        else
        {
            errors.Add($"features is given, but the model's inputs ({string.Join(", ", inputs.Select(i => $"'{i.Name}' {i.DataTypeText} {i.ShapeText}"))}) are not tabular: " +
                "features need one input per feature of shape [-1, 1] or one input of shape [-1, D]; leave features out to serve the model through v2 only.");
            return;
        }

        if (errors.Count == 0)
        {
            try
            {
                // The same layout serving builds, so a manifest that passes here serves.
                TabularLayout.For(model, signature, manifest);
            }
            catch (ServingException e)
            {
                errors.Add($"features: {e.Message}");
            }
        }
    }

    private static string SuggestedType(TensorDataType type) =>
        FeatureTypes.All.FirstOrDefault(t => FeatureTypeFits(t, type)) ?? "(none: this input cannot be a feature)";

    private static bool PositiveLabelFits(JToken positive, TensorDataType labelType) => positive.Type switch
    {
        JTokenType.Boolean => labelType == TensorDataType.Bool,
        JTokenType.Integer => FeatureTypeFits(FeatureTypes.Int, labelType),
        JTokenType.String => labelType == TensorDataType.Bytes,
        _ => false,
    };

    private static void CheckFeatures(JToken features, List<string> errors)
    {
        if (features is not JArray list)
        {
            errors.Add($"features is {Describe(features)}: expected an array of {{\"name\", \"type\"}} objects.");
            return;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < list.Count; i++)
        {
            string at = $"features[{i}]";
            if (!IsObject(list[i], at, errors))
            {
                continue;
            }

            var feature = (JObject)list[i];
            CheckKnownFields(feature, at + ".", FeatureFields, errors);
            if (feature["name"] is not { } name)
            {
                errors.Add($"{at} has no \"name\": every feature names a model input.");
            }
            else if (CheckNonEmptyString(name, $"{at}.name", errors) && !names.Add((string)name!))
            {
                errors.Add($"{at}.name '{name}' appears more than once in features.");
            }

            string type = FeatureTypes.Float;
            if (feature["type"] is { } typeToken && CheckOneOf(typeToken, $"{at}.type", FeatureTypes.All, errors))
            {
                type = (string)typeToken!;
            }

            double? min = CheckBound(feature["min"], $"{at}.min", type, errors);
            double? max = CheckBound(feature["max"], $"{at}.max", type, errors);
            if (min > max)
            {
                errors.Add($"{at}.min is {min}, above {at}.max {max}.");
            }

            if (feature["categories"] is { } categories)
            {
                CheckCategories(categories, $"{at}.categories", type, errors);
            }
        }
    }

    private static double? CheckBound(JToken? bound, string at, string type, List<string> errors)
    {
        if (bound is null)
        {
            return null;
        }

        if (!FeatureTypes.IsNumeric(type))
        {
            errors.Add($"{at} is set on a '{type}' feature: min and max apply to float and int features; use categories for the allowed values.");
            return null;
        }

        if (bound.Type is not (JTokenType.Integer or JTokenType.Float))
        {
            errors.Add($"{at} is {Describe(bound)}: expected a number.");
            return null;
        }

        return (double)bound;
    }

    private static void CheckCategories(JToken categories, string at, string type, List<string> errors)
    {
        if (type == FeatureTypes.Float)
        {
            errors.Add($"{at} is set on a float feature: use min and max for float features, categories for string, int and bool ones.");
            return;
        }

        if (categories is not JArray list || list.Count == 0)
        {
            errors.Add($"{at} is {Describe(categories)}: expected a non-empty array of the allowed values.");
            return;
        }

        var expected = type switch
        {
            FeatureTypes.Int => JTokenType.Integer,
            FeatureTypes.Bool => JTokenType.Boolean,
            _ => JTokenType.String,
        };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i].Type != expected)
            {
                errors.Add($"{at}[{i}] is {Describe(list[i])}: the feature is '{type}', so its categories are {expected.ToString().ToLowerInvariant()} values.");
            }
            else if (!seen.Add(list[i].ToString(Formatting.None)))
            {
                errors.Add($"{at}[{i}] repeats the category {list[i].ToString(Formatting.None)}.");
            }
        }
    }

    private static void CheckRollout(JToken rollout, List<string> errors)
    {
        if (!IsObject(rollout, "rollout", errors))
        {
            return;
        }

        var spec = (JObject)rollout;
        CheckKnownFields(spec, "rollout.", RolloutFields, errors);
        string strategy = RolloutStrategies.Immediate;
        if (spec["strategy"] is { } strategyToken && CheckOneOf(strategyToken, "rollout.strategy", RolloutStrategies.All, errors))
        {
            strategy = (string)strategyToken!;
        }

        if (spec["percent"] is { } percent)
        {
            CheckNumber(percent, "rollout.percent", 0, 100, errors);
            if (strategy != RolloutStrategies.Canary)
            {
                errors.Add($"rollout.percent is set, but rollout.strategy is '{strategy}': percent is the canary's share; set \"strategy\": \"canary\" or remove percent.");
            }
        }

        if (spec["promoteAfter"] is { } promoteAfter && IsObject(promoteAfter, "rollout.promoteAfter", errors))
        {
            var budget = (JObject)promoteAfter;
            CheckKnownFields(budget, "rollout.promoteAfter.", PromoteAfterFields, errors);
            if (budget["minRequests"] is { } minRequests)
            {
                CheckInteger(minRequests, "rollout.promoteAfter.minRequests", 0, errors);
            }

            if (budget["maxErrorRate"] is { } maxErrorRate)
            {
                CheckNumber(maxErrorRate, "rollout.promoteAfter.maxErrorRate", 0, 1, errors);
            }

            if (budget["maxLatencyRatio"] is { } maxLatencyRatio && CheckNumber(maxLatencyRatio, "rollout.promoteAfter.maxLatencyRatio", 0, double.MaxValue, errors)
                && (double)maxLatencyRatio == 0)
            {
                errors.Add("rollout.promoteAfter.maxLatencyRatio is 0: expected a ratio above 0, such as 1.5 (the canary may be 50% slower).");
            }

            if (budget["maxPredictionDrift"] is { } maxPredictionDrift)
            {
                CheckNumber(maxPredictionDrift, "rollout.promoteAfter.maxPredictionDrift", 0, double.MaxValue, errors);
            }

            if (strategy != RolloutStrategies.Canary)
            {
                errors.Add($"rollout.promoteAfter is set, but rollout.strategy is '{strategy}': only a canary is promoted by its budget; set \"strategy\": \"canary\" or remove promoteAfter.");
            }
        }
    }

    private static void CheckMonitoring(JToken monitoring, IReadOnlyCollection<string> sensitiveFeatures, List<string> errors)
    {
        if (!IsObject(monitoring, "monitoring", errors))
        {
            return;
        }

        foreach (var threshold in ((JObject)monitoring).Properties())
        {
            string at = $"monitoring.{threshold.Name}";
            switch (threshold.Name)
            {
                case "pValue" or "jensenShannon" or "driftShare" or "decisionThreshold" or "maxDemographicParityDifference"
                    or "maxEqualizedOddsDifference" or "maxEqualOpportunityDifference" or "minDisparateImpact":
                    CheckNumber(threshold.Value, at, 0, 1, errors);
                    break;
                case "minSampleSize":
                    CheckInteger(threshold.Value, at, 1, errors);
                    break;
                case "fairnessMinGroupSize":
                    CheckInteger(threshold.Value, at, 1, errors, int.MaxValue);
                    break;
                case "disparateImpactReference":
                    CheckGroupByFeature(threshold.Value, at, sensitiveFeatures, errors);
                    break;
                default:
                    // psi, wasserstein and thresholds this version does not know: non-negative numbers.
                    CheckNumber(threshold.Value, at, 0, double.MaxValue, errors);
                    break;
            }
        }
    }

    /// <summary>An object of sensitive feature to group value, e.g. <c>{"sex": "Male"}</c>.</summary>
    private static void CheckGroupByFeature(JToken token, string at, IReadOnlyCollection<string> sensitiveFeatures, List<string> errors)
    {
        if (!IsObject(token, at, errors))
        {
            return;
        }

        foreach (var group in ((JObject)token).Properties())
        {
            if (!sensitiveFeatures.Contains(group.Name))
            {
                errors.Add($"{at}.{group.Name} names a feature that is not in sensitiveFeatures [{string.Join(", ", sensitiveFeatures)}]: add it there or remove it here.");
            }

            if (group.Value.Type != JTokenType.String)
            {
                errors.Add($"{at}.{group.Name} is {Describe(group.Value)}: expected the reference group's value as text, as the report names groups (e.g. \"Male\", \"1\", \"true\").");
            }
        }
    }

    private static void CheckLogging(JToken logging, List<string> errors)
    {
        if (!IsObject(logging, "logging", errors))
        {
            return;
        }

        var spec = (JObject)logging;
        CheckKnownFields(spec, "logging.", LoggingFields, errors);
        if (spec["sampleRate"] is { } sampleRate)
        {
            CheckNumber(sampleRate, "logging.sampleRate", 0, 1, errors);
        }

        var exclude = spec["exclude"] is { } excludeToken ? CheckNameList(excludeToken, "logging.exclude", errors) : [];
        var hash = spec["hash"] is { } hashToken ? CheckNameList(hashToken, "logging.hash", errors) : [];
        foreach (string both in exclude.Intersect(hash, StringComparer.Ordinal))
        {
            errors.Add($"logging.exclude and logging.hash both name '{both}': a field is either dropped or hashed.");
        }
    }

    private static List<string> CheckNameList(JToken token, string at, List<string> errors)
    {
        var names = new List<string>();
        if (token is not JArray list)
        {
            errors.Add($"{at} is {Describe(token)}: expected an array of field names.");
            return names;
        }

        for (int i = 0; i < list.Count; i++)
        {
            if (CheckNonEmptyString(list[i], $"{at}[{i}]", errors))
            {
                string name = (string)list[i]!;
                if (names.Contains(name, StringComparer.Ordinal))
                {
                    errors.Add($"{at}[{i}] repeats '{name}'.");
                }

                names.Add(name);
            }
        }

        return names;
    }

    private static void CheckKnownFields(JObject value, string prefix, IReadOnlyList<string> known, List<string> errors)
    {
        foreach (var property in value.Properties())
        {
            if (!known.Contains(property.Name, StringComparer.Ordinal))
            {
                string? near = known.FirstOrDefault(k => string.Equals(k, property.Name, StringComparison.OrdinalIgnoreCase));
                errors.Add($"{prefix}{property.Name} is not a manifest field{(near is null ? "" : $" (did you mean '{prefix}{near}'?)")}: the fields here are {string.Join(", ", known)}.");
            }
        }
    }

    private static bool CheckOneOf(JToken token, string at, IReadOnlyList<string> allowed, List<string> errors)
    {
        if (token.Type == JTokenType.String && allowed.Contains((string)token!, StringComparer.Ordinal))
        {
            return true;
        }

        errors.Add($"{at} is {Describe(token)}: expected one of {string.Join(", ", allowed.Select(a => $"\"{a}\""))}.");
        return false;
    }

    private static bool CheckNonEmptyString(JToken token, string at, List<string> errors)
    {
        if (token.Type == JTokenType.String && ((string)token!).Length > 0)
        {
            return true;
        }

        errors.Add($"{at} is {Describe(token)}: expected a non-empty string.");
        return false;
    }

    private static bool CheckNumber(JToken token, string at, double min, double max, List<string> errors)
    {
        if (token.Type is not (JTokenType.Integer or JTokenType.Float))
        {
            errors.Add($"{at} is {Describe(token)}: expected a number{Range(min, max)}.");
            return false;
        }

        double value = (double)token;
        if (double.IsNaN(value) || value < min || value > max)
        {
            errors.Add($"{at} is {token.ToString(Formatting.None)}: expected a number{Range(min, max)}.");
            return false;
        }

        return true;
    }

    private static void CheckInteger(JToken token, string at, long min, List<string> errors, long max = long.MaxValue)
    {
        // BigInteger tokens (beyond long) fail the cast; they are out of range anyway.
        if (token.Type != JTokenType.Integer || token.ToObject<decimal>() is var value && (value < min || value > max))
        {
            errors.Add($"{at} is {Describe(token)}: expected a whole number {(max == long.MaxValue ? $"of at least {min}" : $"from {min} to {max}")}.");
        }
    }

    private static string Range(double min, double max) =>
        max == double.MaxValue ? $" of at least {min}" : $" from {min} to {max}";

    private static bool IsObject(JToken token, string at, List<string> errors)
    {
        if (token is JObject)
        {
            return true;
        }

        errors.Add($"{at} is {Describe(token)}: expected an object.");
        return false;
    }

    private static void ThrowIfAny(List<string> errors, string what)
    {
        if (errors.Count > 0)
        {
            throw new DeploymentRefusedException(DeploymentSteps.Manifest,
                $"{RegistryPaths.ManifestFileName} {what}: {string.Join(" ", errors.Select((e, i) => errors.Count == 1 ? e : $"({i + 1}) {e}"))}");
        }
    }

    private static string Describe(JToken token) => token.Type switch
    {
        JTokenType.Null => "null",
        JTokenType.Object => "an object",
        JTokenType.Array => "an array",
        JTokenType.String => $"the string \"{Truncate((string)token!)}\"",
        JTokenType.Boolean => $"the boolean {token.ToString(Formatting.None)}",
        JTokenType.Integer or JTokenType.Float => $"the number {token.ToString(Formatting.None)}",
        _ => token.Type.ToString().ToLowerInvariant(),
    };

    private static string Truncate(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
