using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;
using ServerlessML.Inference;
using ServerlessML.Logging;
using ServerlessML.Testing;
using ServerlessML.Testing.Onnx;

namespace ServerlessML.Tests.Logging;

public class FeedbackTests(HarnessFixture fixture) : IClassFixture<HarnessFixture>
{
    private ServingHarness Harness => fixture.Harness;

    private async Task<(FeedbackService Service, FeedbackReader Reader)> CreateAsync(TimeProvider clock)
    {
        var blobs = await TestStorage.ServiceClientAsync();
        var service = new FeedbackService(Harness.Router, blobs, new LogBlobSequence("feedback-test", 1), Options.Create(new FeedbackOptions()),
            Options.Create(new ServingOptions()), clock);
        return (service, new FeedbackReader(blobs));
    }

    [Fact]
    public async Task Labels_are_stored_one_line_each_in_the_day_partition_and_read_back_over_a_window()
    {
        var clock = new ManualClock(new DateTimeOffset(2025, 4, 10, 23, 50, 0, TimeSpan.Zero));
        var (service, reader) = await CreateAsync(clock);
        string model = await Harness.PublishAsync(TestModels.DenseNetwork.Bytes());

        var answer = Json.Parse(await service.SubmitAsync(model, Json.Body("""{"labels":[{"id":"r-1","label":true},{"id":"r-2","label":"cat","row":3}]}"""), null));
        clock.Now = new DateTimeOffset(2025, 4, 11, 0, 5, 0, TimeSpan.Zero);
        await service.SubmitAsync(model, Json.Body("""{"labels":[{"id":"r-3","label":2.5}]}"""), null);

        Assert.Equal(2, (int)answer["accepted"]!);
        var blobs = new List<string>();
        await foreach (var item in (await TestStorage.ServiceClientAsync()).GetBlobContainerClient("feedback").GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"{model}/", CancellationToken.None))
        {
            blobs.Add(item.Name);
        }

        Assert.Equal(2, blobs.Count);
        Assert.Matches($"^{model}/date=2025-04-10/feedback-test-\\d+\\.jsonl$", blobs.Order().First());
        Assert.Matches($"^{model}/date=2025-04-11/feedback-test-\\d+\\.jsonl$", blobs.Order().Last());

        var labels = new List<FeedbackLabel>();
        await foreach (var label in reader.ReadAsync(model, new DateTimeOffset(2025, 4, 10, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 4, 12, 0, 0, 0, TimeSpan.Zero)))
        {
            labels.Add(label);
        }

        Assert.Equal(["r-1", "r-2", "r-3"], labels.Select(l => l.RequestId).Order());
        var cat = labels.Single(l => l.RequestId == "r-2");
        Assert.Equal((3, "cat"), (cat.Row, (string?)cat.Label));
        Assert.Equal(new DateTimeOffset(2025, 4, 10, 23, 50, 0, TimeSpan.Zero), cat.Time);
        Assert.Null(labels.Single(l => l.RequestId == "r-1").Row);
        Assert.True((bool)labels.Single(l => l.RequestId == "r-1").Label);
        Assert.Equal(2.5, (double)labels.Single(l => l.RequestId == "r-3").Label);

        // A window is by the time received: the first day alone holds the first request's labels.
        var firstDay = new List<string>();
        await foreach (var label in reader.ReadAsync(model, new DateTimeOffset(2025, 4, 10, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 4, 11, 0, 0, 0, TimeSpan.Zero)))
        {
            firstDay.Add(label.RequestId);
        }

        Assert.Equal(["r-1", "r-2"], firstDay.Order());
    }

    [Fact]
    public async Task An_unknown_model_is_404_and_nothing_is_stored()
    {
        var (service, reader) = await CreateAsync(TimeProvider.System);
        string model = TestStorage.UniqueName("nomodel");

        var refused = await Assert.ThrowsAsync<ServingException>(() => service.SubmitAsync(model, Json.Body("""{"labels":[{"id":"r","label":1}]}"""), null));

        Assert.Equal(ServingErrorCode.NotFound, refused.Code);
        Assert.Contains($"There is no model '{model}'", refused.Message);
        await foreach (var _ in reader.ReadAsync(model, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)))
        {
            Assert.Fail("A label was stored for an unknown model.");
        }
    }
}
