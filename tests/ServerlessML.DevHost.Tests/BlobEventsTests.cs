using ServerlessML.DevHost.Blobs;

namespace ServerlessML.DevHost.Tests;

public sealed class BlobEventsTests
{
    [Fact]
    public void Event_grid_blob_created_event_names_container_blob_and_etag()
    {
        var json = $"[{BlobEvents.CreateBlobCreated(new Uri("https://acct.blob.core.windows.net/models/m/1.onnx"), "models", "m/1.onnx", "0x8D1", 12, "application/octet-stream")}]";

        var created = Assert.Single(BlobEvents.ParseNotification(json, out int ignored));

        Assert.Equal(new BlobCreatedEvent("models", "m/1.onnx", "0x8D1"), created);
        Assert.Equal(0, ignored);
    }

    [Fact]
    public void Blob_is_found_from_an_emulator_url_when_the_subject_is_missing()
    {
        const string json = """[{ "eventType": "Microsoft.Storage.BlobCreated", "data": { "url": "http://127.0.0.1:10000/devstoreaccount1/models/m/1.onnx" } }]""";

        Assert.Equal(new BlobCreatedEvent("models", "m/1.onnx", null), Assert.Single(BlobEvents.ParseNotification(json, out _)));
    }

    [Fact]
    public void Single_cloud_event_is_accepted()
    {
        const string json = """{ "type": "Microsoft.Storage.BlobCreated", "subject": "/blobServices/default/containers/models/blobs/x.onnx", "data": { "eTag": "0x1" } }""";

        Assert.Equal(new BlobCreatedEvent("models", "x.onnx", "0x1"), Assert.Single(BlobEvents.ParseNotification(json, out _)));
    }

    [Fact]
    public void Other_event_types_are_counted_not_delivered()
    {
        const string json = """[{ "eventType": "Microsoft.Storage.BlobDeleted", "subject": "/blobServices/default/containers/models/blobs/x.onnx" }]""";

        Assert.Empty(BlobEvents.ParseNotification(json, out int ignored));
        Assert.Equal(1, ignored);
    }

    [Fact]
    public void Validation_code_is_read_from_the_first_event() =>
        Assert.Equal("512d38b6", BlobEvents.ParseValidationCode("""[{ "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent", "data": { "validationCode": "512d38b6" } }]"""));

    [Theory]
    [InlineData("not json")]
    [InlineData("42")]
    [InlineData("""[{ "eventType": "Microsoft.Storage.BlobCreated", "subject": "/elsewhere" }]""")]
    public void Malformed_notification_is_refused(string json) =>
        Assert.Throws<InvalidDataException>(() => BlobEvents.ParseNotification(json, out _));
}
