using Newtonsoft.Json.Linq;
using ServerlessML.Deployment;
using ServerlessML.Logging;
using ServerlessML.Reports;

namespace ServerlessML.Tests.Reports;

/// <summary>How one logged row lands in a version's aggregate: the predicted outcome and the fairness group.</summary>
public class VersionAggregateTests
{
    private static PredictionRecord Row(double probability, bool label, string region) => new()
    {
        SchemaVersion = PredictionLogSchema.Version,
        RequestId = Guid.NewGuid().ToString("N"),
        Row = 0,
        Rows = 1,
        Version = "1",
        Route = "production",
        Features = new JObject { ["x"] = 1.0 },
        Outputs = new JObject { ["label"] = label, ["probability"] = probability },
        Context = new JObject { ["region"] = region },
    };

    private static VersionAggregate Aggregate(string monitoring, params PredictionRecord[] rows)
    {
        var manifest = ManifestValidation.Parse($$"""
            {"task": "binary-classification", "positiveLabel": true, "features": [{"name": "x"}],
             "sensitiveFeatures": ["region"]{{monitoring}}}
            """);
        var layout = new VersionLayout("1", manifest, profile: null);
        var aggregate = layout.CreateAggregate();
        foreach (var row in rows)
        {
            aggregate.Observe(row, label: null, layout);
        }

        return aggregate;
    }

    private static long Selected(VersionAggregate aggregate, string region) =>
        aggregate.Fairness!.Cells.Where(c => c.Values!.SequenceEqual([region])).Sum(c => c.Counts!.Selected);

    [Fact]
    public void Without_a_decision_threshold_the_models_own_label_is_the_outcome()
    {
        // Labels say yes, yes, no; probabilities 0.6, 0.8, 0.3 would agree at 0.5 but not at 0.7.
        var aggregate = Aggregate("", Row(0.6, true, "north"), Row(0.8, true, "north"), Row(0.3, false, "south"));

        Assert.Equal(2, Selected(aggregate, "north"));
        Assert.Equal(0, Selected(aggregate, "south"));
    }

    [Fact]
    public void A_manifest_decision_threshold_decides_over_the_models_label()
    {
        var aggregate = Aggregate(""", "monitoring": {"decisionThreshold": 0.7}""", Row(0.6, true, "north"), Row(0.8, true, "north"), Row(0.3, false, "south"));

        Assert.Equal(1, Selected(aggregate, "north"));
        Assert.Equal(0, Selected(aggregate, "south"));
        Assert.Equal(3, aggregate.Fairness!.Cells.Sum(c => c.Counts!.N));
    }

    [Fact]
    public void A_sensitive_feature_the_model_never_sees_is_read_from_the_request_context()
    {
        var aggregate = Aggregate("", Row(0.9, true, "east"), Row(0.1, false, "east"), Row(0.9, true, "west"));

        Assert.Equal(["east", "west"], aggregate.Fairness!.Cells.Select(c => c.Values!.Single()).Distinct().Order());
        Assert.Equal(2, aggregate.Fairness.Cells.Where(c => c.Values!.SequenceEqual(["east"])).Sum(c => c.Counts!.N));
    }
}
