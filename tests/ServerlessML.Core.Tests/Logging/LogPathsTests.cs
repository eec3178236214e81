using ServerlessML.Logging;

namespace ServerlessML.Tests.Logging;

public class LogPathsTests
{
    [Fact]
    public void A_window_lists_whole_days_it_covers_and_single_hours_at_its_edges()
    {
        var prefixes = LogPaths.PredictionPrefixes("m", new DateTimeOffset(2025, 1, 1, 22, 30, 0, TimeSpan.Zero), new DateTimeOffset(2025, 1, 3, 1, 15, 0, TimeSpan.Zero)).ToList();

        Assert.Equal(
        [
            "m/date=2025-01-01/hour=22/",
            "m/date=2025-01-01/hour=23/",
            "m/date=2025-01-02/",
            "m/date=2025-01-03/hour=00/",
            "m/date=2025-01-03/hour=01/",
        ], prefixes);
    }

    [Fact]
    public void Partitions_are_in_UTC_whatever_the_offset_of_the_time()
    {
        var time = new DateTimeOffset(2025, 6, 1, 1, 30, 0, TimeSpan.FromHours(2));

        Assert.Equal("m/date=2025-05-31/hour=23/i-7.jsonl", LogPaths.PredictionBlob("m", time, "i", 7));
        Assert.Equal("m/date=2025-05-31/i-7.jsonl", LogPaths.FeedbackBlob("m", time, "i", 7));
    }

    [Fact]
    public void A_model_name_that_is_not_valid_never_becomes_a_path()
    {
        Assert.Throws<ArgumentException>(() => LogPaths.PredictionBlob("../registry", DateTimeOffset.UtcNow, "i", 1));
        Assert.Throws<ArgumentException>(() => LogPaths.FeedbackPrefixes("A/B", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1)).ToList());
    }

    [Theory]
    [InlineData("0123ABCDEF-4567", "0123abcdef-4567")]
    [InlineData("My Machine.local_42", "my-machine-local-42")]
    [InlineData("--//--", "instance")]
    public void Instance_names_are_sanitized_for_blob_names(string raw, string expected) =>
        Assert.Equal(expected, LogPaths.SanitizeInstance(raw));

    [Fact]
    public void Sequence_numbers_increase_from_the_start_time()
    {
        var sequence = new LogBlobSequence("Host 1", 1_700_000_000_000);

        Assert.Equal("host-1", sequence.Instance);
        Assert.Equal([1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_002], new[] { sequence.Next(), sequence.Next(), sequence.Next() });
    }

    [Fact]
    public void Sampling_at_zero_keeps_nothing_and_at_one_keeps_everything()
    {
        var ids = Enumerable.Range(0, 100).Select(i => $"r{i}").ToList();

        Assert.DoesNotContain(ids, id => PredictionSampling.Keeps(id, 0));
        Assert.All(ids, id => Assert.True(PredictionSampling.Keeps(id, 1)));
        // A request kept at a rate is kept at every higher rate: raising the rate only adds requests.
        Assert.All(ids.Where(id => PredictionSampling.Keeps(id, 0.2)), id => Assert.True(PredictionSampling.Keeps(id, 0.5)));
    }
}
