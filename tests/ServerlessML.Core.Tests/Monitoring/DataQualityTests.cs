using Newtonsoft.Json.Linq;
using ServerlessML.Monitoring;
using ServerlessML.Registry;

namespace ServerlessML.Tests.Monitoring;

public sealed class DataQualityTests
{
    [Fact]
    public void Numeric_values_are_checked_for_null_type_and_manifest_range()
    {
        var rule = new FeatureQualityRule("age", ExpectedFeatureType.Float, min: 0, max: 120);
        var counts = new FeatureQualityCounts();

        foreach (var value in new JToken?[] { 30, 45.5, null, JValue.CreateNull(), "thirty", true, 130, -1, 0, 120 })
        {
            counts.Observe(value, rule);
        }

        Assert.Equal(10, counts.Observations);
        Assert.Equal(new Rate(2, 10), counts.NullRate);
        Assert.Equal(new Rate(2, 8), counts.TypeErrorRate); // "thirty" and true, of 8 non-null
        Assert.Equal(new Rate(2, 6), counts.OutOfRangeRate); // 130 and -1, of 6 valid numbers; 0 and 120 are inside
        Assert.Equal(1.0 / 3, counts.OutOfRangeRate.Value!.Value, 1e-15);
        Assert.Equal(new Rate(0, 0), counts.UnseenCategoryRate);
        Assert.Null(counts.UnseenCategoryRate.Value);
    }

    [Fact]
    public void Integer_feature_counts_fractional_numbers_as_type_errors()
    {
        var rule = new FeatureQualityRule("rooms", ExpectedFeatureType.Integer);
        var counts = new FeatureQualityCounts();

        foreach (var value in new JToken[] { 3, 2.5, 4.0 })
        {
            counts.Observe(value, rule);
        }

        Assert.Equal(1, counts.TypeErrors);
        Assert.Equal(0, counts.RangeChecked); // no min or max in the rule
    }

    [Fact]
    public void Categories_from_the_reference_profile_define_unseen_ones_when_the_manifest_has_none()
    {
        var profile = ReferenceProfile.Build(
            new Dictionary<string, IReadOnlyList<double?>>(),
            new Dictionary<string, IReadOnlyList<string?>> { ["colour"] = ["red", "green", "red"] });
        var rule = FeatureQualityRule.FromManifest(new FeatureSpec { Name = "colour", Type = "string" }, profile);
        var counts = new FeatureQualityCounts();

        foreach (var value in new JToken?[] { "red", "blue", "green", "blue", 7 })
        {
            counts.Observe(value, rule);
        }

        Assert.Equal(new Rate(2, 4), counts.UnseenCategoryRate);
        Assert.Equal(1, counts.TypeErrors);
    }

    [Fact]
    public void Manifest_categories_take_precedence_and_unknown_types_are_refused()
    {
        var rule = FeatureQualityRule.FromManifest(new FeatureSpec { Name = "size", Type = "string", Categories = ["S", "M", "L"] });

        Assert.Contains("M", rule.KnownCategories!);
        var error = Assert.Throws<ArgumentException>(() => FeatureQualityRule.FromManifest(new FeatureSpec { Name = "x", Type = "double" }));
        Assert.Contains("float, int, string or bool", error.Message);
    }

    [Fact]
    public void Record_level_counts_treat_absent_fields_as_null_and_merge_after_storage()
    {
        FeatureQualityRule[] rules =
        [
            new("age", ExpectedFeatureType.Float, min: 0, max: 120),
            new("member", ExpectedFeatureType.Boolean),
        ];
        var first = new DataQualityAggregate();
        var second = new DataQualityAggregate();
        first.Observe(JObject.Parse("""{ "age": 30, "member": true }"""), rules);
        first.Observe(JObject.Parse("""{ "age": 200 }"""), rules);
        second.Observe(JObject.Parse("""{ "age": "x", "member": "yes" }"""), rules);

        var merged = MonitoringJson.Deserialize<DataQualityAggregate>(MonitoringJson.Serialize(first));
        merged.Merge(second);

        var age = merged.Features["age"];
        var member = merged.Features["member"];
        Assert.Equal(3, age.Observations);
        Assert.Equal(new Rate(1, 2), age.OutOfRangeRate);
        Assert.Equal(1, age.TypeErrors);
        Assert.Equal(new Rate(1, 3), member.NullRate);
        Assert.Equal(new Rate(1, 2), member.TypeErrorRate);
    }
}
